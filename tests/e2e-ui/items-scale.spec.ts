import type { Locator, Page } from '@playwright/test';
import { test, expect, shot } from './support/fixtures.ts';
import { createVault } from './support/flows.ts';
import { largeBitwardenExport, largeExportCount, largeExportTitle } from '../helpers/large-export.ts';

/**
 * A large vault stays usable with a virtualized list (docs/PERFORMANCE.md, "A vault of 10,000 items"): the DOM holds
 * only the rows in view, so these checks prove that a person can still reach every item, by mouse and by keyboard,
 * search it, and open one far down. 2,000 items keep the suite quick; the bench measures 10,000. Functional only:
 * nothing here is timed.
 */
const COUNT = 2_000;
const TITLES = Array.from({ length: COUNT }, (_, i) => largeExportTitle(i)).sort((a, b) =>
  a.localeCompare(b),
);

const list = (page: Page): Locator => page.getByTestId('item-list');
const rows = (page: Page): Locator => list(page).getByRole('listitem');

/** The titles of the rows in the DOM now. */
const renderedTitles = (page: Page): Promise<string[]> =>
  list(page).locator('.vault__item-title').allTextContents();

async function importLargeExport(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Import / export' }).click();
  await page.getByLabel('Bitwarden').check();
  await page.getByLabel('File to import').setInputFiles({
    name: 'bitwarden.json',
    mimeType: 'application/json',
    buffer: Buffer.from(largeBitwardenExport(COUNT)),
  });
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('import-summary')).toContainText(`${COUNT} items will be added`);
  await page.getByRole('button', { name: `Import ${COUNT} items` }).click();
  await expect(rows(page).first()).toHaveAttribute('aria-setsize', String(COUNT));
}

test('2,000 imported items: search, reach every item by mouse and keyboard, open one far down the list', async ({
  app,
}, testInfo) => {
  // Hundreds of wheel steps and key presses, each waited on: longer than the suite's default on a loaded machine.
  test.setTimeout(240_000);
  await createVault(app);
  await importLargeExport(app);

  // Only the rows in view are rendered, each saying where it is in the whole list.
  const first = await rows(app).count();
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThan(200);
  await expect(rows(app).first()).toHaveAttribute('aria-posinset', '1');
  await expect(rows(app).first()).toContainText(TITLES[0]!);

  // Search narrows the list by title (and, as before, by tag and notes).
  const search = app.getByLabel('Search items');
  await search.fill('bank');
  const banks = TITLES.filter((t) => t.startsWith('Bank '));
  expect(banks).toHaveLength(largeExportCount(COUNT, 'bank'));
  await expect(rows(app).first()).toHaveAttribute('aria-setsize', String(banks.length));
  await expect(rows(app).first()).toContainText(banks[0]!);
  for (const title of await renderedTitles(app)) expect(title).toMatch(/^Bank /);
  await search.fill('security question');
  await expect(rows(app).first()).not.toHaveAttribute('aria-setsize', String(COUNT));
  await search.fill('no item is called this');
  await expect(app.getByTestId('vault-empty')).toContainText('No items match');

  // Keyboard: one Tab stop, then Down through every Bank item (more than a screenful), each focused in turn.
  await search.fill('bank');
  await expect(rows(app).first()).toHaveAttribute('aria-setsize', String(banks.length));
  await search.press('Tab');
  const focused = app.locator('.vault__item:focus');
  await expect(focused).toContainText(banks[0]!);
  const reached = [banks[0]!];
  for (let i = 1; i < banks.length; i++) {
    await app.keyboard.press('ArrowDown');
    await expect(focused).toContainText(banks[i]!);
    reached.push(banks[i]!);
  }
  expect(reached).toEqual(banks);
  await app.keyboard.press('Home');
  await expect(focused).toContainText(banks[0]!);
  await app.keyboard.press('End');
  await expect(focused).toContainText(banks.at(-1)!);
  await app.keyboard.press('PageUp');
  await expect(focused).not.toContainText(banks.at(-1)!);
  await expect(focused).toBeInViewport();

  // Mouse: the wheel, a screenful at a time (less a row, as a person reads on), passes every one of the 2,000 items
  // on its way to the end.
  await search.fill('');
  await expect(rows(app).first()).toHaveAttribute('aria-setsize', String(COUNT));
  await rows(app).first().hover();
  const screenful = await app.locator('.vault__scroller').evaluate((el) => el.clientHeight - 80);
  const seen = new Set(await renderedTitles(app));
  while (!seen.has(TITLES.at(-1)!)) {
    const before = seen.size;
    await app.mouse.wheel(0, screenful);
    await expect.poll(async () => (await renderedTitles(app)).some((t) => !seen.has(t))).toBe(true);
    for (const t of await renderedTitles(app)) seen.add(t);
    expect(seen.size, 'the wheel moved the list on').toBeGreaterThan(before);
  }
  expect([...seen].sort((a, b) => a.localeCompare(b))).toEqual(TITLES);

  // Open the item second from the end with the mouse; its details show beside the list, which stays where it was.
  const farDown = TITLES.at(-2)!;
  await list(app)
    .getByRole('button', { name: new RegExp(`^${farDown}`) })
    .click();
  await expect(app.getByRole('heading', { name: farDown, level: 2 })).toBeVisible();
  const current = list(app).locator('[aria-current="true"]');
  await expect(current).toContainText(farDown);
  await expect(current).toBeInViewport();
  await shot(app, 'vault-2000-items-far-down');
  await testInfo.attach('vault-2000-items-far-down', {
    body: await app.screenshot(),
    contentType: 'image/png',
  });

  // Its address brings it back after a reload: the list scrolls to it.
  await app.reload();
  await expect(app.getByRole('heading', { name: farDown, level: 2 })).toBeVisible();
  await expect(list(app).locator('[aria-current="true"]')).toBeInViewport();
});
