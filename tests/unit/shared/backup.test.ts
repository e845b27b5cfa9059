import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import {
  DecryptionError,
  InvalidArgumentError,
  MalformedDataError,
  SignatureError,
  UnsupportedFormatError,
} from '../../../shared/crypto/errors.ts';
import {
  buildBackup,
  missingChunks,
  MissingChunkError,
  openBackup,
  WrongBackupKeyError,
} from '../../../shared/formats/backup.ts';
import { chunkMatchesManifest, verifyManifest } from '../../../shared/formats/manifest.ts';
import { decodeSnapshot, encodeSnapshot } from '../../../shared/formats/snapshot.ts';
import { pad, paddedSize, unpad } from '../../../shared/formats/padding.ts';
import { chunk, CHUNK_MAX, CHUNK_MIN, gearTable } from '../../../shared/formats/chunker.ts';
import { counterRandom, sampleSnapshot } from './helpers.ts';

const K = counterRandom(77)(32);
const owner = generateIdentity(counterRandom(78));

test('snapshot round-trips and rebuilds the identity', () => {
  const s = sampleSnapshot(1);
  const bytes = encodeSnapshot(s);
  assert.deepEqual(decodeSnapshot(bytes), s);
  assert.deepEqual(encodeSnapshot(decodeSnapshot(bytes)), bytes);
});

test('snapshot encoding refuses invalid content instead of writing an unreadable backup', () => {
  const s = sampleSnapshot(1, 1);
  assert.throws(() => encodeSnapshot({ ...s, displayName: 'x'.repeat(300) }), MalformedDataError);
  assert.throws(
    () => encodeSnapshot({ ...s, contacts: [{ ...s.contacts[0]!, peerId: 'not-a-peer-id' }] }),
    MalformedDataError,
  );
  assert.throws(
    () => encodeSnapshot({ ...s, items: [{ ...s.items[0]!, createdAt: 1.5 }] }),
    MalformedDataError,
  );
});

test('snapshot custodians: listed when given, left out (same bytes as before) when not, checked on decode', () => {
  const s = sampleSnapshot(2, 2);
  const custodians = [...new Set(s.heldShards.map((h) => h.ownerPeerId))];
  assert.equal(custodians.length, 2);
  const listed = { ...s, custodians };
  assert.deepEqual(decodeSnapshot(encodeSnapshot(listed)).custodians, custodians);
  assert.equal(decodeSnapshot(encodeSnapshot(s)).custodians, undefined);
  assert.deepEqual(encodeSnapshot({ ...s, custodians: [] }), encodeSnapshot(s), 'an empty list is left out');
  assert.throws(() => encodeSnapshot({ ...s, custodians: ['not-a-peer-id'] }), /Snapshot custodians/);
  assert.throws(
    () => encodeSnapshot({ ...s, custodians: [custodians[0]!, custodians[0]!] }),
    /lists a friend twice/,
  );
  assert.throws(
    () => encodeSnapshot({ ...s, custodians: Array(17).fill(custodians[0]) }),
    MalformedDataError,
  );
});

test('padding hides the exact size in buckets and round-trips', () => {
  assert.equal(paddedSize(1), 4096);
  assert.equal(paddedSize(4097), 8192);
  assert.equal(paddedSize(1024 * 1024), 1024 * 1024);
  assert.equal(paddedSize(1024 * 1024 + 1), 2 * 1024 * 1024);
  for (const n of [0, 1, 4092, 4093, 10_000]) {
    const data = counterRandom(n)(n);
    const p = pad(data);
    assert.equal(p.length, paddedSize(n + 4));
    assert.deepEqual(unpad(p), data);
  }
  const p = pad(new Uint8Array(10));
  p[100] = 1;
  assert.throws(() => unpad(p), MalformedDataError);
  assert.throws(() => unpad(new Uint8Array(5000)), MalformedDataError);
});

test('chunker respects min/max sizes, covers the input, and is keyed', () => {
  const data = counterRandom(5)(300_000);
  const gear = gearTable(K);
  const pieces = chunk(data, gear);
  assert.equal(
    pieces.reduce((a, p) => a + p.length, 0),
    data.length,
  );
  pieces.slice(0, -1).forEach((p) => assert.ok(p.length >= CHUNK_MIN && p.length <= CHUNK_MAX));
  const avg = data.length / pieces.length;
  assert.ok(avg > 4096 && avg < 16384, `average chunk ${avg}`);
  const other = chunk(data, gearTable(counterRandom(9)(32))).map((p) => p.length);
  assert.notDeepEqual(
    other,
    pieces.map((p) => p.length),
  );
  // All-zero data (padding) falls back to max-size chunks.
  assert.ok(
    chunk(new Uint8Array(100_000), gear)
      .slice(0, -1)
      .every((p) => p.length === CHUNK_MAX),
  );
});

test('buildBackup/openBackup round-trip; output is deterministic', async () => {
  const s = sampleSnapshot(2, 200);
  const b = buildBackup(s, K, owner, 1);
  const again = buildBackup(s, K, owner, 1);
  assert.deepEqual(again.manifest, b.manifest);
  assert.deepEqual([...again.chunks], [...b.chunks]);
  assert.equal(b.newChunkIds.length, b.chunks.size);
  const opened = await openBackup(b.manifest, (id) => b.chunks.get(id), K, owner.signPublic);
  assert.deepEqual(opened, s);
  const total = [...b.chunks.values()].reduce((a, c) => a + c.length, 0);
  assert.ok(b.info.size === paddedSize(encodeSnapshot(s).length + 4));
  assert.ok(total >= b.info.size);
});

test('a small change produces a new version with only a few new chunks', async () => {
  const s1 = sampleSnapshot(3, 400);
  const b1 = buildBackup(s1, K, owner, 1);
  assert.ok(b1.info.chunks.length >= 6, `chunks: ${b1.info.chunks.length}`);
  const items = s1.items.map((it, i) => (i === 200 ? { ...it, secret: 'changed!' } : it));
  const s2 = { ...s1, items };
  const b2 = buildBackup(s2, K, owner, 2, b1.info);
  assert.ok(b2.newChunkIds.length <= 3, `new chunks: ${b2.newChunkIds.length} of ${b2.info.chunks.length}`);
  assert.ok(b2.newChunkIds.length >= 1);
  // A custodian holding version 1's chunks lacks exactly the new ones.
  const lacking = missingChunks(verifyManifest(b2.manifest, owner.signPublic), (id) => b1.chunks.has(id));
  assert.deepEqual(lacking, b2.newChunkIds);
  const store = new Map([...b1.chunks]);
  for (const id of lacking) store.set(id, b2.chunks.get(id)!);
  assert.deepEqual(await openBackup(b2.manifest, (id) => store.get(id), K, owner.signPublic), s2);
});

test('versions must increase', () => {
  const s = sampleSnapshot(4, 2);
  const b1 = buildBackup(s, K, owner, 5);
  assert.throws(() => buildBackup(s, K, owner, 5, b1.info), InvalidArgumentError);
  assert.throws(() => buildBackup(s, K, owner, 4, b1.info), InvalidArgumentError);
  assert.throws(() => buildBackup(s, K, owner, 0), InvalidArgumentError);
  assert.equal(buildBackup(s, K, owner, 6, b1.info).info.version, 6);
});

test('openBackup rejects wrong key, wrong owner, missing or altered chunks', async () => {
  const s = sampleSnapshot(5, 50);
  const b = buildBackup(s, K, owner, 1);
  const get = (id: string) => b.chunks.get(id);
  await assert.rejects(
    openBackup(b.manifest, get, counterRandom(1)(32), owner.signPublic),
    WrongBackupKeyError,
  );
  await assert.rejects(openBackup(b.manifest, get, K, generateIdentity().signPublic), SignatureError);
  await assert.rejects(
    openBackup(b.manifest, () => undefined, K, owner.signPublic),
    MissingChunkError,
  );
  const firstId = b.info.chunks[0]!.id;
  const altered = Uint8Array.from(b.chunks.get(firstId)!);
  altered[40]! ^= 1;
  assert.equal(chunkMatchesManifest(b.info.chunks[0]!, altered), false);
  await assert.rejects(
    openBackup(b.manifest, (id) => (id === firstId ? altered : get(id)), K, owner.signPublic),
    MalformedDataError,
  );
  const m = Uint8Array.from(b.manifest);
  m[20]! ^= 1;
  await assert.rejects(openBackup(m, get, K, owner.signPublic), (e: unknown) =>
    [SignatureError, MalformedDataError, UnsupportedFormatError].some((c) => e instanceof c),
  );
});

test('swapping two chunks is detected (the id is the authenticator)', async () => {
  const { openChunk, sealChunk } = await import('../../../shared/formats/chunk-crypto.ts');
  const { deriveBackupKeys } = await import('../../../shared/formats/backup-keys.ts');
  const keys = deriveBackupKeys(K);
  const a = sealChunk(keys, new Uint8Array([1, 2, 3]));
  const b = sealChunk(keys, new Uint8Array([4, 5, 6]));
  assert.deepEqual(openChunk(keys, a.id, a.bytes), new Uint8Array([1, 2, 3]));
  assert.throws(() => openChunk(keys, a.id, b.bytes), DecryptionError);
});

test('chunk format 2: id = HMAC of the plaintext, its first 24 bytes the XChaCha20-Poly1305 nonce; AEAD and id checked on open', async () => {
  const { openChunk, sealChunk, CHUNK_FORMAT_VERSION, CHUNK_OVERHEAD } =
    await import('../../../shared/formats/chunk-crypto.ts');
  const { deriveBackupKeys } = await import('../../../shared/formats/backup-keys.ts');
  const { hmac } = await import('@noble/hashes/hmac.js');
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const { xchacha20poly1305 } = await import('@noble/ciphers/chacha.js');
  const keys = deriveBackupKeys(K);
  const plaintext = counterRandom(11)(5000);
  const sealed = sealChunk(keys, plaintext);
  assert.equal(CHUNK_FORMAT_VERSION, 2);
  assert.equal(CHUNK_OVERHEAD, 41);
  assert.equal(sealed.bytes.length, plaintext.length + 41);
  assert.equal(sealed.bytes[0], 2);
  assert.deepEqual(sealed.id, hmac(sha256, keys.sivKey, plaintext));
  const nonce = sealed.id.subarray(0, 24);
  assert.deepEqual(sealed.bytes.subarray(1, 25), nonce);
  const aad = new Uint8Array([...new TextEncoder().encode('tessera/backup-chunk/v2\0'), ...sealed.id]);
  assert.deepEqual(
    sealed.bytes.subarray(25),
    xchacha20poly1305(keys.chunkKey, nonce, aad).encrypt(plaintext),
  );
  assert.deepEqual(openChunk(keys, sealed.id, sealed.bytes), plaintext);
  // Deterministic: the same plaintext gives the same id and bytes (what lets unchanged chunks dedupe).
  const again = sealChunk(keys, Uint8Array.from(plaintext));
  assert.deepEqual(again, sealed);
  // Asked for under another id, the nonce is not that id's prefix; a flipped bit fails the tag.
  const otherId = Uint8Array.from(sealed.id);
  otherId[31]! ^= 1;
  assert.throws(() => openChunk(keys, otherId, sealed.bytes), DecryptionError);
  const flipped = Uint8Array.from(sealed.bytes);
  flipped[100]! ^= 1;
  assert.throws(() => openChunk(keys, sealed.id, flipped), DecryptionError);
  // Labelled format 3, the same bytes fail (noise whose HMAC is not the id), and an unknown format is named.
  assert.throws(
    () => openChunk(keys, sealed.id, Uint8Array.of(3, ...sealed.bytes.subarray(1))),
    DecryptionError,
  );
  assert.throws(
    () => openChunk(keys, sealed.id, Uint8Array.of(4, ...sealed.bytes.subarray(1))),
    UnsupportedFormatError,
  );
  assert.throws(() => openChunk(keys, sealed.id, sealed.bytes.subarray(0, 40)), MalformedDataError);
  assert.throws(() => openChunk(keys, sealed.id, Uint8Array.of(3)), DecryptionError);
  assert.throws(() => openChunk(keys, sealed.id, new Uint8Array(0)), MalformedDataError);
  // An id that is not 32 bytes is named as such, before anything is decrypted.
  assert.throws(() => openChunk(keys, sealed.id.subarray(0, 11), sealed.bytes), MalformedDataError);
});

test('a manifest body is read by its version: v2 chunks are 1 byte over their plaintext, v1 chunks 41', async () => {
  const { signManifest: sign } = await import('../../../shared/formats/manifest.ts');
  const owner = generateIdentity();
  const chunks = [{ id: 'ab'.repeat(32), length: 1001, digest: new Uint8Array(32) }];
  const base = { owner: owner.signPublic, version: 1, keyId: new Uint8Array(16), chunks };
  assert.equal(
    verifyManifest(sign({ ...base, bodyVersion: 2, size: 1000 }, owner.signSeed), owner.signPublic).size,
    1000,
  );
  assert.equal(
    verifyManifest(sign({ ...base, bodyVersion: 1, size: 960 }, owner.signSeed), owner.signPublic).size,
    960,
  );
  assert.throws(
    () => verifyManifest(sign({ ...base, bodyVersion: 1, size: 1000 }, owner.signSeed), owner.signPublic),
    MalformedDataError,
  );
  // A v1 body cannot list a chunk too short for formats 1 and 2.
  const tiny = [{ id: 'ab'.repeat(32), length: 30, digest: new Uint8Array(32) }];
  assert.throws(
    () =>
      verifyManifest(
        sign({ ...base, chunks: tiny, bodyVersion: 1, size: 0 }, owner.signSeed),
        owner.signPublic,
      ),
    MalformedDataError,
  );
  assert.throws(
    () => verifyManifest(sign({ ...base, bodyVersion: 3, size: 1000 }, owner.signSeed), owner.signPublic),
    UnsupportedFormatError,
  );
});

test("a manifest whose body version does not list its chunks' format is refused on opening, with a typed error", async () => {
  const { signManifest: sign } = await import('../../../shared/formats/manifest.ts');
  const built = buildBackup(sampleSnapshot(9), K, owner, 1);
  // Signed by the owner as body v2 (format 3, 1 byte over), sizes made to add up: format-2 chunks would not fill
  // their places in the padded plaintext.
  const n = built.info.chunks.length;
  const v2 = sign({ ...built.info, bodyVersion: 2, size: built.info.size + 40 * n }, owner.signSeed);
  assert.equal(verifyManifest(v2, owner.signPublic).bodyVersion, 2);
  await assert.rejects(
    openBackup(v2, (id) => built.chunks.get(id), K, owner.signPublic),
    (e: unknown) =>
      e instanceof MalformedDataError && /not of a format its manifest can list/.test(e.message),
  );
  // As built (body v1), it opens.
  assert.equal(built.info.bodyVersion, 1);
  assert.ok(await openBackup(built.manifest, (id) => built.chunks.get(id), K, owner.signPublic));
});
