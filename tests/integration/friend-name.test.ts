/**
 * Renaming yourself reaches your friends (PROTOCOL §8.6), with real `tessera serve` processes on loopback: Alice is
 * friends with Bob (online) and Carol (who calls her "Al" and is offline). Alice renames herself "Ally": Bob's friend
 * list shows Ally at once; Alice's new invites carry it; when Carol's device comes back it learns the new chosen name
 * while her nickname still wins in display. A second rename reaches Bob too, and survives Bob's restart.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { pair, startPeer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { Peer } from '../helpers/cluster.ts';
import { decodeInvite } from '../../shared/protocol/invite.ts';

const running = new Set<{ stop(): Promise<unknown> }>();
after(async () => {
  await Promise.all([...running].map((s) => s.stop()));
});

async function friendAs(viewer: Peer, friend: Peer) {
  return (await viewer.client.call('friends.list', {})).find((f) => f.peerId === friend.peerId);
}

test(
  'a new name reaches connected friends at once and offline friends when they are back',
  {
    timeout: 120_000,
  },
  async (t) => {
    const [alice, bob, carol] = (await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => startPeer(n)))) as [
      Peer,
      Peer,
      Peer,
    ];
    for (const p of [alice, bob, carol]) running.add(p.serve);
    await pair(alice, bob);
    await pair(alice, carol);
    await carol.client.call('friends.rename', { peerId: alice.peerId, nickname: 'Al' });
    await carol.serve.stop();
    running.delete(carol.serve);

    await t.test('Bob, connected, sees the new name at once', async () => {
      await waitFor('Alice and Bob connected', async () => (await friendAs(alice, bob))?.reachable);
      const status = await alice.client.call('vault.rename', { name: 'Ally' });
      assert.equal(status.identity?.name, 'Ally');
      const seen = await waitFor(
        'Bob to see Ally',
        async () => {
          const f = await friendAs(bob, alice);
          return f?.name === 'Ally' ? f : null;
        },
        10_000,
      );
      assert.equal(seen.chosenName, 'Ally');
      assert.equal(seen.nickname, null);
      assert.equal(seen.verified, true, 'a new name changes nothing about the verified code');
      const invite = await alice.client.call('friends.invite', {});
      assert.equal(decodeInvite(invite.code).name, 'Ally');
    });

    let back: Peer = carol;
    await t.test(
      'Carol, offline during the rename, learns it when she is back; her nickname wins',
      async () => {
        back = await startPeer('Carol', { dataDir: carol.serve.dataDir, listen: carol.listen });
        running.add(back.serve);
        const f = await waitFor('Carol to learn Ally', async () => {
          const f = await friendAs(back, alice);
          return f?.chosenName === 'Ally' ? f : null;
        });
        assert.equal(f.name, 'Al');
        assert.equal(f.nickname, 'Al');
        await back.client.call('friends.rename', { peerId: alice.peerId, nickname: null });
        assert.equal((await friendAs(back, alice))?.name, 'Ally');
      },
    );

    await t.test('a second rename reaches both, and Bob keeps it across a restart', async () => {
      await alice.client.call('vault.rename', { name: 'Ally B.' });
      for (const p of [bob, back])
        await waitFor(
          `${p.name} to see Ally B.`,
          async () => (await friendAs(p, alice))?.chosenName === 'Ally B.',
        );
      await bob.serve.stop();
      running.delete(bob.serve);
      const bob2 = await startPeer('Bob', { dataDir: bob.serve.dataDir, listen: bob.listen });
      running.add(bob2.serve);
      // Alice sends her notice again to Bob's new run; he takes it as known, and the name stays.
      await waitFor('Bob connected again', async () => (await friendAs(bob2, alice))?.reachable);
      assert.equal((await friendAs(bob2, alice))?.chosenName, 'Ally B.');
    });
  },
);
