import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, shot, watchPage } from './support/fixtures.ts';
import { browserArgs, CHROMIUM, fakeCameraArgs } from './support/browser.ts';
import { call } from './support/api.ts';
import { createVault, goTo, PASSPHRASE } from './support/flows.ts';
import { writeQrY4m } from './support/y4m.ts';

test('two people become friends: one scans the other’s QR with the camera, the other pastes the text', async ({
  app: alice,
  startHost,
}) => {
  test.setTimeout(120_000);
  const bobHost = await startHost();
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-cam-'));
  const camera = await chromium.launch({
    executablePath: CHROMIUM,
    args: browserArgs(fakeCameraArgs(join(scratch, 'alice-invite.y4m'))),
  });
  try {
    await createVault(alice, 'Alice');
    await goTo(alice, 'Friends');
    await expect(alice.getByRole('heading', { name: 'Friends', level: 1, exact: true })).toBeVisible();
    await expect(alice.getByText('No friends yet. Add one above.')).toBeVisible();
    await alice.getByRole('button', { name: 'Show my invite' }).click();
    await expect(alice.getByRole('img', { name: 'Your invite as a QR code' })).toBeVisible();
    const aliceInvite = await alice.getByTestId('invite-text').inputValue();
    expect(aliceInvite).toMatch(/^TESSERA:/);
    await shot(alice, 'friends-invite');

    // Bob's browser has a (fake) camera pointed at Alice's screen: a video of her QR code.
    writeQrY4m(join(scratch, 'alice-invite.y4m'), aliceInvite);
    const bobContext = await camera.newContext({ viewport: { width: 1024, height: 720 } });
    const bob = await bobContext.newPage();
    const bobProblems = watchPage(bob);
    await bob.goto(bobHost.url);
    await createVault(bob, 'Bob');
    await goTo(bob, 'Friends');
    await bob.getByRole('button', { name: 'Scan their code' }).click();
    await expect(bob.getByTestId('pair-result')).toBeVisible({ timeout: 20_000 });
    await expect(bob.getByText(/Now let Alice add you/)).toBeVisible();
    // The waiting pairing is listed, so it is still there after leaving the screen.
    await expect(bob.getByTestId('pending-list')).toContainText('Alice');
    await shot(bob, 'friends-scanned-waiting');

    // Alice adds Bob by pasting the text of his invite.
    await bob.getByRole('button', { name: 'Show my invite' }).click();
    const bobInvite = await bob.getByTestId('invite-text').inputValue();
    await alice.getByRole('button', { name: 'Paste their invite' }).click();
    await alice.getByLabel('Your friend’s invite').fill(bobInvite);
    await alice.getByRole('button', { name: 'Add friend' }).click();
    await expect(alice.getByText(/You and Bob are now friends/)).toBeVisible({ timeout: 20_000 });
    await expect(alice.getByTestId('friend-list')).toContainText('Bob');
    await expect(bob.getByText(/You and Alice are now friends/)).toBeVisible({ timeout: 20_000 });
    await expect(bob.getByTestId('friend-list')).toContainText('Alice');
    await expect(bob.getByTestId('pending-list')).toBeHidden();

    // The devices compared codes (PROTOCOL §8.5): both screens show the same six digits, and each person confirms.
    await expect(alice.getByText('Compare this code with Bob:')).toBeVisible({ timeout: 20_000 });
    await expect(bob.getByText('Compare this code with Alice:')).toBeVisible({ timeout: 20_000 });
    const aliceCode = await alice.getByTestId('comparison-code').textContent();
    expect(aliceCode).toMatch(/^\d{6}$/);
    await expect(bob.getByTestId('comparison-code')).toHaveText(aliceCode ?? '');
    await shot(alice, 'friends-paired-compare');
    await alice.getByRole('button', { name: 'It matches' }).click();
    await expect(alice.getByTestId('friend-verified')).toContainText('Verified');
    await bob.getByRole('button', { name: 'It matches' }).click();
    await expect(bob.getByTestId('friend-verified')).toContainText('Verified');
    await shot(alice, 'friends-paired');

    // A bad paste says what is wrong.
    await alice.getByRole('button', { name: 'Add another friend' }).click();
    await alice.getByRole('button', { name: 'Paste their invite' }).click();
    await alice.getByLabel('Your friend’s invite').fill('TESSERA:NOTAREALINVITE');
    await alice.getByRole('button', { name: 'Add friend' }).click();
    await expect(alice.getByRole('alert')).toContainText('Your friend was not added');

    // Remove Bob, after confirming.
    await alice.getByRole('button', { name: 'Remove Bob' }).click();
    await expect(alice.getByRole('dialog', { name: 'Remove Bob?' })).toBeVisible();
    await shot(alice, 'friends-remove-confirm');
    await alice.getByRole('button', { name: 'Remove friend' }).click();
    await expect(alice.getByText('No friends yet. Add one above.')).toBeVisible();
    expect(bobProblems).toEqual([]);
    await bobContext.close();
  } finally {
    await camera.close();
    await bobHost.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('a pairing that waits for the other person is listed until they accept, and can be withdrawn', async ({
  app: alice,
  host,
  startHost,
}) => {
  const carolHost = await startHost();
  await call(carolHost, 'vault.create', { name: 'Carol', passphrase: PASSPHRASE });
  const carolInvite = await call<{ code: string }>(carolHost, 'friends.invite', {});
  await createVault(alice, 'Alice');
  await goTo(alice, 'Friends');
  await alice.getByRole('button', { name: 'Paste their invite' }).click();
  await alice.getByLabel('Your friend’s invite').fill(carolInvite.code);
  await alice.getByRole('button', { name: 'Add friend' }).click();
  await expect(alice.getByText(/Now let Carol add you/)).toBeVisible({ timeout: 20_000 });

  // Away and back: the pair result is gone, the waiting pairing is not.
  await goTo(alice, 'Vault');
  await goTo(alice, 'Friends');
  await expect(alice.getByTestId('pair-result')).toBeHidden();
  await expect(alice.getByTestId('pending-list')).toContainText('Carol');
  await shot(alice, 'friends-pending');

  await alice.getByRole('button', { name: 'Stop waiting for Carol' }).click();
  await expect(alice.getByTestId('pending-list')).toBeHidden();
  expect(await call<unknown[]>(host, 'friends.pending', {})).toEqual([]);
});
