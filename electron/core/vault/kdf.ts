import { scrypt } from 'node:crypto';
import { KdfParamsError } from './errors.ts';

/** scrypt cost parameters, stored beside the wrapped key. N = 2^logN. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { logN: 17, r: 8, p: 1 };
/** Weakest parameters accepted on read (and what TESSERA_INSECURE_FAST_KDF=1 uses). */
export const FLOOR_SCRYPT: ScryptParams = { logN: 14, r: 8, p: 1 };
/** Anything beyond these is refused on read as absurd (it would stall or exhaust memory). */
export const CEILING = { logN: 20, r: 16, p: 4, memoryBytes: 1024 * 1024 * 1024 } as const;

export const SALT_BYTES = 16;
export const DERIVED_KEY_BYTES = 32;
export const FAST_KDF_ENV = 'TESSERA_INSECURE_FAST_KDF';

function memoryOf(params: ScryptParams): number {
  return 128 * 2 ** params.logN * params.r;
}

/** Refuses parameters below the floor or above the ceiling, with the reason. */
export function checkScryptParams(params: ScryptParams): void {
  const { logN, r, p } = params;
  if (![logN, r, p].every(Number.isSafeInteger)) throw new KdfParamsError('non-integer parameters');
  if (logN < FLOOR_SCRYPT.logN)
    throw new KdfParamsError(`N=2^${logN} is below the floor 2^${FLOOR_SCRYPT.logN}`);
  if (logN > CEILING.logN) throw new KdfParamsError(`N=2^${logN} is above the ceiling 2^${CEILING.logN}`);
  if (r < FLOOR_SCRYPT.r || r > CEILING.r)
    throw new KdfParamsError(`r=${r} is outside ${FLOOR_SCRYPT.r}..${CEILING.r}`);
  if (p < FLOOR_SCRYPT.p || p > CEILING.p)
    throw new KdfParamsError(`p=${p} is outside ${FLOOR_SCRYPT.p}..${CEILING.p}`);
  if (memoryOf(params) > CEILING.memoryBytes)
    throw new KdfParamsError('they would need more than 1 GiB of memory');
}

let warnedFast = false;

/**
 * Parameters for a newly wrapped key: the default N=2^17, unless the environment explicitly sets
 * TESSERA_INSECURE_FAST_KDF=1 (tests only), which uses the floor N=2^14 — never anything weaker.
 */
export function paramsForNewKey(env: NodeJS.ProcessEnv = process.env): ScryptParams {
  if (env[FAST_KDF_ENV] !== '1') return { ...DEFAULT_SCRYPT };
  if (!warnedFast) {
    warnedFast = true;
    console.warn(`[tessera] ${FAST_KDF_ENV}=1: wrapping vault keys with a weak KDF (tests only).`);
  }
  return { ...FLOOR_SCRYPT };
}

/** Passphrases are compared as Unicode NFC, so the same text typed on another keyboard still works. */
export function passphraseBytes(passphrase: string): Buffer {
  return Buffer.from(passphrase.normalize('NFC'), 'utf8');
}

/** scrypt on libuv's thread pool (off the event loop), after checking the parameters. */
export async function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  checkScryptParams(params);
  const N = 2 ** params.logN;
  const maxmem = memoryOf(params) + 32 * 1024 * 1024;
  const secret = passphraseBytes(passphrase);
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, DERIVED_KEY_BYTES, { N, r: params.r, p: params.p, maxmem }, (err, key) => {
      secret.fill(0);
      if (err) reject(err);
      else resolve(key);
    });
  });
}
