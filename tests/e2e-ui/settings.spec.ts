import { test, expect, shot } from './support/fixtures.ts';
import { createVault, goTo, lock, PASSPHRASE, unlock } from './support/flows.ts';

test('settings: about shows who and where this is; locking time, device preferences, relaying for friends and addresses are saved', async ({
  app,
  host,
}) => {
  await createVault(app, 'Alice');
  await goTo(app, 'Settings');
  await expect(app.getByTestId('about-version')).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(app.getByTestId('about-datadir')).toHaveText(host.dataDir);
  await expect(app.getByTestId('about-peer-id')).toContainText(/12D3KooW/);
  await expect(app.getByTestId('about-fingerprint')).toHaveText(/\d/);
  await expect(app.getByTestId('listening-on')).toContainText('/ip4/127.0.0.1/tcp/');

  await app.getByLabel(/Lock the vault after/).selectOption('5');
  await expect(app.getByText('Locking time saved.')).toBeVisible();
  // The headless host has no login item and no tray: those choices are not offered, and the screen says why.
  await expect(app.getByRole('checkbox', { name: /Start Tessera when I log in/ })).toHaveCount(0);
  await expect(app.getByRole('checkbox', { name: /Keep running in the tray/ })).toHaveCount(0);
  await expect(app.getByTestId('headless-note')).toContainText('belong to the desktop app');
  const relay = app.getByRole('checkbox', { name: /Help friends behind home routers reach each other/ });
  await expect(relay).not.toBeChecked();
  await relay.check();
  await expect(app.getByText(/will pass connections between your friends from the next start/)).toBeVisible();
  await app.getByLabel('Network addresses to listen on').fill('/ip4/0.0.0.0/tcp/4001');
  await app.getByRole('button', { name: 'Save addresses' }).click();
  await expect(app.getByText(/Network addresses saved/)).toBeVisible();

  // Saved in the core, not the page: a reload shows the same choices.
  await app.reload();
  await goTo(app, 'Settings');
  await expect(app.getByLabel(/Lock the vault after/)).toHaveValue('5');
  await expect(app.getByRole('checkbox', { name: /Help friends behind home routers/ })).toBeChecked();
  await expect(app.getByLabel('Network addresses to listen on')).toHaveValue('/ip4/0.0.0.0/tcp/4001');
  await shot(app, 'settings');
});

test('change passphrase: a wrong current passphrase is refused; the new one unlocks, the old one no longer does', async ({
  app,
}) => {
  await createVault(app);
  await goTo(app, 'Settings');
  const newPassphrase = 'a brand new passphrase for alice';
  await app.getByLabel('Current passphrase', { exact: true }).fill('not the passphrase');
  await app.getByLabel('New passphrase', { exact: true }).fill(newPassphrase);
  await app.getByLabel('Type the new passphrase again', { exact: true }).fill(newPassphrase);
  await app.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(app.getByRole('alert')).toContainText('That passphrase is not right');
  await shot(app, 'settings-passphrase-wrong');

  await app.getByLabel('Current passphrase', { exact: true }).fill(PASSPHRASE);
  await app.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(app.getByText('Your passphrase was changed.')).toBeVisible();

  await lock(app);
  await app.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await app.getByRole('button', { name: 'Unlock' }).click();
  await expect(app.getByRole('alert')).toContainText('That passphrase is not right');
  await unlock(app, newPassphrase);
  // Unlocking returns to the screen the vault was locked on.
  await expect(app.getByRole('heading', { name: 'Settings', level: 1, exact: true })).toBeVisible();
});
