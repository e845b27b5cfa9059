/**
 * The encrypted, versioned, incrementally updatable backup.
 *
 *   snapshot bytes = encodeSnapshot(snapshot)                  (snapshot.ts)
 *   padded         = pad(snapshot bytes)                       (padding.ts: size buckets)
 *   chunks         = chunk(padded, gear(K))                    (chunker.ts: keyed FastCDC, 2/8/32 KiB)
 *   each chunk     = sealChunk(keys(K), plaintext)             (chunk-crypto.ts: id = HMAC, XChaCha20-Poly1305)
 *   manifest       = signManifest({ owner, version, keyId(K), size, [id, len, digest]… })   (manifest.ts)
 *
 * Owner:     buildBackup(snapshot, K, ownerKeys, version, previous?) → { manifest, chunks, newChunkIds }
 *            Send the manifest and the chunks in newChunkIds (or, per custodian, missingChunks(manifest, has)).
 * Custodian: verifyManifest(bytes, ownerKey) (version must exceed the held one), missingChunks(...) to ask for
 *            what it lacks, chunkMatchesManifest(ref, bytes) to check each chunk on arrival.
 * Recovery:  openBackup(manifestBytes, getChunk, K, ownerSignPublic) → snapshot.
 *
 * Both take an optional last `crypto` (backup-crypto.ts): a byte-identical provider of the per-byte primitives
 * (electron/core/crypto-native supplies node:crypto); the default is the pure @noble one.
 *
 * Everything is deterministic: the same snapshot, K and version give byte-identical output, and unchanged regions
 * of the snapshot give the same chunk ids as the previous version.
 */
import { equalBytes, fromHex, toHex } from '../crypto/bytes.ts';
import { InvalidArgumentError, MalformedDataError } from '../crypto/errors.ts';
import type { IdentityKeys } from '../crypto/identity.ts';
import { NotFoundError, TesseraError } from '../errors.ts';
import { deriveBackupKeys, type BackupKeys } from './backup-keys.ts';
import { pureBackupCrypto, type BackupCrypto } from './backup-crypto.ts';
import { CHUNK_OVERHEAD, openChunk, sealChunk, type ChunkKeys } from './chunk-crypto.ts';
import { chunk } from './chunker.ts';
import {
  bodyListsFormat,
  chunkMatchesManifest,
  MANIFEST_VERSION,
  signManifest,
  verifyManifest,
  type BackupManifest,
  type ChunkRef,
} from './manifest.ts';
import { pad, unpad } from './padding.ts';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from './snapshot.ts';

export interface BuiltBackup {
  /** Signed manifest bytes (what custodians store and verify). */
  manifest: Uint8Array;
  /** The parsed manifest (same content). */
  info: BackupManifest;
  /** Every chunk of this version, by hex id. */
  chunks: Map<string, Uint8Array>;
  /** Ids (manifest order) of chunks not referenced by `previous`; all ids if there is no previous. */
  newChunkIds: string[];
}

export class MissingChunkError extends NotFoundError {
  readonly chunkId: string;
  constructor(chunkId: string) {
    super(`Backup chunk ${chunkId.slice(0, 12)}… is missing. Ask another custodian for it.`);
    this.chunkId = chunkId;
  }
}

export class WrongBackupKeyError extends TesseraError {
  constructor() {
    super('VERIFICATION_FAILED', 'This backup was encrypted under a different key than the one recovered.');
  }
}

export function buildBackup(
  snapshot: Snapshot,
  backupKey: Uint8Array,
  ownerKeys: Pick<IdentityKeys, 'signSeed' | 'signPublic'>,
  version: number,
  previous?: BackupManifest,
  crypto: BackupCrypto = pureBackupCrypto,
): BuiltBackup {
  checkVersion(ownerKeys, version, previous);
  return buildBackupFromEncoded(encodeSnapshot(snapshot), backupKey, ownerKeys, version, previous, crypto);
}

/**
 * buildBackup from snapshot bytes that encodeSnapshot() produced (and so checked decode back): for a caller that has
 * them already (the parallel builder, when its workers fail). Same output as buildBackup.
 */
export function buildBackupFromEncoded(
  snapshotBytes: Uint8Array,
  backupKey: Uint8Array,
  ownerKeys: Pick<IdentityKeys, 'signSeed' | 'signPublic'>,
  version: number,
  previous?: BackupManifest,
  crypto: BackupCrypto = pureBackupCrypto,
): BuiltBackup {
  const prepared = padBackup(snapshotBytes, backupKey, ownerKeys, version, previous);
  const sealed = chunk(prepared.padded, prepared.keys.gear).map((piece) =>
    sealBackupChunk(prepared.keys, piece, crypto),
  );
  return assembleBackup(prepared, sealed, ownerKeys, crypto);
}

/**
 * The steps of buildBackupFromEncoded, for a platform that seals the chunks elsewhere (in parallel, off the main
 * thread: electron/core/crypto-native/parallel-build.ts): padBackup (or backupKeysFor, then a padded snapshot from
 * snapshot.ts encodeSnapshotPadded), then cut `padded` with `chunks()`, `chunk()` or a `Cutter` (chunker.ts) →
 * sealBackupChunk for every piece, in any order or place → assembleBackup with the results in piece order. The
 * output is byte-identical.
 */
export interface PreparedBackup {
  keys: BackupKeys;
  version: number;
  previous: BackupManifest | undefined;
  /** The padded snapshot, which the pieces cut from it cover in order. */
  padded: Uint8Array;
}

export interface SealedChunk {
  /** The chunk id, lowercase hex, as the manifest lists it. */
  id: string;
  /** The chunk as stored and sent (chunk-crypto.ts). */
  bytes: Uint8Array;
  /** SHA-256 of `bytes`, listed in the manifest. */
  digest: Uint8Array;
}

/** Checks the version, derives the keys and pads the snapshot (into memory from `allocate`, if given). */
export function padBackup(
  snapshotBytes: Uint8Array,
  backupKey: Uint8Array,
  ownerKeys: Pick<IdentityKeys, 'signPublic'>,
  version: number,
  previous?: BackupManifest,
  allocate?: (n: number) => Uint8Array,
): PreparedBackup {
  const keys = backupKeysFor(backupKey, ownerKeys, version, previous);
  return { keys, version, previous, padded: pad(snapshotBytes, allocate) };
}

/** The first step of a build: checks the version against `previous` and derives the keys. */
export function backupKeysFor(
  backupKey: Uint8Array,
  ownerKeys: Pick<IdentityKeys, 'signPublic'>,
  version: number,
  previous?: BackupManifest,
): BackupKeys {
  checkVersion(ownerKeys, version, previous);
  return deriveBackupKeys(backupKey);
}

/** `into`, if given: where the chunk goes (sealChunk). */
export function sealBackupChunk(
  keys: ChunkKeys,
  piece: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
  into?: Uint8Array,
): SealedChunk {
  const { id, bytes } = sealChunk(keys, piece, crypto, into);
  return { id: toHex(id), bytes, digest: crypto.sha256(bytes) };
}

/** `crypto`: whose Ed25519 signs the manifest (byte-identical either way). */
export function assembleBackup(
  prepared: PreparedBackup,
  sealed: readonly SealedChunk[],
  ownerKeys: Pick<IdentityKeys, 'signSeed' | 'signPublic'>,
  crypto: BackupCrypto = pureBackupCrypto,
): BuiltBackup {
  const covered = sealed.reduce((sum, s) => sum + s.bytes.length - CHUNK_OVERHEAD, 0);
  if (covered !== prepared.padded.length)
    throw new InvalidArgumentError(
      `The sealed chunks hold ${covered} bytes of the backup's ${prepared.padded.length}: some are missing.`,
    );
  const chunks = new Map<string, Uint8Array>();
  const refs: ChunkRef[] = [];
  for (const s of sealed) {
    chunks.set(s.id, s.bytes);
    refs.push({ id: s.id, length: s.bytes.length, digest: s.digest });
  }
  const info: BackupManifest = {
    bodyVersion: MANIFEST_VERSION,
    owner: Uint8Array.from(ownerKeys.signPublic),
    version: prepared.version,
    keyId: prepared.keys.keyId,
    size: prepared.padded.length,
    chunks: refs,
  };
  const manifest = signManifest(info, ownerKeys.signSeed, crypto.ed25519);
  const had = new Set(prepared.previous?.chunks.map((c) => c.id) ?? []);
  const newChunkIds = unique(refs.map((r) => r.id)).filter((id) => !had.has(id));
  return { manifest, info, chunks, newChunkIds };
}

/**
 * Whether two manifests hold the same padded snapshot: same key, same size, and the same chunk ids in order (an id
 * is a keyed hash of the chunk's plaintext, chunk-crypto.ts). For skipping a version that would change nothing.
 */
export function sameContent(a: BackupManifest, b: BackupManifest): boolean {
  return (
    equalBytes(a.keyId, b.keyId) &&
    a.size === b.size &&
    a.chunks.length === b.chunks.length &&
    a.chunks.every((c, i) => c.id === b.chunks[i]!.id)
  );
}

/** Ids (unique, in manifest order) of the chunks a holder lacks. */
export function missingChunks(manifest: BackupManifest, has: (id: string) => boolean): string[] {
  return unique(manifest.chunks.map((c) => c.id)).filter((id) => !has(id));
}

export type ChunkSource = (id: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/**
 * Verifies and decrypts a backup: manifest signature by `ownerSignPublic`, key id, every chunk (size, digest, a
 * format its manifest body can list, the id as authenticator, and for formats 1 and 2 the AEAD), padding and snapshot
 * format. Throws a typed error for any failure.
 */
export async function openBackup(
  manifestBytes: Uint8Array,
  getChunk: ChunkSource,
  backupKey: Uint8Array,
  ownerSignPublic: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
): Promise<Snapshot> {
  const manifest = verifyManifest(manifestBytes, ownerSignPublic);
  const keys = deriveBackupKeys(backupKey);
  if (!equalBytes(keys.keyId, manifest.keyId)) throw new WrongBackupKeyError();
  const padded = new Uint8Array(manifest.size);
  let offset = 0;
  for (const ref of manifest.chunks) {
    const bytes = await getChunk(ref.id);
    if (!bytes) throw new MissingChunkError(ref.id);
    if (!chunkMatchesManifest(ref, bytes, crypto))
      throw new MalformedDataError(`Backup chunk ${ref.id.slice(0, 12)}…`, 'does not match the manifest');
    // The body's sizes add up for its chunk formats only (manifest.ts): a chunk of another format would not fill
    // its place in `padded` exactly.
    if (!bodyListsFormat(manifest.bodyVersion, bytes[0]!))
      throw new MalformedDataError(
        `Backup chunk ${ref.id.slice(0, 12)}…`,
        'not of a format its manifest can list',
      );
    const pt = openChunk(keys, fromHex(ref.id), bytes, crypto);
    padded.set(pt, offset);
    offset += pt.length;
  }
  return decodeSnapshot(unpad(padded));
}

function checkVersion(
  ownerKeys: Pick<IdentityKeys, 'signPublic'>,
  version: number,
  previous: BackupManifest | undefined,
): void {
  if (!Number.isSafeInteger(version) || version < 1)
    throw new InvalidArgumentError('The backup version must be a whole number ≥ 1.');
  if (previous && version <= previous.version)
    throw new InvalidArgumentError(
      `The backup version must increase: the previous one is ${previous.version}, got ${version}.`,
    );
  if (previous && !equalBytes(previous.owner, ownerKeys.signPublic))
    throw new InvalidArgumentError('The previous manifest belongs to a different owner.');
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
