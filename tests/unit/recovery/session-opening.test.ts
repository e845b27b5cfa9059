/**
 * Combining and opening (PROTOCOL §11.4) from a real session store (SQLite in a temp dir): the confirmed pieces of
 * the chosen split open the newest backup a confirmed sender brought, in memory; without a manifest, or with its
 * chunks missing, nothing opens and the reason says what to ask for; a piece whose share was altered is named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { buildBackup } from '../../../shared/formats/backup.ts';
import { assess, openPieces } from '../../../electron/core/recovery/assess.ts';
import { combineAndOpen } from '../../../electron/core/recovery/session-opening.ts';
import type { RecoverySessionStore } from '../../../electron/core/recovery/session-store.ts';
import { ownerWithSplit, peerOf, pieceFrom, sessionStore } from './fixtures.ts';
import type { Owner } from './fixtures.ts';

const session = generateIdentity();

function backupOf(owner: Owner, version: number, name: string) {
  return buildBackup(
    { identity: owner.keys, displayName: name, contacts: [], items: [], heldShards: [], settings: {} },
    owner.split.key,
    owner.keys,
    version,
  );
}

/** Each custodian said hello (a piece is stored only for a known sender). */
function hellos(store: RecoverySessionStore, peers: string[]): void {
  peers.forEach((peerId, i) =>
    store.putSender({ peerId, name: `Friend ${i}`, sasCode: '000000', helloAt: i }, 32),
  );
}

function judged(store: RecoverySessionStore, confirmed: string[]) {
  const a = assess(openPieces(store.pieces(), new Set(confirmed), session));
  assert.ok(a.owner, 'the confirmed pieces name one owner');
  return { ...a, owner: a.owner };
}

test('confirmed pieces open the newest backup a confirmed sender brought', async (t) => {
  const store = sessionStore(t);
  const owner = await ownerWithSplit(2, 3);
  const peers = owner.custodians.map(peerOf);
  const older = backupOf(owner, 1, 'Ana');
  const newer = backupOf(owner, 2, 'Ana B.');
  hellos(store, peers);
  const chunksOf = (b: typeof older) =>
    b.info.chunks.map((ref) => ({ digest: ref.digest, data: b.chunks.get(ref.id)! }));
  store.commitDelivery(pieceFrom(owner, 0, session, older.manifest), chunksOf(older));
  store.commitDelivery(pieceFrom(owner, 1, session, new Uint8Array(0)), []);
  // The newest copy came from a sender the person has not confirmed: it is not used.
  store.commitDelivery(pieceFrom(owner, 2, session, newer.manifest), chunksOf(newer));

  const opened = await combineAndOpen(store, judged(store, [peers[0]!, peers[1]!]));
  assert.ok(opened.ok, opened.ok ? '' : opened.error);
  assert.equal(opened.prepared.snapshot.displayName, 'Ana');
  assert.deepEqual(opened.prepared.owner, owner.keys.signPublic);
  assert.equal(opened.prepared.threshold, 2);
  assert.deepEqual(opened.prepared.delivered.sort(), [peers[0], peers[1]].sort());
  assert.equal(opened.problems.size, 0);

  const withNewest = await combineAndOpen(store, judged(store, peers));
  assert.ok(withNewest.ok);
  assert.equal(withNewest.prepared.snapshot.displayName, 'Ana B.');
});

test('without the backup, or with a chunk missing, nothing opens and the reason says what to do', async (t) => {
  const store = sessionStore(t);
  const owner = await ownerWithSplit(2, 2);
  const peers = owner.custodians.map(peerOf);
  hellos(store, peers);
  store.commitDelivery(pieceFrom(owner, 0, session), []);
  store.commitDelivery(pieceFrom(owner, 1, session), []);
  const bare = await combineAndOpen(store, judged(store, peers));
  assert.equal(bare.ok, false);
  assert.match(bare.ok ? '' : bare.error, /no friend you confirmed has sent the backup itself yet/);

  const backup = backupOf(owner, 1, 'Ana');
  const [first, ...rest] = backup.info.chunks;
  // Every chunk but the first arrives.
  store.commitDelivery(
    pieceFrom(owner, 0, session, backup.manifest),
    rest.map((ref) => ({ digest: ref.digest, data: backup.chunks.get(ref.id)! })),
  );
  const missing = await combineAndOpen(store, judged(store, peers));
  assert.equal(missing.ok, false);
  assert.match(missing.ok ? '' : missing.error, /could not be opened from any copy received .*version 1/);
  assert.equal(store.hasChunk(first!.digest), false);
});
