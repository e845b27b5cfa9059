import { recoveryCode } from '../helpers/codes.ts';
import { test, expect, shot } from './support/fixtures.ts';
import type { Host } from './support/host.ts';
import { befriend, call } from './support/api.ts';
import { createVault, goTo, PASSPHRASE } from './support/flows.ts';

interface Status {
  identity: { peerId: string };
}
interface FriendView {
  peerId: string;
  name: string;
  comparisonCode: string;
  verified: boolean;
}

const peerIdOf = async (host: Host) => (await call<Status>(host, 'app.status')).identity.peerId;

async function acceptHolding(custodian: Host, ownerPeerId: string): Promise<void> {
  await expect
    .poll(async () => (await call<{ id: string }[]>(custodian, 'requests.list')).map((r) => r.id), {
      timeout: 20_000,
    })
    .toContain(`holding:${ownerPeerId}`);
  await call(custodian, 'requests.accept', { id: `holding:${ownerPeerId}` });
}

test('two friends with one name: flagged at pairing, a nickname tells them apart, the verified one is marked and picked, and a recently online device is pointed out before anything is sent', async ({
  app: alice,
  host: aliceHost,
  startHost,
}) => {
  test.setTimeout(180_000);
  const [bobHost, otherBobHost, carolHost] = await Promise.all([startHost(), startHost(), startHost()]);
  await createVault(alice, 'Alice');
  await call(bobHost, 'vault.create', { name: 'Bob', passphrase: PASSPHRASE });
  await call(otherBobHost, 'vault.create', { name: 'Bob', passphrase: PASSPHRASE });
  await call(carolHost, 'vault.create', { name: 'Carol', passphrase: PASSPHRASE });
  await befriend(aliceHost, bobHost);
  const aliceId = await peerIdOf(aliceHost);
  const bobId = await peerIdOf(bobHost);
  const otherBobId = await peerIdOf(otherBobHost);

  // Alice adds a second "Bob" in the UI: she is told she already has one.
  await goTo(alice, 'Friends');
  const otherInvite = await call<{ code: string }>(otherBobHost, 'friends.invite', {});
  const aliceInvite = await call<{ code: string }>(aliceHost, 'friends.invite', {});
  await call(otherBobHost, 'friends.pair', { code: aliceInvite.code });
  await alice.getByRole('button', { name: 'Paste their invite' }).click();
  await alice.getByLabel('Your friend’s invite').fill(otherInvite.code);
  await alice.getByRole('button', { name: 'Add friend' }).click();
  await expect(alice.getByTestId('duplicate-name')).toContainText(
    'You already have a friend called Bob; this is another device or person.',
    { timeout: 20_000 },
  );
  await expect(alice.getByTestId('friend-namesake')).toHaveCount(2);
  await shot(alice, 'friends-duplicate-name');

  // Alice compares codes with the second Bob too, then gives him a nickname.
  await expect
    .poll(
      async () => {
        const a = (await call<FriendView[]>(aliceHost, 'friends.list')).find((f) => f.peerId === otherBobId);
        const b = (await call<FriendView[]>(otherBobHost, 'friends.list')).find((f) => f.peerId === aliceId);
        return a?.comparisonCode !== '' && a?.comparisonCode === b?.comparisonCode;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  await call(aliceHost, 'friends.confirm', { peerId: otherBobId, match: true });
  await call(otherBobHost, 'friends.confirm', { peerId: aliceId, match: true });
  const otherRow = alice.locator(`[data-testid="friend"][data-peer-id="${otherBobId}"]`);
  await otherRow.getByRole('button', { name: 'Nickname for Bob' }).click();
  await otherRow.getByLabel('What you call Bob (only on this device)').fill('Bob from work');
  await otherRow.getByRole('button', { name: 'Save nickname' }).click();
  await expect(otherRow.locator('.friend__name')).toContainText('Bob from work');
  // The name he chose stays available on demand.
  await otherRow.getByText('Name they chose and fingerprint').click();
  await expect(otherRow.getByTestId('chosen-name')).toHaveText('Bob');
  const bobRow = alice.locator(`[data-testid="friend"][data-peer-id="${bobId}"]`);
  await expect(bobRow.getByTestId('verified-mark')).toBeVisible();
  await shot(alice, 'friends-nickname');

  // Both Bobs keep a backup with Alice (and Carol). Later Alice says the second Bob's code did not match after all:
  // he is no longer verified, though she still keeps his piece.
  for (const owner of [bobHost, otherBobHost]) {
    await befriend(owner, carolHost);
    const ownerId = await peerIdOf(owner);
    await call(owner, 'backup.create', { custodians: [aliceId, await peerIdOf(carolHost)], threshold: 2 });
    await acceptHolding(aliceHost, ownerId);
    await acceptHolding(carolHost, ownerId);
  }
  await expect
    .poll(async () => (await call<unknown[]>(aliceHost, 'held.list')).length, { timeout: 30_000 })
    .toBe(2);
  await call(aliceHost, 'friends.confirm', { peerId: otherBobId, match: false });
  expect(
    (await call<FriendView[]>(aliceHost, 'friends.list')).find((f) => f.peerId === otherBobId)?.verified,
  ).toBe(false);

  // Bob's usual device was online a moment ago.
  await bobHost.stop({ keepData: true });
  await expect
    .poll(
      async () =>
        (await call<{ peerId: string; reachable: boolean }[]>(aliceHost, 'friends.list')).find(
          (f) => f.peerId === bobId,
        )?.reachable,
      { timeout: 20_000 },
    )
    .toBe(false);

  await goTo(alice, 'Help a friend recover');
  await alice.getByRole('button', { name: 'Paste the code instead' }).click();
  // A well-formed code of a recovery nobody runs: nothing is sent to it in this test.
  await alice.getByLabel('Recovery code').fill(recoveryCode());
  await alice.getByRole('button', { name: 'Next' }).click();
  // Both are listed by the names Alice knows them by; the verified Bob is marked and picked.
  const bobChoice = alice.getByRole('radio', { name: /^Bob\s*✓ Verified/ });
  await expect(bobChoice).toBeChecked();
  await expect(alice.getByRole('radio', { name: /Bob from work/ })).not.toBeChecked();
  await expect(alice.locator('.wizard__friends').getByTestId('verified-mark')).toHaveCount(1);
  await alice.getByRole('button', { name: 'Next' }).click();
  await expect(alice.getByTestId('recently-online')).toContainText(
    /Bob’s usual device was online (less than a minute|\d+ minutes?) ago — are you sure Bob lost it\?/,
  );
  await shot(alice, 'recovery-help-recently-online');
  // Nothing was sent before this warning.
  expect(await call<unknown[]>(aliceHost, 'recovery.approvals')).toEqual([]);
});
