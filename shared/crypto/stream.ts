/**
 * ChaCha20 (RFC 8439: 32-byte key, 12-byte nonce, block counter from 0) as a plain stream cipher, for opening backup
 * chunks of format 3 (formats/chunk-crypto.ts; no longer written), whose only authenticator is the HMAC chunk id.
 * The same call encrypts and decrypts.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { InvalidArgumentError } from './errors.ts';
import { sealOutput } from './aead.ts';

export const STREAM_KEY_BYTES = 32;
export const STREAM_NONCE_BYTES = 12;

/** Checks the key and nonce sizes every provider of streamXor requires. */
export function checkStreamArgs(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== STREAM_KEY_BYTES || nonce.length !== STREAM_NONCE_BYTES)
    throw new InvalidArgumentError('A ChaCha20 key must be 32 bytes and its nonce 12 bytes.');
}

/**
 * `input` XOR the ChaCha20 key stream, after `headroom` bytes left for the caller's header: in a new zeroed array, or
 * in `into` (exactly headroom + input bytes), which is returned.
 */
export function streamXor(
  key: Uint8Array,
  nonce: Uint8Array,
  input: Uint8Array,
  headroom = 0,
  into?: Uint8Array,
): Uint8Array {
  checkStreamArgs(key, nonce);
  const out = sealOutput(headroom + input.length, into);
  chacha20(key, nonce, input, out.subarray(headroom));
  return out;
}
