import { expect, shot, test } from './support/fixtures.ts';
import { call } from './support/api.ts';

const PASS = 'a new passphrase for this device';

test('a recovery started by mistake can be stopped, and the device is new again', async ({ app, host }) => {
  await app.getByRole('button', { name: /Recover my vault/ }).click();
  await app.getByLabel('New passphrase', { exact: true }).fill(PASS);
  await app.getByLabel('Type the new passphrase again', { exact: true }).fill(PASS);
  await app.getByRole('button', { name: 'Start recovery' }).click();
  await expect(app.getByRole('img', { name: 'Recovery code for your friends to scan' })).toBeVisible({
    timeout: 20_000,
  });
  await app.getByRole('button', { name: 'Stop recovering' }).click();
  await expect(app.getByRole('dialog', { name: 'Stop recovering?' })).toBeVisible();
  await shot(app, 'recovery-stop-confirm');
  await app.getByRole('button', { name: 'Stop and delete what arrived' }).click();
  await expect(app.getByRole('button', { name: /Recover my vault/ })).toBeVisible({ timeout: 10_000 });
  expect((await call<{ state: string }>(host, 'app.status', {})).state).toBe('empty');
  expect((await call<{ state: string }>(host, 'recovery.status', {})).state).toBe('none');
});
