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
  // The vector backup as written in chunk format 3 (manifest body v2), then the owner's first version in format 2
  // (body v1), written again.
  const stored = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'vectors', 'backup-format3.json'), 'utf8'),
  ) as { large: { manifest: string } };
  const base = verifyManifest(fromHex(stored.large.manifest), OWNER.signPublic);
  assert.equal(base.bodyVersion, 2);
  const next = buildBackup(vectorSnapshot(400), BACKUP_KEY, OWNER, 3, base);
  const nextInfo = verifyManifest(next.manifest, OWNER.signPublic);
  assert.equal(nextInfo.bodyVersion, 1);
  // Other keys, other ids: nothing of the format-3 version is reused, and every chunk is sent.
  assert.equal(next.newChunkIds.length, new Set(nextInfo.chunks.map((c) => c.id)).size);
  const edits = diffManifest(base.chunks, nextInfo.chunks);
  const rebuilt = manifestFromDelta(base, edits, nextInfo.version, nextInfo.size);
  assert.equal(rebuilt.bodyVersion, 2);
  // Rebuilt in body v2, the bytes differ from the owner's body v1 (RecentManifests.delta then returns null),
  // and a custodian given them anyway refuses them.
  const rebuiltBytes = encodeSignedManifest(rebuilt, manifestSignature(next.manifest));
  assert.notDeepEqual(rebuiltBytes, next.manifest);
  assert.throws(() => verifyManifest(rebuiltBytes, OWNER.signPublic), SignatureError);
});

test('an owner whose held version is in format 2 (written before format 3) dedupes again and sends a delta', () => {
  const stored = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'vectors', 'backup-format2.json'), 'utf8'),
  ) as { large: { manifest: string } };
  const base = verifyManifest(fromHex(stored.large.manifest), OWNER.signPublic);
  assert.equal(base.bodyVersion, 1);
  const next = buildBackup(vectorSnapshot(401), BACKUP_KEY, OWNER, 3, base);
  const nextInfo = verifyManifest(next.manifest, OWNER.signPublic);
  // One more item changes the chunks around it and the padded length's first chunk, not the rest.
  assert.ok(next.newChunkIds.length < nextInfo.chunks.length / 2, `${next.newChunkIds.length} new`);
  const edits = diffManifest(base.chunks, nextInfo.chunks);
  const rebuilt = manifestFromDelta(base, edits, nextInfo.version, nextInfo.size);
  assert.deepEqual(encodeSignedManifest(rebuilt, manifestSignature(next.manifest)), next.manifest);
});
