/**
 * Pins every byte format to the stored vectors in tests/vectors/ and checks the stored bytes decode; a few values are
 * cross-checked against node:crypto (OpenSSL) as an independent implementation, the backup chunks of every format
 * among them. Regenerate deliberately with
 * `node_modules/.bin/node tests/vectors/regenerate.ts`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nodeCrypto from 'node:crypto';
import { fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { openSealed } from '../../../shared/crypto/box.ts';
import { sasCode, sasCommit } from '../../../shared/crypto/sas.ts';
import { verifyWithContext } from '../../../shared/crypto/sign.ts';
import { openBackup } from '../../../shared/formats/backup.ts';
import { signManifest, verifyManifest } from '../../../shared/formats/manifest.ts';
import { deriveBackupKeys } from '../../../shared/formats/backup-keys.ts';
import { openChunk } from '../../../shared/formats/chunk-crypto.ts';
import { DecryptionError, MalformedDataError } from '../../../shared/crypto/errors.ts';
import { openShardEnvelope, verifyShardEnvelope } from '../../../shared/shards/envelope.ts';
import { interpolate } from '../../../shared/shards/split.ts';
import { combineShards } from '../../../shared/shards/combine.ts';
import { BACKUP_KEY, computeVectors, CUSTODIAN, OWNER, vectorSnapshot } from './vector-cases.ts';

const dir = join(import.meta.dirname, '..', '..', 'vectors');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (name: string): any => JSON.parse(readFileSync(join(dir, name), 'utf8'));

test('regenerating every vector gives exactly the stored files', () => {
  for (const [name, content] of Object.entries(computeVectors())) {
    assert.deepEqual(
      JSON.parse(JSON.stringify(content)),
      load(name),
      `${name} changed: a byte format changed`,
    );
  }
});

test('identity vector matches node:crypto Ed25519/X25519', () => {
  const v = load('identity.json');
  const edPriv = nodeCrypto.createPrivateKey({
    key: Buffer.concat([
      Buffer.from('302e020100300506032b657004220420', 'hex'),
      Buffer.from(v.signSeed, 'hex'),
    ]),
    format: 'der',
    type: 'pkcs8',
  });
  const edPub = nodeCrypto.createPublicKey(edPriv).export({ format: 'der', type: 'spki' }).subarray(-32);
  assert.equal(edPub.toString('hex'), v.signPublic);
  const xPriv = nodeCrypto.createPrivateKey({
    key: Buffer.concat([
      Buffer.from('302e020100300506032b656e04220420', 'hex'),
      Buffer.from(v.boxSecret, 'hex'),
    ]),
    format: 'der',
    type: 'pkcs8',
  });
  const xPub = nodeCrypto.createPublicKey(xPriv).export({ format: 'der', type: 'spki' }).subarray(-32);
  assert.equal(xPub.toString('hex'), v.boxPublic);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), edPub]);
  const pub = nodeCrypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
  assert.ok(
    nodeCrypto.verify(null, Buffer.from(v.boxSignatureInput, 'hex'), pub, Buffer.from(v.boxSignature, 'hex')),
  );
});

test('signature vector verifies (and with node:crypto)', () => {
  const v = load('signature.json');
  assert.ok(verifyWithContext(v.context, fromHex(v.payload), fromHex(v.signature), OWNER.signPublic));
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(OWNER.signPublic)]);
  const pub = nodeCrypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
  assert.ok(
    nodeCrypto.verify(null, Buffer.from(v.signingInput, 'hex'), pub, Buffer.from(v.signature, 'hex')),
  );
  assert.equal(
    verifyWithContext('tessera/other/v1', fromHex(v.payload), fromHex(v.signature), OWNER.signPublic),
    false,
  );
});

test('sealed-box vector opens; its ephemeral key matches node:crypto X25519', () => {
  const v = load('sealed-box.json');
  const sealed = fromHex(v.sealed);
  const eph = nodeCrypto.createPrivateKey({
    key: Buffer.concat([
      Buffer.from('302e020100300506032b656e04220420', 'hex'),
      Buffer.from(v.ephemeralSecret, 'hex'),
    ]),
    format: 'der',
    type: 'pkcs8',
  });
  const ephPub = nodeCrypto.createPublicKey(eph).export({ format: 'der', type: 'spki' }).subarray(-32);
  assert.equal(toHex(sealed.subarray(1, 33)), ephPub.toString('hex'));
  assert.deepEqual(
    openSealed(fromHex(v.recipientBoxSecret), fromHex(v.recipientBoxPublic), sealed, v.context),
    fromHex(v.plaintext),
  );
  assert.equal(sealed.length, 1 + 32 + fromHex(v.plaintext).length + 16);
});

test('shard vector: stored envelope verifies, opens for the custodian, and frozen shares combine', async () => {
  const v = load('shard-envelope.json');
  const env = verifyShardEnvelope(fromHex(v.signed));
  assert.equal(toHex(env.y), v.envelope.y);
  assert.equal(env.x, v.envelope.x);
  assert.equal(toHex(env.commitment), v.commitment);
  assert.deepEqual(
    openShardEnvelope(fromHex(v.sealed), CUSTODIAN, OWNER.signPublic).signed,
    fromHex(v.signed),
  );
  const shares = v.shares.map((s: { x: number; y: string }) => ({ x: s.x, y: fromHex(s.y) }));
  for (const pick of [
    [0, 1, 2],
    [1, 2, 3],
    [0, 1, 3],
    [3, 2, 0],
  ])
    assert.equal(toHex(await interpolate(pick.map((i) => shares[i]))), v.key);
  assert.notEqual(toHex(await interpolate(shares.slice(0, 2))), v.key); // too few shares: wrong bytes, hence the commitment
  const r = await combineShards([{ from: 'custodian', signed: fromHex(v.signed) }]).catch((e: Error) => e);
  assert.ok(r instanceof Error && /needs 3 valid shards but has 1/.test(r.message));
});

test('SAS vector: the commitment and the code, also as computed here with node:crypto from PROTOCOL §6.4', () => {
  const v = load('sas.json');
  const keys = { initiator: fromHex(v.initiator), responder: fromHex(v.responder) };
  const nI = fromHex(v.initiatorNonce);
  const nR = fromHex(v.responderNonce);
  assert.equal(toHex(sasCommit(v.context, keys, nR)), v.commit);
  assert.equal(sasCode(v.context, keys, nI, nR), v.code);
  const ctx = Buffer.from(v.context, 'utf8');
  const ctxStar = Buffer.concat([Buffer.from([ctx.length >> 8, ctx.length & 0xff]), ctx]);
  const sha = (...parts: Uint8Array[]) =>
    nodeCrypto.createHash('sha256').update(Buffer.concat(parts)).digest();
  const commit = sha(Buffer.from('tessera-sas-commit-v1\0'), ctxStar, keys.responder, keys.initiator, nR);
  assert.equal(commit.toString('hex'), v.commit);
  const h = sha(Buffer.from('tessera-sas-code-v1\0'), ctxStar, keys.initiator, keys.responder, nI, nR);
  assert.equal(String(h.readBigUInt64BE(0) % 1_000_000n).padStart(6, '0'), v.code);
  // The roles are part of the code: swapping them gives another one.
  assert.notEqual(
    sasCode(v.context, { initiator: keys.responder, responder: keys.initiator }, nI, nR),
    v.code,
  );
});

const hkdf = (label: string, n: number) =>
  Buffer.from(nodeCrypto.hkdfSync('sha256', BACKUP_KEY, Buffer.alloc(0), label, n)).toString('hex');

/** Opens a stored small backup (manifest and every chunk) after checking each chunk's digest with node:crypto. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function openStoredSmall(v: any): Promise<Map<string, Uint8Array>> {
  const chunks = new Map<string, Uint8Array>(
    Object.entries(v.small.chunks as Record<string, string>).map(([id, hex]) => [id, fromHex(hex)]),
  );
  const small = verifyManifest(fromHex(v.small.manifest), OWNER.signPublic);
  for (const ref of small.chunks) {
    const digest = nodeCrypto.createHash('sha256').update(chunks.get(ref.id)!).digest('hex');
    assert.equal(digest, toHex(ref.digest));
  }
  const snap = await openBackup(
    fromHex(v.small.manifest),
    (id) => chunks.get(id),
    BACKUP_KEY,
    OWNER.signPublic,
  );
  assert.deepEqual(snap, vectorSnapshot(3));
  return chunks;
}

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2) from OpenSSL alone: OpenSSL's `chacha20` takes the 16-byte state words
 * 12..15 as its IV, and its first key-stream block is the 20 rounds' output plus the input state, so subtracting the
 * input state word by word gives the rounds' output, whose words 0..3 and 12..15 are the subkey.
 */
function opensslHChaCha20(key: Buffer, nonce16: Buffer): Buffer {
  const block = nodeCrypto.createCipheriv('chacha20', key, nonce16).update(Buffer.alloc(64));
  const state = Buffer.concat([Buffer.from('expand 32-byte k', 'latin1'), key, nonce16]);
  const out = Buffer.alloc(32);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((w, i) =>
    out.writeUInt32LE((block.readUInt32LE(4 * w) - state.readUInt32LE(4 * w)) >>> 0, 4 * i),
  );
  return out;
}

/** XChaCha20-Poly1305 opening (draft-irtf-cfrg-xchacha-03 §2.3) with OpenSSL only; throws on a bad tag. */
function opensslXChaChaOpen(key: Buffer, nonce: Buffer, sealed: Uint8Array, aad: Buffer): Buffer {
  const subkey = opensslHChaCha20(key, nonce.subarray(0, 16));
  const iv = Buffer.concat([Buffer.alloc(4), nonce.subarray(16, 24)]);
  const n = sealed.length - 16;
  const d = nodeCrypto.createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: 16 });
  d.setAAD(aad, { plaintextLength: n });
  d.setAuthTag(sealed.subarray(n));
  return Buffer.concat([d.update(sealed.subarray(0, n)), d.final()]);
}

test('HChaCha20 from OpenSSL matches the draft-irtf-cfrg-xchacha-03 §2.2.1 vector (so the check below is sound)', () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
  assert.equal(
    opensslHChaCha20(key, Buffer.from('000000090000004a0000000031415927', 'hex')).toString('hex'),
    '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
  );
});

test('backup vector (chunk format 2, body v1): keys match node:crypto HKDF; chunks open with OpenSSL alone', async () => {
  const v = load('backup.json');
  assert.equal(v.derived.chunkKey, hkdf('tessera/backup/chunk-key/v1', 32));
  assert.equal(v.derived.sivKey, hkdf('tessera/backup/chunk-siv/v2', 32));
  assert.equal(v.derived.keyId, hkdf('tessera/backup/key-id/v1', 16));
  const chunks = await openStoredSmall(v);
  const chunkKey = Buffer.from(v.derived.chunkKey, 'hex');
  const sivKey = Buffer.from(v.derived.sivKey, 'hex');
  for (const [id, bytes] of chunks) {
    assert.equal(bytes[0], 2, 'chunk format 2');
    // PROTOCOL §5.4, computed without @noble: nonce = id[0..24], XChaCha20-Poly1305 under chunkKey with the AAD
    // "tessera/backup-chunk/v2" 0x00 || id, and the id is HMAC-SHA256(sivKey, plaintext).
    const nonce = Buffer.from(bytes.subarray(1, 25));
    assert.equal(nonce.toString('hex'), id.slice(0, 48));
    const aad = Buffer.concat([Buffer.from('tessera/backup-chunk/v2\0'), Buffer.from(id, 'hex')]);
    const pt = opensslXChaChaOpen(chunkKey, nonce, bytes.subarray(25), aad);
    assert.equal(nodeCrypto.createHmac('sha256', sivKey).update(pt).digest('hex'), id);
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 1]! ^= 1;
    assert.throws(() => opensslXChaChaOpen(chunkKey, nonce, flipped.subarray(25), aad));
  }
  assert.equal(verifyManifest(fromHex(v.small.manifest), OWNER.signPublic).bodyVersion, 1);
  const large = verifyManifest(fromHex(v.large.manifest), OWNER.signPublic);
  assert.equal(large.version, 2);
  assert.ok(large.chunks.length > 3);
  assert.equal(
    v.chunkerSample.lengths.reduce((a: number, n: number) => a + n, 0),
    100_000,
  );
  // Written today, format 2 is byte for byte what it was before format 3 (the frozen copy), description aside.
  const frozen = load('backup-format2.json');
  assert.deepEqual({ ...v, description: '' }, { ...frozen, description: '' });
});

test('a backup in chunk format 2 (the frozen copy, manifest body v1) still opens', async () => {
  const v = load('backup-format2.json');
  assert.equal(v.derived.chunkKey, hkdf('tessera/backup/chunk-key/v1', 32));
  assert.equal(v.derived.sivKey, hkdf('tessera/backup/chunk-siv/v2', 32));
  assert.equal(verifyManifest(fromHex(v.small.manifest), OWNER.signPublic).bodyVersion, 1);
  const chunks = await openStoredSmall(v);
  const keys = deriveBackupKeys(BACKUP_KEY);
  for (const [id, bytes] of chunks) {
    assert.equal(bytes[0], 2, 'chunk format 2');
    // Its nonce is the id's first 24 bytes: asked for under another id, it is refused.
    assert.equal(toHex(bytes.subarray(1, 25)), id.slice(0, 48));
    const other = fromHex(id);
    other[31]! ^= 1;
    assert.throws(() => openChunk(keys, other, bytes), DecryptionError);
  }
  const large = verifyManifest(fromHex(v.large.manifest), OWNER.signPublic);
  assert.equal(large.version, 2);
  // The same chunks listed in a body v2 (format 3 only; sizes made to add up, signed by the owner) are refused.
  const small = verifyManifest(fromHex(v.small.manifest), OWNER.signPublic);
  const asV2 = signManifest(
    { ...small, bodyVersion: 2, size: small.size + 40 * small.chunks.length },
    OWNER.signSeed,
  );
  await assert.rejects(
    openBackup(asV2, (id) => chunks.get(id), BACKUP_KEY, OWNER.signPublic),
    (e: unknown) =>
      e instanceof MalformedDataError && /not of a format its manifest can list/.test(e.message),
  );
});

test('a backup in chunk format 3 (stored as written before format 2 was written again, body v2) still opens', async () => {
  const v = load('backup-format3.json');
  assert.equal(v.derived.streamKey, hkdf('tessera/backup/chunk-stream/v3', 32));
  assert.equal(v.derived.siv3Key, hkdf('tessera/backup/chunk-siv/v3', 32));
  assert.equal(verifyManifest(fromHex(v.small.manifest), OWNER.signPublic).bodyVersion, 2);
  const chunks = await openStoredSmall(v);
  const keys = deriveBackupKeys(BACKUP_KEY);
  for (const [id, bytes] of chunks) {
    assert.equal(bytes[0], 3, 'chunk format 3');
    // The id is HMAC-SHA256(siv3Key, plaintext); the rest is ChaCha20 under id[0..12] (checked with OpenSSL here).
    const iv = Buffer.concat([Buffer.alloc(4), Buffer.from(id.slice(0, 24), 'hex')]);
    const streamKey = Buffer.from(v.derived.streamKey, 'hex');
    const pt = nodeCrypto.createDecipheriv('chacha20', streamKey, iv).update(bytes.subarray(1));
    const siv3Key = Buffer.from(v.derived.siv3Key, 'hex');
    assert.equal(nodeCrypto.createHmac('sha256', siv3Key).update(pt).digest('hex'), id);
    // The id is its only authenticator: asked for under another id, it is refused.
    const other = fromHex(id);
    other[31]! ^= 1;
    assert.throws(() => openChunk(keys, other, bytes), DecryptionError);
  }
  const large = verifyManifest(fromHex(v.large.manifest), OWNER.signPublic);
  assert.equal(large.version, 2);
  // The same chunks listed in a body v1 (formats 1 and 2; sizes made to add up, signed by the owner) are refused.
  const small = verifyManifest(fromHex(v.small.manifest), OWNER.signPublic);
  const asV1 = signManifest(
    { ...small, bodyVersion: 1, size: small.size - 40 * small.chunks.length },
    OWNER.signSeed,
  );
  await assert.rejects(
    openBackup(asV1, (id) => chunks.get(id), BACKUP_KEY, OWNER.signPublic),
    (e: unknown) =>
      e instanceof MalformedDataError && /not of a format its manifest can list/.test(e.message),
  );
});

test('a backup in chunk format 1 (stored as written before format 2) still opens', async () => {
  const v = load('backup-format1.json');
  assert.equal(v.derived.chunkKey, hkdf('tessera/backup/chunk-key/v1', 32));
  assert.equal(v.derived.idKey, hkdf('tessera/backup/chunk-id/v1', 32));
  assert.equal(v.derived.nonceKey, hkdf('tessera/backup/chunk-nonce/v1', 32));
  const chunks = await openStoredSmall(v);
  assert.ok(
    [...chunks.values()].every((bytes) => bytes[0] === 1),
    'chunk format 1',
  );
});
