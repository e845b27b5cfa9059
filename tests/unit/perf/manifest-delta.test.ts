/**
 * Manifest deltas (shared/formats/manifest-delta.ts) and the two backup messages that carry bulk data more cheaply
 * (offer-delta, chunks): applying the diff of any two chunk lists gives exactly the second; a custodian rebuilding a
 * signed manifest from a delta gets the owner's bytes; malformed edits are refused with MalformedDataError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import {
  applyManifestEdits,
  diffManifest,
  editsFromCbor,
  editsToCbor,
  manifestFromDelta,
} from '../../../shared/formats/manifest-delta.ts';
import { buildBackup } from '../../../shared/formats/backup.ts';
import {
  encodeSignedManifest,
  manifestSignature,
  verifyManifest,
  type ChunkRef,
} from '../../../shared/formats/manifest.ts';
import { decodeBackupMessage, encodeBackupMessage } from '../../../shared/protocol/backup.ts';
import { MalformedDataError, SignatureError } from '../../../shared/crypto/errors.ts';
import { fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKUP_KEY, OWNER, vectorSnapshot } from '../shared/vector-cases.ts';

const RUNS = Number(process.env.TESSERA_FC_RUNS ?? 300);

// A small alphabet of chunk refs so lists share (and repeat) entries, as real manifests do (zero padding chunks).
const pool: ChunkRef[] = Array.from({ length: 12 }, (_, i) => ({
  id: toHex(new Uint8Array(32).fill(i)),
  length: 100 + i,
  digest: new Uint8Array(32).fill(200 + i),
}));
const list = fc
  .array(fc.nat({ max: pool.length - 1 }), { maxLength: 60 })
  .map((ix) => ix.map((i) => pool[i]!));

test('applying diff(a, b) to a gives b, for any two chunk lists', () => {
  fc.assert(
    fc.property(list, list, (a, b) => {
      const edits = diffManifest(a, b);
      assert.deepEqual(applyManifestEdits(a, edits), b);
      assert.deepEqual(applyManifestEdits(a, editsFromCbor(editsToCbor(edits))), b);
    }),
    { numRuns: RUNS },
  );
});

test('a one-entry change is one small edit', () => {
  const a = Array.from({ length: 50 }, (_, i) => ({ ...pool[0]!, id: toHex(new Uint8Array(32).fill(i)) }));
  const b = a.map((c, i) => (i === 20 ? pool[5]! : c));
  assert.deepEqual(diffManifest(a, b), [{ at: 20, del: 1, ins: [pool[5]] }]);
  assert.deepEqual(diffManifest(a, a), []);
});

test('a custodian rebuilds the exact signed manifest from a delta of two real versions', () => {
  const v1 = buildBackup(vectorSnapshot(300), BACKUP_KEY, OWNER, 1);
  const changed = vectorSnapshot(300);
  changed.items[150]!.notes = 'changed '.repeat(100);
  const v2 = buildBackup(changed, BACKUP_KEY, OWNER, 2, v1.info);
  const base = verifyManifest(v1.manifest, OWNER.signPublic);
  const next = verifyManifest(v2.manifest, OWNER.signPublic);
  const edits = diffManifest(base.chunks, next.chunks);
  const msg = decodeBackupMessage(
    encodeBackupMessage({
      t: 'offer-delta',
      split: new Uint8Array(16),
      base: new Uint8Array(32),
      version: 2,
      size: next.size,
      sig: manifestSignature(v2.manifest),
      edits,
    }),
  );
  assert.equal(msg.t, 'offer-delta');
  if (msg.t !== 'offer-delta') return;
  const rebuilt = encodeSignedManifest(manifestFromDelta(base, msg.edits, msg.version, msg.size), msg.sig);
  assert.deepEqual(rebuilt, v2.manifest);
  assert.ok(encodeBackupMessage(msg).length < v2.manifest.length, 'the delta is smaller');
});

test('malformed edits are refused', () => {
  const bad: unknown[] = [
    'x',
    [[0, 0]],
    [[-1, 0, []]],
    [[0, 0, [[new Uint8Array(31), 100, new Uint8Array(32)]]]],
    [[0, 0, [[new Uint8Array(32), 1, new Uint8Array(32)]]]],
  ];
  for (const value of bad) assert.throws(() => editsFromCbor(value), MalformedDataError);
  assert.throws(() => applyManifestEdits(pool.slice(0, 3), [{ at: 2, del: 2, ins: [] }]), MalformedDataError);
  assert.throws(
    () =>
      applyManifestEdits(pool.slice(0, 5), [
        { at: 3, del: 0, ins: [] },
        { at: 1, del: 0, ins: [] },
      ]),
    MalformedDataError,
  );
});

test('chunks frames round-trip and refuse empty or malformed items', () => {
  const items = [1, 2, 3].map(() => ({
    id: new Uint8Array(randomBytes(32)),
    data: new Uint8Array(randomBytes(500)),
  }));
  const back = decodeBackupMessage(encodeBackupMessage({ t: 'chunks', items }));
  assert.deepEqual(back, { t: 'chunks', items });
  assert.throws(
    () => decodeBackupMessage(encodeBackupMessage({ t: 'chunks', items: [] })),
    MalformedDataError,
  );
});

test('across body versions a delta cannot rebuild the new manifest, so the owner sends it whole', () => {
  // The vector backup as written in chunk format 2 (manifest body v1), then the owner's first format-3 version.
  const stored = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'vectors', 'backup-format2.json'), 'utf8'),
  ) as { large: { manifest: string } };
  const base = verifyManifest(fromHex(stored.large.manifest), OWNER.signPublic);
  assert.equal(base.bodyVersion, 1);
  const upgraded = buildBackup(vectorSnapshot(400), BACKUP_KEY, OWNER, 3, base);
  const next = verifyManifest(upgraded.manifest, OWNER.signPublic);
  assert.equal(next.bodyVersion, 2);
  // New keys, new ids: nothing of the old version is reused, and every chunk is sent.
  assert.equal(upgraded.newChunkIds.length, new Set(next.chunks.map((c) => c.id)).size);
  const edits = diffManifest(base.chunks, next.chunks);
  const rebuilt = manifestFromDelta(base, edits, next.version, next.size);
  assert.equal(rebuilt.bodyVersion, 1);
  // Body v1 cannot hold format-3 lengths: the rebuilt bytes differ (owner-service's manifestDelta then returns
  // null), and a custodian given them anyway refuses them.
  const rebuiltBytes = encodeSignedManifest(rebuilt, manifestSignature(upgraded.manifest));
  assert.notDeepEqual(rebuiltBytes, upgraded.manifest);
  assert.throws(() => verifyManifest(rebuiltBytes, OWNER.signPublic), SignatureError);
});
