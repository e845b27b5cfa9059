/**
 * Encrypted backup chunks. Deterministic (SIV-style) so unchanged chunks keep their id and bytes across versions:
 *
 *   id     = HMAC-SHA256(idKey, plaintext)                                   (32 bytes; hex in the API)
 *   nonce  = HMAC-SHA256(nonceKey, plaintext)[0..24]
 *   aad    = "tessera/backup-chunk/v1" 0x00 || id
 *   chunk  = 0x01 || nonce || XChaCha20-Poly1305(chunkKey, nonce, aad, plaintext)
 *
 * A nonce repeats only for an identical plaintext (which then yields identical bytes). openChunk() checks the AEAD
 * and then that the plaintext really hashes to the requested id.
 */
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from '../crypto/aead.ts';
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts';
import { DecryptionError, MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import type { BackupKeys } from './backup-keys.ts';
import { pureBackupCrypto, type BackupCrypto } from './backup-crypto.ts';
import { CHUNK_MAX } from './chunker.ts';

export const CHUNK_FORMAT_VERSION = 1;
export const CHUNK_OVERHEAD = 1 + AEAD_NONCE_BYTES + AEAD_TAG_BYTES;
export const MAX_CHUNK_BYTES = CHUNK_MAX + CHUNK_OVERHEAD;
const AAD_PREFIX = utf8('tessera/backup-chunk/v1\0');

/** The keys that seal and open chunks (the rest of BackupKeys is for cutting and naming the backup). */
export type ChunkKeys = Pick<BackupKeys, 'chunkKey' | 'idKey' | 'nonceKey'>;

export function chunkId(
  keys: Pick<BackupKeys, 'idKey'>,
  plaintext: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
): Uint8Array {
  return crypto.hmacSha256(keys.idKey, plaintext);
}

/** The chunk, in a new array or in `into` (exactly CHUNK_OVERHEAD + plaintext bytes: a slice of a batch's buffer). */
export function sealChunk(
  keys: ChunkKeys,
  plaintext: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
  into?: Uint8Array,
): { id: Uint8Array; bytes: Uint8Array } {
  const id = chunkId(keys, plaintext, crypto);
  const nonce = crypto.hmacSha256(keys.nonceKey, plaintext).subarray(0, AEAD_NONCE_BYTES);
  // The AEAD writes after room for the header, so the chunk's bytes are not copied again.
  const bytes = crypto.aeadSeal(
    keys.chunkKey,
    nonce,
    plaintext,
    concatBytes(AAD_PREFIX, id),
    1 + AEAD_NONCE_BYTES,
    into,
  );
  bytes[0] = CHUNK_FORMAT_VERSION;
  bytes.set(nonce, 1);
  return { id, bytes };
}

export function openChunk(
  keys: BackupKeys,
  id: Uint8Array,
  bytes: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
): Uint8Array {
  const what = `backup chunk ${toHex(id).slice(0, 12)}`;
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_CHUNK_BYTES || bytes.length < CHUNK_OVERHEAD)
    throw new MalformedDataError(`The ${what}`, 'wrong size');
  if (bytes[0] !== CHUNK_FORMAT_VERSION) throw new UnsupportedFormatError(`The ${what}`, bytes[0]);
  const nonce = bytes.subarray(1, 1 + AEAD_NONCE_BYTES);
  const pt = crypto.aeadOpen(
    keys.chunkKey,
    nonce,
    bytes.subarray(1 + AEAD_NONCE_BYTES),
    concatBytes(AAD_PREFIX, id),
    what,
  );
  if (!equalBytes(chunkId(keys, pt, crypto), id)) throw new DecryptionError(what);
  return pt;
}
