import { test, expect, shot } from './support/fixtures.ts';
import { befriend, call } from './support/api.ts';
import { addItem, createVault, goTo, lock, PASSPHRASE } from './support/flows.ts';

// "The paths people actually take": a URL per screen (Back, Forward, reload, unlock returns), the camera only on
// request, notices that follow state, and the small things.

test('navigation: each screen has an address; Back, Forward and reload work; unlocking returns to the same screen', async ({
  app,
}) => {
  await createVault(app, 'Alice');
  await expect(app).toHaveURL(/#\/vault$/);
  await goTo(app, 'Friends');
  await goTo(app, 'Backup');
  await expect(app).toHaveURL(/#\/backup$/);
  await goTo(app, 'Settings');
  await app.goBack();
  await expect(app.getByRole('heading', { name: 'Backup', level: 1, exact: true })).toBeVisible();
  await app.goBack();
  await expect(app.getByRole('heading', { name: 'Friends', level: 1, exact: true })).toBeVisible();
  await app.goForward();
  await expect(app.getByRole('heading', { name: 'Backup', level: 1, exact: true })).toBeVisible();
  await app.reload();
  await expect(app.getByRole('heading', { name: 'Backup', level: 1, exact: true })).toBeVisible();

  // An item has its own address too, and a lock then unlock comes back to it.
  await goTo(app, 'Vault');
  await addItem(app, { title: 'Email', secret: 'hunter2' });
  await expect(app).toHaveURL(/#\/vault\/[^/]+$/);
  await lock(app);
  await app.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await app.getByRole('button', { name: 'Unlock' }).click();
  await expect(app.getByRole('heading', { name: 'Email', level: 2 })).toBeVisible();
  await goTo(app, 'Settings');
  await lock(app);
  await app.reload();
  await app.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await app.getByRole('button', { name: 'Unlock' }).click();
  await expect(app.getByRole('heading', { name: 'Settings', level: 1, exact: true })).toBeVisible();
  // An address that names no screen shows the vault.
  await app.evaluate(() => (window.location.hash = '#/no-such-screen'));
  await expect(app.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
  await shot(app, 'nav-after-unlock');
});

test('help a friend recover: someone who keeps nothing is told so, and no camera starts', async ({ app }) => {
  await createVault(app, 'Alice');
  await goTo(app, 'Help a friend recover');
  await expect(app.getByTestId('holding-nothing')).toContainText('You are not keeping a piece for anyone');
  await expect(app.locator('video')).toHaveCount(0);
  await expect(app.getByText(/No camera was found/)).toHaveCount(0);
  await expect(app.getByRole('button', { name: 'Scan with camera' })).toHaveCount(0);
  await shot(app, 'help-recover-nothing-held');
});

test('notices follow state: a holding request’s notice goes once accepted, a new friend’s once the code is judged; a version says why it was made', async ({
  app,
  host,
  startHost,
}) => {
  test.setTimeout(150_000);
  await createVault(app, 'Alice');
  const [bobHost, carolHost] = await Promise.all([startHost(), startHost()]);
  await call(bobHost, 'vault.create', { name: 'Bob', passphrase: PASSPHRASE });
  await call(carolHost, 'vault.create', { name: 'Carol', passphrase: PASSPHRASE });
  await befriend(bobHost, host);
  await befriend(bobHost, carolHost);
  // Alice judged Bob's code (through the API here): the "now your friend, compare the code" notice is gone.
  await expect(app.getByTestId('notice').filter({ hasText: 'is now your friend' })).toHaveCount(0);

  const ids = await Promise.all(
    [host, carolHost].map(
      async (h) => (await call<{ identity: { peerId: string } }>(h, 'app.status')).identity.peerId,
    ),
  );
  const created = await call<{ version: number; versionReason: string | null }>(bobHost, 'backup.create', {
    custodians: ids,
    threshold: 2,
  });
  expect(created.versionReason).toContain('a new backup key for 2 friends');
  const asking = app.getByTestId('notice').filter({ hasText: 'Bob asks you to keep a piece' });
  await expect(asking).toBeVisible({ timeout: 30_000 });
  await shot(app, 'notice-holding-request');
  await goTo(app, 'Holding for friends');
  await app.getByRole('button', { name: 'Accept Bob’s request' }).click();
  await expect(asking).toHaveCount(0);

  // A settings change makes a new version and says so.
  await call(bobHost, 'settings.update', { autoLockMinutes: 30 });
  await expect
    .poll(
      async () => (await call<{ versionReason: string | null }>(bobHost, 'backup.status')).versionReason,
      {
        timeout: 20_000,
      },
    )
    .toBe('settings changed');
  const status = await call<{ version: number; versionCreatedAt: number | null }>(bobHost, 'backup.status');
  expect(status.version).toBeGreaterThan(created.version);
  expect(status.versionCreatedAt).not.toBeNull();
});

test('small things: counters, fixed dots, lines kept, Generate can be undone, a deleted item is announced, rename yourself', async ({
  app,
}) => {
  await createVault(app, 'Alice');
  await app.getByRole('button', { name: 'Add item' }).click();
  await app.getByLabel('Title').fill('x'.repeat(170));
  await expect(app.getByTestId('char-count')).toHaveText('170 of 200 characters');
  await app.getByLabel('Title').fill('Wallet');
  await expect(app.getByTestId('char-count')).toHaveCount(0);
  const seed = 'abandon ability able\nabout above absent\nabsorb abstract absurd';
  await app.getByLabel('Secret', { exact: true }).fill(seed);
  await app.getByRole('button', { name: 'Generate' }).click();
  await expect(app.getByLabel('Secret', { exact: true })).not.toHaveValue(seed);
  await shot(app, 'generate-undo');
  await app.getByRole('button', { name: /Undo: put the old secret back/ }).click();
  await expect(app.getByLabel('Secret', { exact: true })).toHaveValue(seed);
  await app.getByRole('button', { name: 'Save item' }).click();
  await expect(app.getByRole('heading', { name: 'Wallet', level: 2 })).toBeVisible();
  await expect(app.getByTestId('secret-value')).toHaveText('••••••••');
  await app.getByRole('button', { name: 'Reveal secret' }).click();
  expect(await app.getByTestId('secret-value').innerText()).toBe(seed);

  await app.getByRole('button', { name: 'Delete' }).click();
  await app.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(app.getByTestId('notice').filter({ hasText: 'Item deleted' })).toContainText('Wallet');
  await shot(app, 'item-deleted-notice');

  await goTo(app, 'Settings');
  await app.getByLabel('Name', { exact: true }).fill('Alice Liddell');
  await app.getByRole('button', { name: 'Save name' }).click();
  await expect(app.getByText('Your name is now Alice Liddell.')).toBeVisible();
  await expect(app.getByTestId('owner-name')).toHaveText('Alice Liddell');
  await shot(app, 'settings-rename');
});
