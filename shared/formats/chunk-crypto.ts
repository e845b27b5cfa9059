/**
 * Encrypted backup chunks. Deterministic (SIV) so unchanged chunks keep their id and bytes across versions.
 *
 * Format 3 (written): SIV composition (Rogaway–Shrimpton, "deterministic authenticated encryption"). The id, a PRF
 * of the plaintext, is the synthetic IV and the authenticator: the opener always knows it (the manifest lists it),
 * so the chunk carries neither a nonce nor a Poly1305 tag.
 *   id     = HMAC-SHA256(siv3Key, plaintext)                                  (32 bytes; hex in the API)
 *   chunk  = 0x03 || ChaCha20(streamKey, nonce = id[0..12], counter 0, plaintext)        (RFC 8439)
 * Opening decrypts with id[0..12] and checks HMAC(siv3Key, plaintext) = id. A nonce repeats only for an identical
 * plaintext (which then yields identical bytes); distinct plaintexts share one with probability ~ n² / 2^97 for n
 * chunks under one key. The keys are new to format 3 (backup-keys.ts), so its ids never equal an older format's.
 *
 * Format 2 (opened, no longer written: its Poly1305 pass and per-chunk XChaCha subkey cost ~30 % of sealing):
 *   id     = HMAC-SHA256(sivKey, plaintext)
 *   nonce  = id[0..24]
 *   aad    = "tessera/backup-chunk/v2" 0x00 || id
 *   chunk  = 0x02 || nonce || XChaCha20-Poly1305(chunkKey, nonce, aad, plaintext)
 *
 * Format 1 (opened, no longer written):
 *   id     = HMAC-SHA256(idKey, plaintext)
 *   nonce  = HMAC-SHA256(nonceKey, plaintext)[0..24]
 *   aad    = "tessera/backup-chunk/v1" 0x00 || id
 *   chunk  = 0x01 || nonce || XChaCha20-Poly1305(chunkKey, nonce, aad, plaintext)
 *
 * openChunk() checks the AEAD (formats 1 and 2) and then that the plaintext really hashes to the requested id.
 */
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from '../crypto/aead.ts';
import { STREAM_NONCE_BYTES } from '../crypto/stream.ts';
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts';
import { DecryptionError, MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import type { BackupKeys } from './backup-keys.ts';
import { pureBackupCrypto, type BackupCrypto } from './backup-crypto.ts';
import { CHUNK_MAX } from './chunker.ts';

/** The format sealChunk writes. */
export const CHUNK_FORMAT_VERSION = 3;
/** Bytes a format-3 chunk adds to its plaintext (the format byte). */
export const CHUNK_OVERHEAD = 1;
/** Bytes a format-1 or format-2 chunk adds: format byte, nonce, tag. */
export const LEGACY_CHUNK_OVERHEAD = 1 + AEAD_NONCE_BYTES + AEAD_TAG_BYTES;
/** The largest chunk of any format (caps on messages that carry chunks). */
export const MAX_CHUNK_BYTES = CHUNK_MAX + LEGACY_CHUNK_OVERHEAD;
const AAD_PREFIX: Record<number, Uint8Array> = {
  1: utf8('tessera/backup-chunk/v1\0'),
  2: utf8('tessera/backup-chunk/v2\0'),
};

/** The keys that seal chunks (the rest of BackupKeys is for opening older formats, cutting and naming the backup). */
export type ChunkKeys = Pick<BackupKeys, 'streamKey' | 'siv3Key'>;

/** The key of a format's chunk ids. */
function idKeyOf(keys: BackupKeys, format: number): Uint8Array {
  return format === 1 ? keys.idKey : format === 2 ? keys.sivKey : keys.siv3Key;
}

/** The chunk, in a new array or in `into` (exactly CHUNK_OVERHEAD + plaintext bytes: a slice of a batch's buffer). */
export function sealChunk(
  keys: ChunkKeys,
  plaintext: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
  into?: Uint8Array,
): { id: Uint8Array; bytes: Uint8Array } {
  const id = crypto.hmacSha256(keys.siv3Key, plaintext);
  // The cipher writes after room for the format byte, so the chunk's bytes are not copied again.
  const bytes = crypto.streamXor(keys.streamKey, id.subarray(0, STREAM_NONCE_BYTES), plaintext, 1, into);
  bytes[0] = CHUNK_FORMAT_VERSION;
  return { id, bytes };
}

export function openChunk(
  keys: BackupKeys,
  id: Uint8Array,
  bytes: Uint8Array,
  crypto: BackupCrypto = pureBackupCrypto,
): Uint8Array {
  if (!(id instanceof Uint8Array) || id.length !== 32)
    throw new MalformedDataError('A backup chunk id', 'not 32 bytes');
  const what = `backup chunk ${toHex(id).slice(0, 12)}`;
  if (!(bytes instanceof Uint8Array) || bytes.length < 1)
    throw new MalformedDataError(`The ${what}`, 'wrong size');
  const format = bytes[0]!;
  let pt: Uint8Array;
  if (format === CHUNK_FORMAT_VERSION) {
    if (bytes.length > CHUNK_MAX + CHUNK_OVERHEAD) throw new MalformedDataError(`The ${what}`, 'wrong size');
    pt = crypto.streamXor(keys.streamKey, id.subarray(0, STREAM_NONCE_BYTES), bytes.subarray(1));
  } else {
    const aadPrefix = AAD_PREFIX[format];
    if (!aadPrefix) throw new UnsupportedFormatError(`The ${what}`, format);
    if (bytes.length > MAX_CHUNK_BYTES || bytes.length < LEGACY_CHUNK_OVERHEAD)
      throw new MalformedDataError(`The ${what}`, 'wrong size');
    const nonce = bytes.subarray(1, 1 + AEAD_NONCE_BYTES);
    if (format === 2 && !equalBytes(nonce, id.subarray(0, AEAD_NONCE_BYTES))) throw new DecryptionError(what);
    pt = crypto.aeadOpen(
      keys.chunkKey,
      nonce,
      bytes.subarray(1 + AEAD_NONCE_BYTES),
      concatBytes(aadPrefix, id),
      what,
    );
  }
  // Format 3's only authenticator, and formats 1 and 2's binding of the plaintext to the id asked for.
  if (!equalBytes(crypto.hmacSha256(idKeyOf(keys, format), pt), id)) throw new DecryptionError(what);
  return pt;
}
