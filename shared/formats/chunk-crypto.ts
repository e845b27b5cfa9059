/**
 * Encrypted backup chunks. Deterministic (SIV-style) so unchanged chunks keep their id and bytes across versions.
 *
 * Format 2 (written):
 *   id     = HMAC-SHA256(sivKey, plaintext)                                   (32 bytes; hex in the API)
 *   nonce  = id[0..24]
 *   aad    = "tessera/backup-chunk/v2" 0x00 || id
 *   chunk  = 0x02 || nonce || XChaCha20-Poly1305(chunkKey, nonce, aad, plaintext)
 *
 * Format 1 (opened, no longer written; its two HMACs of every plaintext made one more pass over the backup):
 *   id     = HMAC-SHA256(idKey, plaintext)
 *   nonce  = HMAC-SHA256(nonceKey, plaintext)[0..24]
 *   aad    = "tessera/backup-chunk/v1" 0x00 || id
 *   chunk  = 0x01 || nonce || XChaCha20-Poly1305(chunkKey, nonce, aad, plaintext)
 *
 * A nonce repeats only for an identical plaintext (which then yields identical bytes); the nonce is public either
 * way (it is in the chunk). openChunk() checks the AEAD and then that the plaintext really hashes to the requested id.
 */
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from '../crypto/aead.ts';
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts';
import { DecryptionError, MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import type { BackupKeys } from './backup-keys.ts';
import { pureBackupCrypto, type BackupCrypto } from './backup-crypto.ts';
import { CHUNK_MAX } from './chunker.ts';

/** The format sealChunk writes. */
export const CHUNK_FORMAT_VERSION = 2;
export const CHUNK_OVERHEAD = 1 + AEAD_NONCE_BYTES + AEAD_TAG_BYTES;
export const MAX_CHUNK_BYTES = CHUNK_MAX + CHUNK_OVERHEAD;
const AAD_PREFIX: Record<number, Uint8Array> = {
  1: utf8('tessera/backup-chunk/v1\0'),
  2: utf8('tessera/backup-chunk/v2\0'),
};

/** The keys that seal chunks (the rest of BackupKeys is for opening format 1, cutting and naming the backup). */
export type ChunkKeys = Pick<BackupKeys, 'chunkKey' | 'sivKey'>;

/** The id a chunk of `plaintext` has in `format`. */
function chunkId(
  keys: Pick<BackupKeys, 'sivKey' | 'idKey'>,
  plaintext: Uint8Array,
  format: number,
  crypto: BackupCrypto,
): Uint8Array {
  return crypto.hmacSha256(format === 1 ? keys.idKey : keys.sivKey, plaintext);
}

/** The chunk, in a new array or in `into` (exactly CHUNK_OVERHEAD + plaintext bytes: a slice of a batch's buffer). */
export function sealChunk(
  keys: ChunkKeys,
  plaintext: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
  into?: Uint8Array,
): { id: Uint8Array; bytes: Uint8Array } {
  const id = crypto.hmacSha256(keys.sivKey, plaintext);
  const nonce = id.subarray(0, AEAD_NONCE_BYTES);
  // The AEAD writes after room for the header, so the chunk's bytes are not copied again.
  const bytes = crypto.aeadSeal(
    keys.chunkKey,
    nonce,
    plaintext,
    concatBytes(AAD_PREFIX[CHUNK_FORMAT_VERSION]!, id),
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
  const format = bytes[0]!;
  const aadPrefix = AAD_PREFIX[format];
  if (!aadPrefix) throw new UnsupportedFormatError(`The ${what}`, format);
  const nonce = bytes.subarray(1, 1 + AEAD_NONCE_BYTES);
  if (format === 2 && !equalBytes(nonce, id.subarray(0, AEAD_NONCE_BYTES))) throw new DecryptionError(what);
  const pt = crypto.aeadOpen(
    keys.chunkKey,
    nonce,
    bytes.subarray(1 + AEAD_NONCE_BYTES),
    concatBytes(aadPrefix, id),
    what,
  );
  if (!equalBytes(chunkId(keys, pt, format, crypto), id)) throw new DecryptionError(what);
  return pt;
}
