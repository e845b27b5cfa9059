/**
 * Sealed box to an X25519 public key (anonymous sender; authenticity comes from a signature inside the payload).
 *
 *   eph            = 32 random bytes, ephPub = X25519(eph, 9)
 *   shared         = X25519(eph, recipientPub)                 (all-zero result rejected)
 *   okm            = HKDF-SHA256(ikm = shared, salt = ephPub || recipientPub,
 *                                info = "tessera/sealed-box/v1" 0x00 || context, L = 56)
 *   key, nonce     = okm[0..32], okm[32..56]
 *   sealed         = 0x01 || ephPub || XChaCha20-Poly1305(key, nonce, aad = ephPub || recipientPub, plaintext)
 *
 * Both public keys are bound by the KDF salt and the AAD; `context` separates uses (e.g. shard envelopes).
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { aeadOpen, aeadSeal, AEAD_TAG_BYTES } from './aead.ts';
import { concatBytes } from './bytes.ts';
import { DecryptionError, InvalidArgumentError, UnsupportedFormatError } from './errors.ts';
import { deriveKey } from './kdf.ts';
import { systemRandom, takeRandom, type RandomSource } from './random.ts';

export const SEALED_BOX_VERSION = 1;
export const SEALED_BOX_OVERHEAD = 1 + 32 + AEAD_TAG_BYTES;

function boxKeys(shared: Uint8Array, ephPub: Uint8Array, recipientPub: Uint8Array, context: string) {
  const okm = deriveKey(shared, `tessera/sealed-box/v1\0${context}`, 56, concatBytes(ephPub, recipientPub));
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 56) };
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

export function sealTo(
  recipientBoxPublic: Uint8Array,
  plaintext: Uint8Array,
  context: string,
  random: RandomSource = systemRandom,
): Uint8Array {
  if (recipientBoxPublic.length !== 32)
    throw new InvalidArgumentError('Recipient X25519 key must be 32 bytes.');
  const eph = takeRandom(random, 32);
  const ephPub = x25519.getPublicKey(eph);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(eph, recipientBoxPublic);
  } catch {
    throw new InvalidArgumentError('Recipient X25519 key is not a usable public key.');
  }
  if (isAllZero(shared)) throw new InvalidArgumentError('Recipient X25519 key is a low-order point.');
  const { key, nonce } = boxKeys(shared, ephPub, recipientBoxPublic, context);
  const aad = concatBytes(ephPub, recipientBoxPublic);
  return concatBytes(new Uint8Array([SEALED_BOX_VERSION]), ephPub, aeadSeal(key, nonce, plaintext, aad));
}

/** Opens a sealed box with the recipient's key pair. Throws DecryptionError/UnsupportedFormatError, never crashes. */
export function openSealed(
  boxSecret: Uint8Array,
  boxPublic: Uint8Array,
  sealed: Uint8Array,
  context: string,
  what = 'the sealed message',
): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEALED_BOX_OVERHEAD) throw new DecryptionError(what);
  if (sealed[0] !== SEALED_BOX_VERSION) throw new UnsupportedFormatError(what, sealed[0]);
  const ephPub = sealed.subarray(1, 33);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(boxSecret, ephPub);
  } catch {
    throw new DecryptionError(what);
  }
  if (isAllZero(shared)) throw new DecryptionError(what);
  const { key, nonce } = boxKeys(shared, ephPub, boxPublic, context);
  return aeadOpen(key, nonce, sealed.subarray(33), concatBytes(ephPub, boxPublic), what);
}
