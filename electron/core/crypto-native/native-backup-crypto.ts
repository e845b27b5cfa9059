/**
 * Byte-identical, faster backup primitives from node:crypto (OpenSSL), injected into the shared backup format
 * (shared/formats/backup-crypto.ts) on the Node side only.
 *
 * Chunks are sealed (format 2) and opened (formats 1 and 2) with XChaCha20-Poly1305: node:crypto has IETF
 * ChaCha20-Poly1305 (12-byte nonce) but not XChaCha20-Poly1305, which is defined on top of it
 * (draft-irtf-cfrg-xchacha-03 §2.3):
 *
 *   subkey = HChaCha20(key, nonce[0..16])
 *   XChaCha20-Poly1305(key, nonce, aad, pt) = ChaCha20-Poly1305(subkey, 0x00000000 || nonce[16..24], aad, pt)
 *
 * HChaCha20 is one ChaCha block (the @noble implementation, a small cost per chunk); the bulk cipher and Poly1305 run
 * in OpenSSL. Chunks of format 3 (no longer written) are opened with OpenSSL's `chacha20`. HMAC-SHA256, SHA-256
 * (SHA-NI where the CPU has it) and Ed25519 come straight from OpenSSL. Where node:crypto has no ChaCha (Electron's
 * BoringSSL, native-chacha.ts), the ciphers are @noble's and the rest stays native. Equality with the pure provider,
 * the draft's test vectors and tests/vectors is checked, for both variants, by
 * tests/unit/perf/native-backup-crypto.test.ts.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  hash,
  sign,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import type { BackupCrypto } from '../../../shared/formats/backup-crypto.ts';
import type { Ed25519 } from '../../../shared/crypto/sign.ts';
import { DecryptionError, InvalidArgumentError } from '../../../shared/crypto/errors.ts';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, sealOutput } from '../../../shared/crypto/aead.ts';
import { checkStreamArgs } from '../../../shared/crypto/stream.ts';
import { pureBackupCrypto } from '../../../shared/formats/backup-crypto.ts';
import { keyObjectOf } from './key-objects.ts';
import { NATIVE_CHACHA } from './native-chacha.ts';

/** "expand 32-byte k" as little-endian words. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/** Scratch for xchachaToIetf, zeroed after each use: createSecretKey and createCipheriv copy what they are given. */
const keyWords = new Uint32Array(8);
const nonceWords = new Uint32Array(4);
const subkeyWords = new Uint32Array(8);
const subkeyBytes = new Uint8Array(32);

function readLeWords(bytes: Uint8Array, into: Uint32Array): void {
  for (let i = 0; i < into.length; i++) {
    const j = 4 * i;
    into[i] = (bytes[j]! | (bytes[j + 1]! << 8) | (bytes[j + 2]! << 16) | (bytes[j + 3]! << 24)) >>> 0;
  }
}

/**
 * HChaCha20(key, nonce[0..16]) → the 32-byte subkey, as a KeyObject, and the 12-byte IETF nonce
 * 0x00000000 || nonce[16..24]. A KeyObject because createCipheriv imports a raw key slowly, and createSecretKey then
 * createCipheriv with the KeyObject cost less together (docs/PERFORMANCE.md, "Bulk encryption"). The words go through
 * scratch arrays, not new ones per chunk.
 */
function xchachaToIetf(key: Uint8Array, nonce: Uint8Array): { subkey: KeyObject; iv: Buffer } {
  readLeWords(key, keyWords);
  readLeWords(nonce, nonceWords);
  hchacha(SIGMA, keyWords, nonceWords, subkeyWords);
  for (let i = 0; i < 8; i++) {
    const w = subkeyWords[i]!;
    subkeyBytes[4 * i] = w;
    subkeyBytes[4 * i + 1] = w >>> 8;
    subkeyBytes[4 * i + 2] = w >>> 16;
    subkeyBytes[4 * i + 3] = w >>> 24;
  }
  // The KeyObject's copy of the subkey lives until it is collected, as the cipher's own copy of a raw key did.
  const subkey = createSecretKey(subkeyBytes);
  keyWords.fill(0);
  subkeyWords.fill(0);
  subkeyBytes.fill(0);
  const iv = Buffer.alloc(12);
  iv.set(nonce.subarray(16, 24), 4);
  return { subkey, iv };
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): boolean {
  return key.length === AEAD_KEY_BYTES && nonce.length === AEAD_NONCE_BYTES;
}

export function nativeXChaChaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  headroom = 0,
  into?: Uint8Array,
): Uint8Array {
  if (!checkSizes(key, nonce))
    throw new InvalidArgumentError('AEAD key must be 32 bytes and nonce 24 bytes.');
  const { subkey, iv } = xchachaToIetf(key, nonce);
  const cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: AEAD_TAG_BYTES });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const out = sealOutput(headroom + plaintext.length + AEAD_TAG_BYTES, into);
  const body = cipher.update(plaintext);
  out.set(body, headroom);
  const tail = cipher.final();
  out.set(tail, headroom + body.length);
  if (body.length + tail.length !== plaintext.length)
    throw new Error('ChaCha20-Poly1305 output has the wrong length.');
  out.set(cipher.getAuthTag(), headroom + plaintext.length);
  return out;
}

export function nativeXChaChaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  what: string,
): Uint8Array {
  if (!checkSizes(key, nonce) || ciphertext.length < AEAD_TAG_BYTES) throw new DecryptionError(what);
  const { subkey, iv } = xchachaToIetf(key, nonce);
  const n = ciphertext.length - AEAD_TAG_BYTES;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: AEAD_TAG_BYTES });
    decipher.setAuthTag(ciphertext.subarray(n));
    decipher.setAAD(aad, { plaintextLength: n });
    const out = new Uint8Array(n);
    const body = decipher.update(ciphertext.subarray(0, n));
    out.set(body, 0);
    out.set(decipher.final(), body.length);
    return out;
  } catch {
    throw new DecryptionError(what);
  }
}

/**
 * ChaCha20 from OpenSSL, for opening chunks of format 3: its 16-byte IV is the block counter (32-bit little-endian,
 * here 0) followed by the RFC 8439 nonce.
 */
export function nativeChaCha20Xor(
  key: Uint8Array,
  nonce: Uint8Array,
  input: Uint8Array,
  headroom = 0,
  into?: Uint8Array,
): Uint8Array {
  checkStreamArgs(key, nonce);
  const iv = Buffer.alloc(16);
  iv.set(nonce, 4);
  const cipher = createCipheriv('chacha20', keyObjectOf(key), iv);
  const out = sealOutput(headroom + input.length, into);
  const body = cipher.update(input);
  out.set(body, headroom);
  const tail = cipher.final();
  out.set(tail, headroom + body.length);
  if (body.length + tail.length !== input.length) throw new Error('ChaCha20 output has the wrong length.');
  return out;
}

export function nativeHmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const digest = createHmac('sha256', keyObjectOf(key)).update(message).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

export function nativeSha256(message: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', message, 'buffer'));
}

/**
 * Ed25519 from OpenSSL: a manifest listing the thousands of chunks of a large backup is most of a megabyte, which
 * OpenSSL signs and checks several times faster than @noble (docs/PERFORMANCE.md, "Fan-out"). The keys go in as
 * DER: PKCS #8 around the 32-byte seed, SPKI around the public key (RFC 8410). The private KeyObject's copy of the
 * seed lives until it is collected.
 */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const nativeEd25519: Ed25519 = {
  sign(message, signSeed) {
    if (signSeed.length !== 32) throw new InvalidArgumentError('An Ed25519 seed must be 32 bytes.');
    const der = Buffer.concat([PKCS8_ED25519_PREFIX, signSeed]);
    try {
      const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      const signature = sign(null, message, key);
      return new Uint8Array(signature.buffer, signature.byteOffset, signature.length);
    } finally {
      der.fill(0);
    }
  },
  verify(signature, message, signPublic) {
    if (signature.length !== 64 || signPublic.length !== 32) return false;
    try {
      const key = createPublicKey({
        key: Buffer.concat([SPKI_ED25519_PREFIX, signPublic]),
        format: 'der',
        type: 'spki',
      });
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

/**
 * The provider for a node:crypto with ChaCha (Node's OpenSSL) or without it (Electron's BoringSSL, native-chacha.ts):
 * without it, the ciphers are @noble's, byte-identical and slower, and HMAC, SHA-256 and Ed25519 stay native.
 */
export function nativeBackupCryptoFor(nativeChaCha: boolean): BackupCrypto {
  const common = { hmacSha256: nativeHmacSha256, sha256: nativeSha256, ed25519: nativeEd25519 };
  return nativeChaCha
    ? {
        name: 'native (node:crypto)',
        ...common,
        aeadSeal: nativeXChaChaSeal,
        streamXor: nativeChaCha20Xor,
        aeadOpen: nativeXChaChaOpen,
      }
    : {
        name: 'native (node:crypto, ChaCha from @noble)',
        ...common,
        aeadSeal: pureBackupCrypto.aeadSeal,
        streamXor: pureBackupCrypto.streamXor,
        aeadOpen: pureBackupCrypto.aeadOpen,
      };
}

export const nativeBackupCrypto: BackupCrypto = nativeBackupCryptoFor(NATIVE_CHACHA);
