import { test, expect, shot, watchPage } from './support/fixtures.ts';
import type { Page } from '@playwright/test';
import type { Host } from './support/host.ts';
import { befriend, call } from './support/api.ts';
import { createVault, goTo, openUnlocked, PASSPHRASE } from './support/flows.ts';

interface Status {
  identity: { peerId: string };
}
interface Backup {
  custodians: { peerId: string; state: string }[];
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

async function allDelivered(owner: Host, peerIds: string[]): Promise<void> {
  await expect
    .poll(
      async () => {
        const s = await call<Backup>(owner, 'backup.status');
        return peerIds.every((id) => s.custodians.some((c) => c.peerId === id && c.state === 'delivered'));
      },
      { timeout: 30_000 },
    )
    .toBe(true);
}

test('removing a friend who keeps a piece: the dialog says what it does, re-shares in the same step, the friend is told and deletes it, and the status agrees with itself', async ({
  app: olivia,
  host: oliviaHost,
  browser,
  startHost,
}) => {
  test.setTimeout(180_000);
  const [bobHost, carolHost, daveHost] = await Promise.all([startHost(), startHost(), startHost()]);
  const bobContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  try {
    await createVault(olivia, 'Olivia');
    for (const [host, name] of [
      [bobHost, 'Bob'],
      [carolHost, 'Carol'],
      [daveHost, 'Dave'],
    ] as const) {
      await call(host, 'vault.create', { name, passphrase: PASSPHRASE });
      await befriend(oliviaHost, host);
    }
    const oliviaId = await peerIdOf(oliviaHost);
    const bobId = await peerIdOf(bobHost);
    const carolId = await peerIdOf(carolHost);
    const daveId = await peerIdOf(daveHost);
    await call(oliviaHost, 'items.create', { title: 'Bank', secret: 'pin 2468' });
    await call(oliviaHost, 'backup.create', { custodians: [bobId, carolId, daveId], threshold: 2 });
    for (const host of [bobHost, carolHost, daveHost]) await acceptHolding(host, oliviaId);
    await allDelivered(oliviaHost, [bobId, carolId, daveId]);

    // Bob has his Tessera open: he will see why his piece went away.
    const bob: Page = await bobContext.newPage();
    const bobProblems = watchPage(bob);
    await openUnlocked(bob, bobHost.url);

    await goTo(olivia, 'Friends');
    await olivia.getByRole('button', { name: 'Remove Bob' }).click();
    const dialog = olivia.getByRole('dialog', { name: 'Remove Bob?' });
    await expect(dialog.getByTestId('removal-impact')).toContainText(
      'Bob holds one of your 3 pieces; any 2 restore your vault. After removing Bob, 2 pieces remain with your friends',
    );
    await expect(dialog.getByTestId('removal-impact')).toContainText(
      'Bob will be asked to delete their piece.',
    );
    // The re-share is offered in the same step, to the remaining verified friends.
    const reshare = dialog.getByTestId('removal-reshare');
    await expect(reshare.getByRole('checkbox', { name: 'Make a new backup without Bob now' })).toBeChecked();
    await expect(reshare.getByRole('checkbox', { name: /Carol/ })).toBeChecked();
    await expect(reshare.getByRole('checkbox', { name: /Dave/ })).toBeChecked();
    await expect(reshare.getByRole('checkbox', { name: /Bob/ })).toHaveCount(1); // only the "without Bob" switch
    await expect(dialog.getByTestId('removal-reshare-summary')).toContainText('Any 2 of these 2 friends');
    await shot(olivia, 'friends-remove-custodian');
    await dialog.getByRole('button', { name: 'Remove and make new backup' }).click();
    await expect(olivia.getByTestId('removal-result')).toContainText(
      'Bob was removed, told why, and deleted the piece they kept for you.',
      { timeout: 30_000 },
    );
    await expect(olivia.getByTestId('friend-list')).not.toContainText('Bob');

    // Bob is told, and no longer keeps anything for Olivia.
    await expect(
      bob.getByTestId('notice').filter({ hasText: 'Olivia removed you as a friend' }),
    ).toContainText('Olivia removed you as a friend; the piece you kept for Olivia was deleted.', {
      timeout: 20_000,
    });
    await shot(bob, 'removed-friend-notice');
    await goTo(bob, 'Holding for friends');
    await expect(bob.getByText('You are not keeping a piece for anyone yet.')).toBeVisible();
    expect(await call<unknown[]>(bobHost, 'held.list')).toEqual([]);

    // Olivia's Backup page: the summary, the bar and the table say the same thing; Bob is named, never an ID.
    await goTo(olivia, 'Backup');
    await expect(olivia.getByTestId('backup-summary')).toHaveText(
      'Any 2 of 2 friends can restore your vault. Every friend is keeping their piece.',
      { timeout: 30_000 },
    );
    await expect(olivia.getByTestId('custodians').locator('tbody tr')).toHaveCount(2);
    await expect(olivia.getByTestId('custodians').locator('tr[data-counted="yes"]')).toHaveCount(2);
    await expect(olivia.getByTestId('backup-progress')).toHaveAttribute('value', '2');
    await expect(olivia.getByTestId('backup-progress')).toHaveAttribute('max', '2');
    const bobRow = olivia.getByTestId('retired-custodians').locator('tr', { hasText: 'Bob' });
    await expect(bobRow).toContainText('No longer a friend; their piece was deleted', { timeout: 30_000 });
    await expect(bobRow).toHaveAttribute('data-counted', 'no');
    await expect(olivia.getByRole('main')).not.toContainText('12D3KooW');
    await expect(olivia.getByRole('main')).not.toContainText(/gater|dial/i);
    await expect(olivia.getByText('cannot be counted on')).toHaveCount(0);
    await shot(olivia, 'backup-status-after-removal');

    // The other way round: Carol keeps a piece for Olivia; removing Olivia tells her what that means.
    const carolContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
    try {
      const carol = await carolContext.newPage();
      const carolProblems = watchPage(carol);
      await openUnlocked(carol, carolHost.url);
      await goTo(carol, 'Friends');
      await carol.getByRole('button', { name: 'Remove Olivia' }).click();
      await expect(carol.getByTestId('removal-held')).toContainText(
        'You keep a piece of Olivia’s recovery key. Removing Olivia deletes it from this device',
      );
      await shot(carol, 'friends-remove-owner');
      await carol.getByRole('button', { name: 'Cancel' }).click();
      expect(carolProblems).toEqual([]);
    } finally {
      await carolContext.close();
    }
    expect(bobProblems).toEqual([]);
  } finally {
    await bobContext.close();
  }
});
