import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a random 96-bit nonce. Sealed layout: version (1 byte) || nonce (12) || ciphertext || tag (16).
 * The associated data binds a ciphertext to where it is stored (see `rowAd`).
 */
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Thrown when a sealed blob does not authenticate; callers turn it into a specific TesseraError. */
export class OpenFailedError extends Error {
  constructor() {
    super('AEAD authentication failed');
    this.name = 'OpenFailedError';
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new Error(`AEAD key must be ${KEY_BYTES} bytes`);
}

export function seal(key: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
}

export function open(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Buffer {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD || sealed[0] !== VERSION) throw new OpenFailedError();
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(ad);
  decipher.setAuthTag(tag);
  try {
    const plaintext = decipher.update(body);
    // GCM's final() only checks the tag (it returns no bytes): the plaintext is not copied again (a 1 MiB file is
    // opened for every backup build).
    const rest = decipher.final();
    return rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]);
  } catch {
    throw new OpenFailedError();
  }
}

/** Associated data for a row: `tessera/v1/<table>/<id>`, so a blob cannot be moved to another row or table. */
export function rowAd(table: string, id: string): Buffer {
  if (table.includes('/')) throw new Error(`Bad table name ${table}`);
  return Buffer.from(`tessera/v1/${table}/${id}`, 'utf8');
}
