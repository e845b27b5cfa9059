import { test, expect, shot } from './support/fixtures.ts';
import { createVault, goTo, lock, PASSPHRASE, unlock } from './support/flows.ts';

test('first run: create a vault with a passphrase checked for strength and typed twice', async ({
  app,
  host,
}) => {
  await expect(app.getByRole('heading', { name: 'Welcome to Tessera' })).toBeVisible();
  await expect(app.getByTestId('status-datadir')).toHaveText(host.dataDir);
  await shot(app, 'first-run-welcome');

  await app.getByRole('button', { name: /Create a new vault/ }).click();
  await expect(app.getByRole('heading', { name: 'Create your vault' })).toBeVisible();

  // Nothing filled in: each problem is named next to its field, and nothing is sent.
  await app.getByRole('button', { name: 'Create vault' }).click();
  await expect(app.getByText('Enter the name your friends know you by.')).toBeVisible();
  await expect(app.getByText('A passphrase needs at least 8 characters.')).toBeVisible();

  await app.getByLabel('Your name').fill('Alice');
  const passphrase = app.getByLabel('Passphrase', { exact: true });
  await passphrase.fill('password1');
  await expect(app.getByTestId('strength-label')).toHaveText('Weak');
  await expect(app.getByText(/easy to guess/)).toBeVisible();
  await passphrase.fill(PASSPHRASE);
  await expect(app.getByTestId('strength-label')).toHaveText(/Strong|Very strong/);

  // The show/hide toggle reveals what was typed.
  await app.getByRole('button', { name: 'Show passphrase' }).click();
  await expect(passphrase).toHaveAttribute('type', 'text');
  await app.getByRole('button', { name: 'Hide passphrase' }).click();
  await expect(passphrase).toHaveAttribute('type', 'password');

  await app.getByLabel('Type the passphrase again', { exact: true }).fill('correct horse battery stapler');
  await app.getByRole('button', { name: 'Create vault' }).click();
  await expect(app.getByText('The two passphrases are not the same. Type it again.')).toBeVisible();
  await shot(app, 'first-run-create');

  await app.getByLabel('Type the passphrase again', { exact: true }).fill(PASSPHRASE);
  await app.getByRole('button', { name: 'Create vault' }).click();
  await expect(app.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
  await expect(app.getByTestId('owner-name')).toHaveText('Alice');
  await expect(app.getByTestId('vault-empty')).toContainText('Your vault is empty.');
  await shot(app, 'vault-empty');
});

test('lock, a wrong passphrase is refused with the core message, the right one unlocks', async ({ app }) => {
  await createVault(app);
  await lock(app);
  await expect(app.getByText('This vault belongs to Alice.')).toBeVisible();
  await expect(app.getByTestId('lock-reason')).toHaveCount(0);

  await app.getByLabel('Passphrase', { exact: true }).fill('not my passphrase');
  await app.getByRole('button', { name: 'Unlock' }).click();
  await expect(app.getByRole('alert')).toContainText(
    'That passphrase is not right. Nothing was changed; try again.',
  );
  await shot(app, 'unlock-wrong-passphrase');

  await unlock(app);
  // After a reload the vault stays unlocked: the state lives in the core, not the page.
  await app.reload();
  await expect(app.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
});

test('the UI locks itself after the chosen idle time and says so', async ({ page, host, pageProblems }) => {
  void pageProblems;
  await page.clock.install();
  await page.goto(host.url);
  await createVault(page);
  await goTo(page, 'Settings');
  await page.getByLabel(/Lock the vault after/).selectOption('1');
  await expect(page.getByText('Locking time saved.')).toBeVisible();
  await page.mouse.move(5, 5);
  await page.clock.fastForward('01:10');
  await expect(page.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible();
  await expect(page.getByTestId('lock-reason')).toContainText('not used for a while');
  await shot(page, 'unlock-after-auto-lock');
  await unlock(page);
  await expect(page.getByRole('heading', { name: 'Settings', level: 1, exact: true })).toBeVisible();
});

test('a second window sees the lock made in the first (changed events re-read the status)', async ({
  app,
  context,
  host,
}) => {
  await createVault(app);
  const other = await context.newPage();
  await other.goto(host.url);
  await expect(other.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible();
  await lock(app);
  await expect(other.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible();
  await expect(other.getByTestId('lock-reason')).toContainText('Your vault was locked');
  await other.close();
});
