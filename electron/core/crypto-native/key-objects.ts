/**
 * Long-lived symmetric keys as node:crypto KeyObjects, made once per key. createCipheriv and createHmac import raw key
 * bytes on every call (~13 µs here against ~1.3 µs with a KeyObject), which over the thousands of chunks of a large
 * backup, or the thousands of 64 KiB Noise messages of a large transfer, cost more than a tenth of the cipher itself;
 * a KeyObject also beat hashing an HMAC key's pad blocks once and cloning them per chunk (docs/PERFORMANCE.md, "Bulk
 * encryption").
 *
 * Keyed by the key array itself, so a KeyObject lives exactly as long as the caller keeps that key; the same array
 * with different contents (a caller reusing a buffer, or zeroing it) gets a fresh KeyObject.
 */
import { createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

const keyObjects = new WeakMap<Uint8Array, { key: KeyObject; contents: string }>();

export function keyObjectOf(key: Uint8Array): KeyObject {
  const contents = Buffer.from(key.buffer, key.byteOffset, key.length).toString('base64');
  let entry = keyObjects.get(key);
  if (!entry || entry.contents !== contents) {
    entry = { key: createSecretKey(key), contents };
    keyObjects.set(key, entry);
  }
  return entry.key;
}
