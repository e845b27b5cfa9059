import { randomBytes } from 'node:crypto';
import { WrongPassphraseError } from '../../../shared/errors.ts';
import { OpenFailedError, open, seal } from './aead.ts';
import { KdfParamsError } from './errors.ts';
import { SALT_BYTES, checkScryptParams, deriveKey } from './kdf.ts';
import type { ScryptParams } from './kdf.ts';

export const WRAP_FORMAT = 1;

/** The vault key wrapped by a passphrase, with everything needed to unwrap it (stored in the `vault` row). */
export interface PassphraseWrap {
  format: number;
  kdf: 'scrypt';
  params: ScryptParams;
  salt: Buffer;
  wrapped: Buffer;
}

function wrapAd(format: number, params: ScryptParams): Buffer {
  return Buffer.from(`tessera/v${format}/vault-key/scrypt/${params.logN}/${params.r}/${params.p}`, 'utf8');
}

export async function wrapWithPassphrase(
  vaultKey: Uint8Array,
  passphrase: string,
  params: ScryptParams,
): Promise<PassphraseWrap> {
  const salt = randomBytes(SALT_BYTES);
  const kek = await deriveKey(passphrase, salt, params);
  try {
    const wrapped = seal(kek, vaultKey, wrapAd(WRAP_FORMAT, params));
    return { format: WRAP_FORMAT, kdf: 'scrypt', params: { ...params }, salt, wrapped };
  } finally {
    kek.fill(0);
  }
}

/** Checks the stored parameters (floor and ceiling) before running the KDF; a wrong passphrase changes nothing. */
export async function unwrapWithPassphrase(wrap: PassphraseWrap, passphrase: string): Promise<Buffer> {
  if (wrap.format !== WRAP_FORMAT || wrap.kdf !== 'scrypt')
    throw new KdfParamsError(`format ${wrap.format} with ${wrap.kdf}`);
  checkScryptParams(wrap.params);
  if (wrap.salt.length < SALT_BYTES || wrap.salt.length > 64) throw new KdfParamsError('bad salt length');
  const kek = await deriveKey(passphrase, wrap.salt, wrap.params);
  try {
    return open(kek, wrap.wrapped, wrapAd(wrap.format, wrap.params));
  } catch (err) {
    if (err instanceof OpenFailedError) throw new WrongPassphraseError();
    throw err;
  } finally {
    kek.fill(0);
  }
}
