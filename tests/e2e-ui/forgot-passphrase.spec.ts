/**
 * A forgotten passphrase (PROTOCOL §11.6): "Forgot your passphrase?" on the unlock screen recovers this device's own
 * vault with two friends' help, while the locked vault is kept aside; stopping the recovery brings it back.
 * The device is driven through its UI; the friends (other people's devices) through their real APIs.
 */
import type { Page } from '@playwright/test';
import { test, expect, shot } from './support/fixtures.ts';
import type { Host } from './support/host.ts';
import { aliceWithBackup, call } from './support/api.ts';
import { addItem, createVault, lock, PASSPHRASE } from './support/flows.ts';

const NEW_PASSPHRASE = 'a new passphrase I will remember';

/** Unlock screen → "Forgot your passphrase?" → a new passphrase → the recovery code. */
async function startForgotten(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Forgot your passphrase?' }).click();
  await expect(page.getByRole('heading', { name: 'Recover your vault with your friends' })).toBeVisible();
  await expect(page.getByTestId('kept-vault-note')).toContainText('locked and untouched');
  await page.getByLabel('New passphrase', { exact: true }).fill(NEW_PASSPHRASE);
  await page.getByLabel('Type the new passphrase again', { exact: true }).fill(NEW_PASSPHRASE);
  await shot(page, 'forgot-start');
  await page.getByRole('button', { name: 'Start recovery' }).click();
  await expect(page.getByRole('heading', { name: 'Recovering your vault' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('img', { name: 'Recovery code for your friends to scan' })).toBeVisible({
    timeout: 20_000,
  });
  await page.getByText('Show the code as text').click();
  return page.getByTestId('recovery-code-text').inputValue();
}

/** A friend approves the code; the person at this device compares the code with them and confirms it. */
async function friendHelps(
  page: Page,
  friend: Host,
  name: string,
  code: string,
  owner: string,
): Promise<void> {
  const approval = await call<{ id: string; comparisonCode: string }>(friend, 'recovery.approve', {
    code,
    friendPeerId: owner,
  });
  const helping = page.getByRole('list', { name: 'Friends helping' });
  await expect(helping).toContainText(approval.comparisonCode, { timeout: 20_000 });
  // The friend sees the same code on their screen and sends their piece.
  await call(friend, 'recovery.confirm', { id: approval.id });
  await expect(helping.locator('li', { hasText: name })).toContainText('Piece received and checked', {
    timeout: 30_000,
  });
  await page.getByRole('button', { name: `${name}'s screen shows ${approval.comparisonCode}` }).click();
}

test('"Forgot your passphrase?" on the unlock screen: two friends restore the same vault, with a new passphrase', async ({
  page,
  host,
  startHost,
  pageProblems,
}) => {
  void pageProblems;
  test.setTimeout(180_000);
  const [bob, carol] = await Promise.all([startHost(), startHost()]);
  const alicePeerId = await aliceWithBackup(host, bob, carol, PASSPHRASE);

  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
  await lock(page);
  await expect(page.getByRole('button', { name: 'Forgot your passphrase?' })).toBeVisible();
  await shot(page, 'forgot-unlock-screen');

  const code = await startForgotten(page);
  await expect(page.getByTestId('kept-vault-note')).toContainText("Alice's vault is kept aside");
  await shot(page, 'forgot-code');

  await friendHelps(page, bob, 'Bob', code, alicePeerId);
  await expect(page.getByTestId('recovery-count')).toContainText('1 of 2 confirmed pieces', {
    timeout: 30_000,
  });
  await shot(page, 'forgot-progress');
  await friendHelps(page, carol, 'Carol', code, alicePeerId);

  const vault = page.getByTestId('recovery-vault');
  await expect(vault).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('recovery-vault-name')).toHaveText('Alice');
  await expect(page.getByTestId('recovery-replaces')).toContainText('It is the same identity');
  await shot(page, 'forgot-whose-vault');
  await page.getByRole('button', { name: 'Restore this vault' }).click();

  await expect(page.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByTestId('owner-name')).toHaveText('Alice');
  await expect(page.getByTestId('item-list')).toContainText('Email');
  await shot(page, 'forgot-restored-vault');
  const status = await call<{ identity: { peerId: string } }>(host, 'app.status');
  expect(status.identity.peerId).toBe(alicePeerId);

  // The new passphrase opens it; the forgotten one no longer does.
  await lock(page);
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.getByLabel('Passphrase', { exact: true }).fill(NEW_PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('item-list')).toContainText('Email');
});

test('stopping a forgotten-passphrase recovery brings the old vault back; the old passphrase still opens it', async ({
  app,
  host,
}) => {
  await createVault(app);
  await addItem(app, { title: 'Kept item', secret: 'still here' });
  await lock(app);
  await startForgotten(app);
  expect((await call<{ state: string }>(host, 'app.status')).state).toBe('recovering');

  await app.getByRole('button', { name: 'Stop recovering' }).click();
  await expect(app.getByRole('dialog', { name: 'Stop recovering?' })).toContainText('Your vault comes back');
  await shot(app, 'forgot-stop-confirm');
  await app.getByRole('button', { name: 'Stop and keep my vault as it was' }).click();
  await expect(app.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible({ timeout: 10_000 });
  expect((await call<{ state: string }>(host, 'recovery.status')).state).toBe('none');

  // The passphrase chosen for the recovery opens nothing; the old one opens the vault, as it was.
  await app.getByLabel('Passphrase', { exact: true }).fill(NEW_PASSPHRASE);
  await app.getByRole('button', { name: 'Unlock' }).click();
  await expect(app.getByRole('alert')).toBeVisible();
  await app.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await app.getByRole('button', { name: 'Unlock' }).click();
  await expect(app.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
  await expect(app.getByTestId('item-list')).toContainText('Kept item');
  await shot(app, 'forgot-cancelled-unlocked');
});
