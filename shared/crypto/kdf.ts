/** HKDF-SHA256 and HMAC-SHA256 with Tessera's labelling convention (labels are listed in docs/PROTOCOL.md). */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from './bytes.ts';

/** HKDF-SHA256(ikm, salt, info = UTF-8(label), length). An absent salt is the empty string (RFC 5869: 32 zeros). */
export function deriveKey(ikm: Uint8Array, label: string, length = 32, salt?: Uint8Array): Uint8Array {
  return hkdf(sha256, ikm, salt, utf8(label), length);
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message);
}

export { sha256 };
