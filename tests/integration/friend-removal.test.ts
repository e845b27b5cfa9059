/**
 * Removing a friend who keeps a piece (PROTOCOL §9.2 "Deletion", §8.1): the owner re-shares to the remaining friends
 * in the same step, the removed custodian is asked (signed, with `ended`) to delete, deletes its piece and its
 * consent, and the owner's status names them (never a peer ID) as a former custodian who does not count. A custodian
 * that is offline when it is removed is still reached afterwards, through the narrow gate exception, and deletes.
 * Real `tessera serve` processes and stores on loopback.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { acceptHolding, pair, startPeer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { Peer } from '../helpers/cluster.ts';
import { summarizeBackup } from '../../shared/backup-summary.ts';

const peers: Peer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.serve.stop()));
});

async function delivered(owner: Peer, peerIds: string[]): Promise<void> {
  await waitFor('every chosen friend to keep their piece', async () => {
    const status = await owner.client.call('backup.status', {});
    return peerIds.every(
      (id) => status.custodians.find((c) => c.peerId === id && c.state === 'delivered') !== undefined,
    );
  });
}

test('a removed custodian is told, deletes the piece, and is shown by name as a former custodian', async () => {
  const [olivia, bob, carol, dave] = await Promise.all(
    ['Olivia', 'Bob', 'Carol', 'Dave'].map((name) => startPeer(name)),
  );
  peers.push(olivia!, bob!, carol!, dave!);
  for (const c of [bob!, carol!, dave!]) await pair(olivia!, c);
  await olivia!.client.call('items.create', { title: 'Bank', secret: 'pin 2468' });
  await olivia!.client.call('backup.create', { custodians: [bob!.peerId, carol!.peerId], threshold: 2 });
  await Promise.all([acceptHolding(bob!, olivia!), acceptHolding(carol!, olivia!)]);
  await delivered(olivia!, [bob!.peerId, carol!.peerId]);
  assert.equal((await bob!.client.call('held.list', {}))[0]?.owner, 'Olivia');

  // Olivia removes Bob and, in the same step, makes a new backup with Carol and Dave.
  const removed = await olivia!.client.call('friends.remove', {
    peerId: bob!.peerId,
    reshare: { custodians: [carol!.peerId, dave!.peerId], threshold: 2 },
  });
  assert.equal(removed.piece, 'deleted', 'Bob confirmed the deletion before the connection was closed');
  assert.deepEqual(await bob!.client.call('held.list', {}), [], 'Bob no longer keeps a piece for Olivia');
  assert.ok(
    bob!.serve.log().includes('Olivia removed us as a friend'),
    'Bob was told why (his log records the notice)',
  );
  assert.ok(!(await olivia!.client.call('friends.list', {})).some((f) => f.peerId === bob!.peerId));

  await acceptHolding(dave!, olivia!);
  await delivered(olivia!, [carol!.peerId, dave!.peerId]);
  const status = await olivia!.client.call('backup.status', {});
  const bobRow = status.custodians.find((c) => c.peerId === bob!.peerId);
  assert.equal(bobRow?.name, 'Bob', 'a former custodian keeps the name Olivia knew him by');
  assert.equal(bobRow?.friend, false);
  assert.equal(bobRow?.state, 'removed');
  for (const c of status.custodians)
    assert.ok(!c.name.startsWith('12D3KooW'), `no peer ID as a name: ${c.name}`);
  const summary = summarizeBackup(status);
  assert.equal(summary.kept, 2);
  assert.equal(summary.current.length, 2);
  assert.ok(summary.former.some((v) => v.custodian.peerId === bob!.peerId && !v.counted));
  assert.match(summary.headline, /Every friend is keeping their piece/);

  // Bob's consent went with the piece: a later request from Olivia would have to be accepted again.
  assert.deepEqual(await bob!.client.call('requests.list', {}), []);
});

test('a custodian removed while offline is asked again when back, and deletes its piece', async () => {
  const [olivia, erin, frank] = await Promise.all(['Olivia', 'Erin', 'Frank'].map((name) => startPeer(name)));
  peers.push(olivia!, erin!, frank!);
  for (const c of [erin!, frank!]) await pair(olivia!, c);
  await olivia!.client.call('items.create', { title: 'Mail', secret: 'hunter2' });
  await olivia!.client.call('backup.create', { custodians: [erin!.peerId, frank!.peerId], threshold: 2 });
  await Promise.all([acceptHolding(erin!, olivia!), acceptHolding(frank!, olivia!)]);
  await delivered(olivia!, [erin!.peerId, frank!.peerId]);

  await frank!.serve.stop();
  const removed = await olivia!.client.call('friends.remove', { peerId: frank!.peerId });
  assert.equal(removed.piece, 'pending', 'Frank could not be reached');
  let status = await olivia!.client.call('backup.status', {});
  let frankRow = status.custodians.find((c) => c.peerId === frank!.peerId);
  assert.equal(frankRow?.name, 'Frank');
  assert.equal(frankRow?.state, 'removing');
  assert.ok(!/gater|dial/i.test(frankRow?.lastError ?? ''), `no libp2p words: ${frankRow?.lastError}`);
  // One piece of the two needed remains: the rule says the vault cannot be restored from friends now.
  const summary = summarizeBackup(status);
  assert.equal(summary.restorable, false);
  assert.equal(summary.kept, 1);

  // Frank comes back at his address: Olivia's node may reach him only to ask for the deletion, and does.
  const back = await startPeer('Frank', { dataDir: frank!.serve.dataDir, listen: frank!.listen });
  peers.push(back);
  await waitFor(
    'Frank to delete the piece he kept for Olivia',
    async () => (await back.client.call('held.list', {})).length === 0,
    60_000,
  );
  await waitFor('Olivia to hold Frank’s deletion receipt', async () => {
    status = await olivia!.client.call('backup.status', {});
    frankRow = status.custodians.find((c) => c.peerId === frank!.peerId);
    return frankRow?.state === 'removed';
  });
  assert.equal(frankRow?.name, 'Frank');
});
