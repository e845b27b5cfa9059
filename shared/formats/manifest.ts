/**
 * Signed backup manifest: one per backup version, listing the encrypted chunks in order.
 *
 *   body   = canonical CBOR { v: 1, owner: bytes32 (Ed25519 identity key), version: uint ≥ 1, keyId: bytes16,
 *                             size: uint (padded plaintext length), chunks: [ [id: bytes32, len: uint, digest: bytes32] ] }
 *            len = encrypted chunk length, digest = SHA-256(encrypted chunk) so a custodian can check every chunk it
 *            receives without K. Body v1 (written) lists chunks of formats 1 and 2 (41 bytes over their plaintext:
 *            Σ (len − 41) = size); body v2 (read, no longer written) lists chunks of format 3 (one byte over:
 *            Σ (len − 1) = size).
 *   signed = canonical CBOR { v: 1, body: bytes, sig: bytes64 },
 *            sig = Ed25519(owner, signingInput("tessera/backup-manifest/v1", body))
 *
 * Custodians must accept a manifest only if it verifies under the owner key they already know and its version is
 * greater than the one they hold (versions increase monotonically).
 */
import { equalBytes, toHex, fromHex } from '../crypto/bytes.ts';
import {
  MalformedDataError,
  SignatureError,
  UnsupportedFormatError,
  InvalidArgumentError,
} from '../crypto/errors.ts';
import { sha256 } from '../crypto/kdf.ts';
import {
  nobleEd25519,
  SIGN_CONTEXTS,
  signWithContext,
  verifyWithContext,
  type Ed25519,
} from '../crypto/sign.ts';
import { decodeCanonical, encodeCanonical } from './cbor.ts';
import { CborCursor, CborWriter, cborKey, MAJOR_MAP, MAJOR_UINT } from './cbor-cursor.ts';
import {
  CHUNK_FORMAT_VERSION,
  CHUNK_OVERHEAD,
  FORMAT3_CHUNK_OVERHEAD,
  MAX_CHUNK_BYTES,
  MIN_CHUNK_BYTES,
} from './chunk-crypto.ts';
import { asMap, expectKeys, readArray, readBytes, readUint } from './fields.ts';
import { MAX_PADDED_BYTES } from './padding.ts';
import { CHUNK_MAX, CHUNK_MIN } from './chunker.ts';
import type { BackupCrypto } from './backup-crypto.ts';

/** The version of the signed wrapper { v, body, sig }. */
const SIGNED_MANIFEST_VERSION = 1;
/** The body version written: 1, which lists the chunk format written (2) and format 1. */
export const MANIFEST_VERSION = 1;
/** What each body version lists: chunks of these formats, each `overhead` bytes over its plaintext. */
const BODY_CHUNKS: Record<number, { formats: readonly number[]; overhead: number }> = {
  1: { formats: [1, CHUNK_FORMAT_VERSION], overhead: CHUNK_OVERHEAD },
  2: { formats: [3], overhead: FORMAT3_CHUNK_OVERHEAD },
};

/** Whether a chunk of `format` (its first byte) may be listed in a manifest body of `bodyVersion`. */
export function bodyListsFormat(bodyVersion: number, format: number): boolean {
  return BODY_CHUNKS[bodyVersion]?.formats.includes(format) ?? false;
}

export const MAX_MANIFEST_CHUNKS = Math.ceil(MAX_PADDED_BYTES / CHUNK_MIN);
export const MAX_MANIFEST_BYTES = 128 + MAX_MANIFEST_CHUNKS * 80;

const BODY_KEYS = {
  v: cborKey('v'),
  size: cborKey('size'),
  keyId: cborKey('keyId'),
  owner: cborKey('owner'),
  chunks: cborKey('chunks'),
  version: cborKey('version'),
};
/** An entry's head: an array of three items. */
const ENTRY_HEAD = Uint8Array.of(0x83);
/** The fewest bytes an entry takes: its head, two 32-byte strings with their heads, and a one-byte length. */
const ENTRY_MIN_BYTES = 1 + 2 * (2 + 32) + 1;

export interface ChunkRef {
  /** Chunk id, lowercase hex of 32 bytes. */
  id: string;
  /** Length of the encrypted chunk in bytes. */
  length: number;
  /** SHA-256 of the encrypted chunk. */
  digest: Uint8Array;
}

export interface BackupManifest {
  /** The body version (MANIFEST_VERSION when built here; 2 for manifests of chunk format 3, no longer built). */
  bodyVersion: number;
  owner: Uint8Array;
  version: number;
  keyId: Uint8Array;
  size: number;
  chunks: ChunkRef[];
}

/** The manifest body bytes (what the signature covers). */
export function encodeManifestBody(m: BackupManifest): Uint8Array {
  return writeBodyShortcut(m) ?? encodeBodyGenerally(m);
}

const isUint = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * encodeBodyGenerally's bytes, written directly (cbor-cursor.ts): a 100 MiB backup lists some 13,000 chunks, and the
 * general encoder makes objects for each of their ~40,000 items. Null for a body it does not write (a number that is
 * not an unsigned integer), which the general encoder then writes or refuses.
 */
export function writeBodyShortcut(m: BackupManifest): Uint8Array | null {
  if (![m.bodyVersion, m.size, m.version].every(isUint) || !m.chunks.every((c) => isUint(c.length)))
    return null;
  const h = CborWriter.headSize;
  const k = BODY_KEYS;
  let size =
    1 +
    k.v.length +
    h(m.bodyVersion) +
    k.size.length +
    h(m.size) +
    k.keyId.length +
    h(m.keyId.length) +
    m.keyId.length +
    k.owner.length +
    h(m.owner.length) +
    m.owner.length +
    k.chunks.length +
    h(m.chunks.length) +
    k.version.length +
    h(m.version);
  for (const c of m.chunks)
    size += 1 + h(c.id.length / 2) + c.id.length / 2 + h(c.length) + h(c.digest.length) + c.digest.length;
  const w = new CborWriter(size);
  w.head(MAJOR_MAP, 6);
  w.raw(k.v);
  w.head(MAJOR_UINT, m.bodyVersion);
  w.raw(k.size);
  w.head(MAJOR_UINT, m.size);
  w.raw(k.keyId);
  w.bytesHead(m.keyId.length);
  w.raw(m.keyId);
  w.raw(k.owner);
  w.bytesHead(m.owner.length);
  w.raw(m.owner);
  w.raw(k.chunks);
  w.arrayHead(m.chunks.length);
  for (const c of m.chunks) {
    w.arrayHead(3);
    w.bytesHead(c.id.length / 2);
    w.hex(c.id, c.id.length / 2);
    w.head(MAJOR_UINT, c.length);
    w.bytesHead(c.digest.length);
    w.raw(c.digest);
  }
  w.raw(k.version);
  w.head(MAJOR_UINT, m.version);
  return w.done();
}

/** encodeManifestBody through encodeCanonical: every body, written the general way. */
export function encodeBodyGenerally(m: BackupManifest): Uint8Array {
  return encodeCanonical({
    v: m.bodyVersion,
    owner: m.owner,
    version: m.version,
    keyId: m.keyId,
    size: m.size,
    chunks: m.chunks.map((c) => [fromHex(c.id), c.length, c.digest]),
  });
}

/** The signed manifest bytes for a body and its signature (no check: verify with verifyManifest). */
export function encodeSignedManifest(m: BackupManifest, sig: Uint8Array): Uint8Array {
  return encodeCanonical({ v: SIGNED_MANIFEST_VERSION, body: encodeManifestBody(m), sig });
}

/** `ed`: the Ed25519 that signs and checks the fresh signature (a native one for large manifests; same bytes). */
export function signManifest(
  m: BackupManifest,
  ownerSignSeed: Uint8Array,
  ed: Ed25519 = nobleEd25519,
): Uint8Array {
  const body = encodeManifestBody(m);
  const sig = signWithContext(SIGN_CONTEXTS.backupManifest, body, ownerSignSeed, ed);
  if (!verifyWithContext(SIGN_CONTEXTS.backupManifest, body, sig, m.owner, ed))
    throw new InvalidArgumentError('The manifest owner is not the key it is being signed with.');
  return encodeCanonical({ v: SIGNED_MANIFEST_VERSION, body, sig });
}

/** The signature of a signed manifest (call after verifyManifest). */
export function manifestSignature(signed: Uint8Array): Uint8Array {
  const what = 'Backup manifest';
  const m = asMap(decodeCanonical(signed, MAX_MANIFEST_BYTES, what), what);
  return readBytes(m, 'sig', what, { exact: 64 });
}

/**
 * One `[id, length, digest]` entry of a manifest's chunk list (also in manifest deltas). The length is checked
 * against the largest chunk of any format here, and against its body's format in decodeBody.
 */
export function readChunkRef(entry: unknown, what: string): ChunkRef {
  if (!Array.isArray(entry) || entry.length !== 3) throw new MalformedDataError(what, 'bad chunk entry');
  const [id, length, digest] = entry as unknown[];
  if (!(id instanceof Uint8Array) || id.length !== 32) throw new MalformedDataError(what, 'bad chunk id');
  if (
    typeof length !== 'number' ||
    !Number.isSafeInteger(length) ||
    length < MIN_CHUNK_BYTES ||
    length > MAX_CHUNK_BYTES
  )
    throw new MalformedDataError(what, 'bad chunk length');
  if (!(digest instanceof Uint8Array) || digest.length !== 32)
    throw new MalformedDataError(what, 'bad chunk digest');
  return { id: toHex(id), length, digest: Uint8Array.from(digest) };
}

/**
 * decodeBody for a body in exactly the shape encodeManifestBody writes (keys in canonical order, shortest heads) that
 * passes every check of decodeBody; null for anything else, which decodeBody then reads the general way and refuses
 * or accepts with the same result (cbor-cursor.ts). Byte strings are views of `body`, the decoder's own copy.
 */
export function readBodyShortcut(body: Uint8Array): BackupManifest | null {
  if (!(body instanceof Uint8Array) || body.length > MAX_MANIFEST_BYTES) return null;
  const c = new CborCursor(body);
  if (c.mapHead() !== 6 || !c.literal(BODY_KEYS.v)) return null;
  const bodyVersion = c.uint();
  const overhead = BODY_CHUNKS[bodyVersion]?.overhead;
  if (overhead === undefined || !c.literal(BODY_KEYS.size)) return null;
  const size = c.uint();
  if (size < 0 || size > MAX_PADDED_BYTES || !c.literal(BODY_KEYS.keyId)) return null;
  const keyId = c.bytes(16);
  if (!keyId || !c.literal(BODY_KEYS.owner)) return null;
  const owner = c.bytes(32);
  if (!owner || !c.literal(BODY_KEYS.chunks)) return null;
  const count = c.arrayHead();
  // A count the bytes left cannot hold is refused before a list of that length is made.
  if (count < 0 || count > MAX_MANIFEST_CHUNKS || count * ENTRY_MIN_BYTES > body.length - c.at) return null;
  const least = Math.max(MIN_CHUNK_BYTES, overhead + 1);
  const most = Math.min(MAX_CHUNK_BYTES, CHUNK_MAX + overhead);
  const chunks = new Array<ChunkRef>(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const id = c.literal(ENTRY_HEAD) ? c.bytes(32) : null;
    const length = id ? c.uint() : -1;
    const digest = length >= least && length <= most ? c.bytes(32) : null;
    if (!id || !digest) return null;
    sum += length - overhead;
    chunks[i] = { id: toHex(id), length, digest };
  }
  if (sum !== size || !c.literal(BODY_KEYS.version)) return null;
  const version = c.uint();
  if (version < 1 || !c.atEnd) return null;
  return { bodyVersion, owner, version, keyId, size, chunks };
}

/** `body`: the decoder's own copy (what readBodyShortcut returns keeps views of it). */
function decodeBody(body: Uint8Array): BackupManifest {
  return readBodyShortcut(body) ?? decodeBodyGenerally(body);
}

/** decodeBody through decodeCanonical: every body it reads, and the error that names what is wrong with others. */
export function decodeBodyGenerally(body: Uint8Array): BackupManifest {
  const what = 'Backup manifest body';
  const m = asMap(decodeCanonical(body, MAX_MANIFEST_BYTES, what), what);
  const overhead = typeof m.v === 'number' ? BODY_CHUNKS[m.v]?.overhead : undefined;
  if (overhead === undefined) throw new UnsupportedFormatError('This backup', m.v);
  expectKeys(m, what, ['v', 'owner', 'version', 'keyId', 'size', 'chunks']);
  const chunks = readArray(m, 'chunks', what, MAX_MANIFEST_CHUNKS).map((entry) => readChunkRef(entry, what));
  if (chunks.some((c) => c.length <= overhead || c.length > CHUNK_MAX + overhead))
    throw new MalformedDataError(what, 'bad chunk length');
  const size = readUint(m, 'size', what, MAX_PADDED_BYTES);
  const sum = chunks.reduce((acc, c) => acc + c.length - overhead, 0);
  if (sum !== size) throw new MalformedDataError(what, 'chunk sizes do not add up to the total size');
  return {
    bodyVersion: m.v as number,
    owner: readBytes(m, 'owner', what, { exact: 32 }),
    version: readUint(m, 'version', what, Number.MAX_SAFE_INTEGER, 1),
    keyId: readBytes(m, 'keyId', what, { exact: 16 }),
    size,
    chunks,
  };
}

/**
 * Parses a signed manifest and verifies it was signed by `ownerSignPublic`. Throws MalformedDataError,
 * UnsupportedFormatError or SignatureError for any other input. `ed` as in signManifest (a native one checks a large
 * manifest several times faster).
 */
export function verifyManifest(
  signed: Uint8Array,
  ownerSignPublic: Uint8Array,
  ed: Ed25519 = nobleEd25519,
): BackupManifest {
  const what = 'Backup manifest';
  const m = asMap(decodeCanonical(signed, MAX_MANIFEST_BYTES, what), what);
  if (m.v !== SIGNED_MANIFEST_VERSION) throw new UnsupportedFormatError('This backup', m.v);
  expectKeys(m, what, ['v', 'body', 'sig']);
  const body = readBytes(m, 'body', what, { max: MAX_MANIFEST_BYTES });
  const sig = readBytes(m, 'sig', what, { exact: 64 });
  if (!verifyWithContext(SIGN_CONTEXTS.backupManifest, body, sig, ownerSignPublic, ed))
    throw new SignatureError('this backup manifest');
  const manifest = decodeBody(body);
  if (!equalBytes(manifest.owner, ownerSignPublic)) throw new SignatureError('this backup manifest');
  return manifest;
}

/** Custodian check for a received chunk against the manifest (length and digest), without K. */
export function chunkMatchesManifest(
  ref: ChunkRef,
  bytes: Uint8Array,
  crypto?: Pick<BackupCrypto, 'sha256'>,
): boolean {
  return bytes.length === ref.length && equalBytes((crypto?.sha256 ?? sha256)(bytes), ref.digest);
}
