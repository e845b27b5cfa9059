import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

export const PASSPHRASE = 'correct horse battery staple';

/** First run → "Create a new vault" → name and passphrase → the empty vault. */
export async function createVault(page: Page, name = 'Alice', passphrase = PASSPHRASE): Promise<void> {
  await page.getByRole('button', { name: /Create a new vault/ }).click();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Type the passphrase again', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Create vault' }).click();
  await expect(page.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
}

export async function lock(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible();
}

/**
 * Unlocks from the lock screen and waits for the unlocked app. It opens on the screen it was locked on (the route
 * lives in the address), so callers check that screen themselves.
 */
export async function unlock(page: Page, passphrase = PASSPHRASE): Promise<void> {
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock your vault' })).toBeHidden();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

export interface NewItem {
  title: string;
  secret?: string;
  notes?: string;
  tags?: string;
  files?: { name: string; mimeType: string; buffer: Buffer }[];
}

export async function addItem(page: Page, item: NewItem): Promise<void> {
  await page.getByRole('button', { name: 'Add item' }).click();
  await expect(page.getByRole('heading', { name: 'Add an item' })).toBeVisible();
  await fillItem(page, item);
  await page.getByRole('button', { name: 'Save item' }).click();
  await expect(page.getByRole('heading', { name: item.title, level: 2 })).toBeVisible();
}

export async function fillItem(page: Page, item: Partial<NewItem>): Promise<void> {
  if (item.title !== undefined) await page.getByLabel('Title').fill(item.title);
  if (item.secret !== undefined) await page.getByLabel('Secret', { exact: true }).fill(item.secret);
  if (item.notes !== undefined) await page.getByLabel('Notes').fill(item.notes);
  if (item.tags !== undefined) await page.getByLabel('Tags').fill(item.tags);
  if (item.files) await page.getByTestId('attachment-input').setInputFiles(item.files);
}

/** Opens a screen from the main navigation. */
export async function goTo(page: Page, screen: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('button', { name: new RegExp(`^${screen}( \\d+ waiting)?$`) })
    .click();
  await expect(page.getByRole('heading', { name: screen, level: 1, exact: true })).toBeVisible();
}

/** Opens a host's UI and unlocks it if it is locked (vaults made through the API stay unlocked). */
export async function openUnlocked(page: Page, url: string, passphrase = PASSPHRASE): Promise<void> {
  await page.goto(url);
  const unlockHeading = page.getByRole('heading', { name: 'Unlock your vault' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(unlockHeading.or(nav)).toBeVisible();
  if (await unlockHeading.isVisible()) await unlock(page, passphrase);
}

/**
 * "Who is recovering?" → Next. When the friend's usual device was online a moment ago the app says so first and
 * asks for Next again (the friends in these flows know the device is gone), which this presses.
 */
export async function nextPastRecentlyOnline(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Next' }).click();
  const warned = await page
    .getByTestId('recently-online')
    .waitFor({ state: 'visible', timeout: 3_000 })
    .then(
      () => true,
      () => false,
    );
  if (warned) await page.getByRole('button', { name: 'Next' }).click();
}
