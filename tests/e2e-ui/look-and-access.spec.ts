import type { Page } from '@playwright/test';
import { test, expect, shot } from './support/fixtures.ts';
import { befriend, call } from './support/api.ts';
import { addItem, createVault, goTo, PASSPHRASE } from './support/flows.ts';

/** The element that has focus shows a visible outline. */
async function expectVisibleFocus(page: Page): Promise<void> {
  const outline = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return null;
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(outline?.style).not.toBe('none');
  expect(outline?.width ?? 0).toBeGreaterThan(0);
}

async function tabTo(page: Page, name: RegExp | string, max = 25): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return [];
      const id = el.id;
      const byFor = id ? document.querySelector(`label[for="${CSS.escape(id)}"]`)?.textContent : null;
      return [el.getAttribute('aria-label'), byFor, el.textContent]
        .filter((text): text is string => Boolean(text))
        .map((text) => text.trim());
    });
    if (label.some((text) => (typeof name === 'string' ? text === name : name.test(text)))) return;
  }
  throw new Error(`could not reach "${String(name)}" with the Tab key`);
}

test('keyboard only: create a vault, add an item and open it, with a visible focus at every stop', async ({
  app,
}) => {
  // A screen puts focus on its heading when it opens; wait for that before pressing keys, as a person would.
  await expect(app.getByRole('heading', { name: 'Welcome to Tessera', level: 1, exact: true })).toBeFocused();
  await tabTo(app, /^Create a new vault/);
  await expectVisibleFocus(app);
  await app.keyboard.press('Enter');
  // The name field has focus first.
  await expect(app.getByLabel('Your name')).toBeFocused();
  await app.keyboard.type('Alice');
  await tabTo(app, /^Passphrase/);
  await expectVisibleFocus(app);
  await app.keyboard.type(PASSPHRASE);
  await tabTo(app, 'Type the passphrase again');
  await app.keyboard.type(PASSPHRASE);
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
  await expect(app.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeFocused();

  await tabTo(app, 'Add item');
  await expectVisibleFocus(app);
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { name: 'Add an item', level: 1, exact: true })).toBeFocused();
  await tabTo(app, 'Title');
  await app.keyboard.type('Keyboard item');
  await tabTo(app, /^Secret/);
  await app.keyboard.type('typed-by-keyboard');
  await tabTo(app, 'Save item');
  await expectVisibleFocus(app);
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { name: 'Keyboard item', level: 2 })).toBeFocused();
  await tabTo(app, 'Reveal secret');
  await app.keyboard.press('Space');
  await expect(app.getByTestId('secret-value')).toHaveText('typed-by-keyboard');

  // The delete dialog traps focus on Cancel and Escape closes it.
  await tabTo(app, 'Delete');
  await app.keyboard.press('Enter');
  await expect(app.getByRole('dialog')).toBeVisible();
  await expect(app.getByRole('dialog').getByRole('button', { name: 'Cancel' })).toBeFocused();
  await app.keyboard.press('Escape');
  await expect(app.getByRole('dialog')).toBeHidden();
});

test('names from peers are shown as text, never as markup', async ({ app, host, startHost }) => {
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const mallory = await startHost();
  try {
    await createVault(app, 'Alice');
    await call(mallory, 'vault.create', { name: hostile, passphrase: PASSPHRASE });
    await befriend(host, mallory);
    await goTo(app, 'Friends');
    await expect(app.getByTestId('friend-list')).toContainText(hostile);
    expect(await app.locator('img[src="x"]').count()).toBe(0);
    expect(await app.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  } finally {
    await mallory.stop();
  }
});

test('looks right at 800×600, at a large size and in the dark theme', async ({ app }) => {
  await app.emulateMedia({ colorScheme: 'dark' });
  await shot(app, 'dark-first-run-welcome');
  await app.emulateMedia({ colorScheme: 'light' });
  await createVault(app, 'Alice');
  await addItem(app, {
    title: 'Email',
    secret: 'alice-email-secret',
    notes: 'Two-factor codes are in the drawer.',
    tags: 'work, email',
  });
  await addItem(app, { title: 'Bank', secret: '4321', tags: 'money' });

  await app.setViewportSize({ width: 800, height: 600 });
  await goTo(app, 'Vault');
  await expect(app.getByTestId('item-list')).toBeVisible();
  await noHorizontalScroll(app);
  await shot(app, 'small-800x600-vault-list');
  await app.getByTestId('item-list').getByRole('button', { name: /Email/ }).click();
  await expect(app.getByRole('button', { name: '← All items' })).toBeVisible();
  await expect(app.getByTestId('item-list')).toBeHidden();
  await noHorizontalScroll(app);
  await shot(app, 'small-800x600-item');
  await app.getByRole('button', { name: '← All items' }).click();
  await expect(app.getByTestId('item-list')).toBeVisible();
  await goTo(app, 'Settings');
  await noHorizontalScroll(app);
  await shot(app, 'small-800x600-settings');
  for (const screen of ['Friends', 'Backup', 'Holding for friends', 'Help a friend recover']) {
    await goTo(app, screen);
    if (screen === 'Friends') await app.getByRole('button', { name: 'Show my invite' }).click();
    await noHorizontalScroll(app);
  }
  await goTo(app, 'Friends');
  await expect(app.getByText('No friends yet. Add one above.')).toBeVisible();
  await shot(app, 'small-800x600-friends');

  await app.setViewportSize({ width: 1680, height: 1050 });
  await goTo(app, 'Vault');
  await app.getByTestId('item-list').getByRole('button', { name: /Email/ }).click();
  await expect(app.getByTestId('item-list')).toBeVisible();
  await shot(app, 'large-1680x1050-vault');

  await app.setViewportSize({ width: 1024, height: 720 });
  await app.emulateMedia({ colorScheme: 'dark' });
  const background = await app.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).not.toBe('rgb(245, 246, 244)');
  await shot(app, 'dark-vault-item');
  await goTo(app, 'Friends');
  await app.getByRole('button', { name: 'Show my invite' }).click();
  await expect(app.getByRole('img', { name: 'Your invite as a QR code' })).toBeVisible();
  await shot(app, 'dark-friends-invite');
  await goTo(app, 'Settings');
  await shot(app, 'dark-settings');
  await app.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(app.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible();
  await shot(app, 'dark-unlock');
});

async function noHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const main = document.querySelector('main');
    return {
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      main: main ? main.scrollWidth - main.clientWidth : 0,
    };
  });
  expect(overflow.page).toBeLessThanOrEqual(0);
  expect(overflow.main).toBeLessThanOrEqual(0);
}
