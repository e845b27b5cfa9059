/**
 * XChaCha20-Poly1305 AEAD (24-byte nonce, 16-byte tag). `aeadOpen` throws DecryptionError for any failure, including
 * wrong lengths, so callers never see a library exception.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concatBytes } from './bytes.ts';
import { DecryptionError, InvalidArgumentError } from './errors.ts';
import { takeRandom, type RandomSource } from './random.ts';

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;

/**
 * ciphertext || tag after `headroom` bytes left for the caller's header (so a framed result costs no second copy of
 * the ciphertext): in a new zeroed array, or in `into` (exactly headroom + plaintext + tag bytes), which is returned.
 */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  headroom = 0,
  into?: Uint8Array,
): Uint8Array {
  if (key.length !== AEAD_KEY_BYTES || nonce.length !== AEAD_NONCE_BYTES)
    throw new InvalidArgumentError('AEAD key must be 32 bytes and nonce 24 bytes.');
  const out = sealOutput(headroom + plaintext.length + AEAD_TAG_BYTES, into);
  xchacha20poly1305(key, nonce, aad).encrypt(plaintext, out.subarray(headroom));
  return out;
}

/** `into` checked to be exactly `length` bytes, or a new zeroed array of that length. */
export function sealOutput(length: number, into: Uint8Array | undefined): Uint8Array {
  if (into === undefined) return new Uint8Array(length);
  if (into.length !== length)
    throw new InvalidArgumentError(`The output needs exactly ${length} bytes, got ${into.length}.`);
  return into;
}

export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  what: string,
): Uint8Array {
  if (
    key.length !== AEAD_KEY_BYTES ||
    nonce.length !== AEAD_NONCE_BYTES ||
    ciphertext.length < AEAD_TAG_BYTES
  )
    throw new DecryptionError(what);
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    throw new DecryptionError(what);
  }
}

/** nonce(24, random) || ciphertext — for data encrypted once under a long-lived key. */
export function aeadSealRandomNonce(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  random: RandomSource,
): Uint8Array {
  const nonce = takeRandom(random, AEAD_NONCE_BYTES);
  return concatBytes(nonce, aeadSeal(key, nonce, plaintext, aad));
}

export function aeadOpenRandomNonce(
  key: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  what: string,
): Uint8Array {
  if (sealed.length < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) throw new DecryptionError(what);
  return aeadOpen(key, sealed.subarray(0, AEAD_NONCE_BYTES), sealed.subarray(AEAD_NONCE_BYTES), aad, what);
}
