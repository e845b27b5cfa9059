/**
 * Encrypted backup chunks. Deterministic, so unchanged chunks keep their id and bytes across versions (and dedupe).
 * docs/PROTOCOL.md §5.4 gives the construction, its references and its security argument.
 *
 * Format 2 (written): XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03) with its nonce derived from the plaintext by
 * HMAC-SHA256, the SIV method of Rogaway–Shrimpton ("deterministic authenticated encryption", EUROCRYPT 2006; its
 * AES instance is RFC 5297) over a published AEAD:
 *   id     = HMAC-SHA256(sivKey, plaintext)                                   (32 bytes; hex in the API)
 *   nonce  = id[0..24]
 *   aad    = "tessera/backup-chunk/v2" 0x00 || id
 *   chunk  = 0x02 || nonce || XChaCha20-Poly1305(chunkKey, nonce, aad, plaintext)
 * A nonce repeats only for an identical plaintext (which then yields identical bytes); distinct plaintexts share one
 * with probability ~ n² / 2^193 for n chunks under one key.
 *
 * Format 3 (opened, no longer written: a construction of our own, no published analysis to cite):
 *   id     = HMAC-SHA256(siv3Key, plaintext)
 *   chunk  = 0x03 || ChaCha20(streamKey, nonce = id[0..12], counter 0, plaintext)        (RFC 8439)
 *
 * Format 1 (opened, no longer written):
 *   id     = HMAC-SHA256(idKey, plaintext)
 *   nonce  = HMAC-SHA256(nonceKey, plaintext)[0..24]
 *   aad    = "tessera/backup-chunk/v1" 0x00 || id
 *   chunk  = 0x01 || nonce || XChaCha20-Poly1305(chunkKey, nonce, aad, plaintext)
 *
 * openChunk() checks the AEAD (formats 1 and 2) and then that the plaintext really hashes to the requested id (for
 * format 3 that check is the only authenticator).
 */
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from '../crypto/aead.ts';
import { STREAM_NONCE_BYTES } from '../crypto/stream.ts';
import { concatBytes, equalBytes, toHex, utf8 } from '../crypto/bytes.ts';
import { DecryptionError, MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import type { BackupKeys } from './backup-keys.ts';
import { pureBackupCrypto, type BackupCrypto } from './backup-crypto.ts';
import { CHUNK_MAX } from './chunker.ts';

/** The format sealChunk writes. */
export const CHUNK_FORMAT_VERSION = 2;
/** Bytes a chunk of format 1 or 2 adds to its plaintext: format byte, nonce, tag. */
export const CHUNK_OVERHEAD = 1 + AEAD_NONCE_BYTES + AEAD_TAG_BYTES;
/** Bytes a format-3 chunk adds to its plaintext (the format byte). */
export const FORMAT3_CHUNK_OVERHEAD = 1;
/** The largest chunk of any format (caps on messages that carry chunks). */
export const MAX_CHUNK_BYTES = CHUNK_MAX + CHUNK_OVERHEAD;
/** The smallest chunk of any format: a format-3 chunk of one byte. */
export const MIN_CHUNK_BYTES = FORMAT3_CHUNK_OVERHEAD + 1;
const AAD_PREFIX: Record<number, Uint8Array> = {
  1: utf8('tessera/backup-chunk/v1\0'),
  2: utf8('tessera/backup-chunk/v2\0'),
};

/** The keys that seal chunks (the rest of BackupKeys is for opening older formats, cutting and naming the backup). */
export type ChunkKeys = Pick<BackupKeys, 'chunkKey' | 'sivKey'>;

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
  if (!(id instanceof Uint8Array) || id.length !== 32)
    throw new MalformedDataError('A backup chunk id', 'not 32 bytes');
  const what = `backup chunk ${toHex(id).slice(0, 12)}`;
  if (!(bytes instanceof Uint8Array) || bytes.length < 1)
    throw new MalformedDataError(`The ${what}`, 'wrong size');
  const format = bytes[0]!;
  let pt: Uint8Array;
  if (format === 3) {
    if (bytes.length > CHUNK_MAX + FORMAT3_CHUNK_OVERHEAD)
      throw new MalformedDataError(`The ${what}`, 'wrong size');
    pt = crypto.streamXor(keys.streamKey, id.subarray(0, STREAM_NONCE_BYTES), bytes.subarray(1));
  } else {
    const aadPrefix = AAD_PREFIX[format];
    if (!aadPrefix) throw new UnsupportedFormatError(`The ${what}`, format);
    if (bytes.length > MAX_CHUNK_BYTES || bytes.length < CHUNK_OVERHEAD)
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
  // Formats 1 and 2: the binding of the plaintext to the id asked for; format 3: its only authenticator.
  if (!equalBytes(crypto.hmacSha256(idKeyOf(keys, format), pt), id)) throw new DecryptionError(what);
  return pt;
}
