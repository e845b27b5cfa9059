/**
 * Consent: a holding request that nobody answers sends nothing and expires.
 *   - Real owner and custodians: after `backup.create` the custodians see a request; while they do not answer, the
 *     owner's custodian state stays `requested`, the custodians hold nothing, and not one byte of the sealed shard
 *     envelope or of any backup chunk is found in their database files. A declined request stays that way.
 *   - Expiry: a request with a short expiry (sent by a paired friend's key from an in-process node, because the
 *     app's own requests live for 7 days) disappears from the custodian's list once expired; accepting it then is
 *     refused with EXPIRED, and a deposit after that is refused for lack of consent.
 * Recovery approvals left unconfirmed are covered by recovery-consent.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { multiaddr } from '@multiformats/multiaddr';
import { encodeBackupMessage, decodeBackupMessage } from '../../shared/protocol/backup.ts';
import { openConversation } from '../../electron/core/mesh/rpc.ts';
import type { MeshNode } from '../../electron/core/mesh/node.ts';
import type { TesseraError } from '../../shared/errors.ts';
import {
  dialAddress,
  loadIdentityKeys,
  pair,
  sleep,
  startFriendNode,
  startPeer,
} from '../helpers/adversary.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { AdvPeer } from '../helpers/adversary.ts';
import { count, figure, reportFor } from './report.ts';

reportFor('consent');

const running: AdvPeer[] = [];
let owner: AdvPeer;
let cleo: AdvPeer;
let dana: AdvPeer;
let node: MeshNode | null = null;

before(async () => {
  [owner, cleo, dana] = await Promise.all([startPeer('Oona'), startPeer('Cleo'), startPeer('Dana')]);
  running.push(owner, cleo, dana);
  await pair(owner, cleo);
  await pair(owner, dana);
  await owner.serve.client.call('items.create', { title: 'Bank', secret: 'pin 1357' });
});

after(async () => {
  await node?.stop();
  await Promise.all(running.map((p) => p.serve.stop()));
});

/** Every file of a data dir's database, concatenated (main file, WAL, journal). */
function databaseBytes(dataDir: string): Buffer {
  const base = join(dataDir, 'tessera.db');
  return Buffer.concat(
    [base, `${base}-wal`, `${base}-journal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)),
  );
}

test('an unanswered holding request sends nothing: owner stays `requested`, custodians hold no byte of the shard or backup', async () => {
  const created = await owner.serve.client.call('backup.create', {
    custodians: [cleo.peerId, dana.peerId],
    threshold: 2,
  });
  assert.ok(created.custodians.every((c) => c.state === 'requested'));
  for (const c of [cleo, dana])
    await waitFor(
      `${c.name} to see the request`,
      async () => (await c.serve.client.call('requests.list', {})).length === 1,
    );
  // Give the owner several reconcile passes (TESSERA_RECONCILE_MS = 500) and a restart to try to push.
  await sleep(3_000);
  const status = await owner.serve.client.call('backup.status', {});
  assert.ok(
    status.custodians.every((c) => c.state === 'requested'),
    JSON.stringify(status.custodians),
  );
  // Dana declines: her answer reaches the owner, and still nothing is sent.
  await dana.serve.client.call('requests.decline', { id: `holding:${owner.peerId}` });
  await waitFor('the owner to see Dana declined', async () => {
    const s = await owner.serve.client.call('backup.status', {});
    return s.custodians.find((c) => c.peerId === dana.peerId)?.state === 'declined';
  });
  await sleep(1_500);
  // What the owner would have sent: the sealed envelopes and the encrypted chunks.
  const odb = new Database(join(owner.serve.dataDir, 'tessera.db'), { readonly: true });
  const envelopes = odb.prepare('SELECT peer_id, sealed_envelope FROM backup_custodians').all() as {
    peer_id: string;
    sealed_envelope: Buffer;
  }[];
  const chunks = odb.prepare('SELECT data FROM backup_chunks').all() as { data: Buffer }[];
  odb.close();
  assert.ok(envelopes.length === 2 && chunks.length > 0);
  for (const c of [cleo, dana]) {
    assert.deepEqual(await c.serve.client.call('held.list', {}), []);
    const cdb = new Database(join(c.serve.dataDir, 'tessera.db'), { readonly: true });
    const n = cdb
      .prepare('SELECT (SELECT count(*) FROM held_shards) + (SELECT count(*) FROM held_chunks) AS n')
      .get() as { n: number };
    cdb.close();
    assert.equal(n.n, 0, `${c.name} holds rows`);
    const bytes = databaseBytes(c.serve.dataDir);
    for (const e of envelopes) {
      assert.equal(
        bytes.indexOf(e.sealed_envelope.subarray(0, 48)),
        -1,
        `${c.name}'s files contain envelope bytes`,
      );
      count('envelope byte strings searched for, absent');
    }
    for (const ch of chunks)
      assert.equal(bytes.indexOf(ch.data.subarray(0, 64)), -1, `${c.name}'s files contain a chunk`);
    count('chunk byte strings searched for, absent', chunks.length);
  }
  const final = await owner.serve.client.call('backup.status', {});
  assert.equal(final.custodians.find((c) => c.peerId === cleo.peerId)?.state, 'requested');
  figure('owner custodian states after waiting', final.custodians.map((c) => c.state).join(', '));
});

test('a holding request expires unanswered: gone from the list, accepting is EXPIRED, a deposit is refused', async () => {
  // A fourth friend of Cleo whose key we drive from an in-process node.
  const mara = await startPeer('Mara');
  running.push(mara);
  await pair(mara, cleo);
  running.splice(running.indexOf(mara), 1);
  await mara.serve.stop();
  node = await startFriendNode(await loadIdentityKeys(mara.serve.dataDir));
  await node.dial(multiaddr(await dialAddress(cleo)));
  const ask = async (bytes: Uint8Array) => {
    const conv = await openConversation(node!, cleo.peerId, 'backup', { timeoutMs: 10_000 });
    await conv.send(bytes);
    const reply = decodeBackupMessage(await conv.receive());
    await conv.close();
    return reply;
  };
  const ttl = 2_500;
  const reply = await ask(
    encodeBackupMessage({
      t: 'hold-request',
      threshold: 2,
      custodians: 3,
      nonce: new Uint8Array(32).fill(1),
      expires: Date.now() + ttl,
    }),
  );
  assert.deepEqual(reply, { t: 'hold-reply', state: 'pending' });
  const id = `holding:${mara.peerId}`;
  assert.ok((await cleo.serve.client.call('requests.list', {})).some((r) => r.id === id));
  await sleep(ttl + 500);
  assert.ok(
    !(await cleo.serve.client.call('requests.list', {})).some((r) => r.id === id),
    'expired request still listed',
  );
  await assert.rejects(
    cleo.serve.client.call('requests.accept', { id }),
    (e: TesseraError) => e.code === 'EXPIRED',
  );
  count('expired requests refused on accept');
  const offer = await ask(
    encodeBackupMessage({
      t: 'offer',
      split: new Uint8Array(16),
      sealed: new Uint8Array(300),
      manifest: new Uint8Array(300),
    }),
  );
  assert.equal(offer.t, 'refused');
  assert.ok(!(await cleo.serve.client.call('held.list', {})).some((h) => h.ownerPeerId === mara.peerId));
  count('deposits refused without consent');
  figure('short expiry used (ms)', ttl);
});
