/**
 * A holding request the friend never answers expires: the owner sees "expired" (not "waiting" forever) and stops
 * asking, the friend can no longer accept it, and making the backup again asks anew. Real processes; the request
 * lifetime is shortened with TESSERA_HOLD_REQUEST_TTL_MS (7 days in the app).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { acceptHolding, pair, startPeer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { Peer } from '../helpers/cluster.ts';
import type { TesseraError } from '../../shared/errors.ts';

// Long enough for Ben to answer and Ana to see the request on a loaded machine, short enough to wait out.
const TTL_MS = 10_000;
const peers: Peer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.serve.stop()));
});

test('an unanswered holding request expires, is shown as expired, and a new backup asks again', async () => {
  const owner = await startPeer('Olivia', { env: { TESSERA_HOLD_REQUEST_TTL_MS: String(TTL_MS) } });
  peers.push(owner);
  const [ana, ben] = await Promise.all([startPeer('Ana'), startPeer('Ben')]);
  peers.push(ana!, ben!);
  for (const c of [ana!, ben!]) await pair(owner, c);
  await owner.serve.client.call('items.create', { title: 'Bank', secret: 'pin 2468' });
  const stateOf = async (peerId: string) =>
    (await owner.serve.client.call('backup.status', {})).custodians.find((c) => c.peerId === peerId)?.state;

  const created = await owner.serve.client.call('backup.create', {
    custodians: [ana!.peerId, ben!.peerId],
    threshold: 2,
  });
  assert.deepEqual(
    created.custodians.map((c) => c.state),
    ['requested', 'requested'],
  );
  // Ben answers; Ana sees the request but does not answer in time.
  await acceptHolding(ben!, owner);
  const id = `holding:${owner.peerId}`;
  await waitFor('Ana to see the request', async () =>
    (await ana!.serve.client.call('requests.list', {})).some((r) => r.id === id),
  );
  await waitFor(
    'the owner to see Ana’s request expired',
    async () => (await stateOf(ana!.peerId)) === 'expired',
    TTL_MS + 15_000,
  );
  assert.equal(await stateOf(ben!.peerId), 'delivered');
  assert.deepEqual(await ana!.serve.client.call('held.list', {}), [], 'nothing was sent to Ana');
  // Ana's side agrees: the request is gone from her list and can no longer be accepted.
  assert.equal((await ana!.serve.client.call('requests.list', {})).length, 0);
  await assert.rejects(
    ana!.serve.client.call('requests.accept', { id }),
    (e: TesseraError) => e.code === 'NOT_FOUND' || e.code === 'EXPIRED',
  );

  // Making the backup again sends a fresh request, which Ana accepts this time.
  await owner.serve.client.call('backup.create', { custodians: [ana!.peerId, ben!.peerId], threshold: 2 });
  assert.equal(await stateOf(ana!.peerId), 'requested');
  // (Ben already holds for Olivia, so his consent carries over to the re-share.)
  await acceptHolding(ana!, owner);
  await waitFor('both to keep the new pieces', async () => {
    const s = await owner.serve.client.call('backup.status', {});
    const current = s.custodians.filter((c) => c.state !== 'removing' && c.state !== 'removed');
    return current.length === 2 && current.every((c) => c.state === 'delivered');
  });
  assert.equal((await ana!.serve.client.call('held.list', {}))[0]?.owner, 'Olivia');
});
