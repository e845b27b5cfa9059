/**
 * The ephemeral identity of a recovery session and how its secrets rest on disk.
 *
 * The Ed25519 seed (the session's libp2p identity) is kept in the clear so a restarted device listens again with
 * the same peer ID, and a code a custodian already scanned keeps working. The X25519 box secret, which opens the
 * shards custodians send, is sealed under a random session key; that key is wrapped by the passphrase the person
 * chose for the restored vault (scrypt, the vault's parameters and floor/ceiling checks). So what rests on disk
 * during a session — sealed shards and encrypted chunks — is as safe as the vault it becomes.
 */
import { randomBytes } from 'node:crypto';
import { generateIdentity, identityFromSecrets } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { RECOVERY_SECRET_BYTES } from '../../../shared/protocol/recovery-code.ts';
import { open, rowAd, seal, KEY_BYTES } from '../vault/aead.ts';
import { paramsForNewKey } from '../vault/kdf.ts';
import { unwrapWithPassphrase, wrapWithPassphrase } from '../vault/key-wrap.ts';
import type { PassphraseWrap } from '../vault/key-wrap.ts';
import { REMOTE_SESSION_TTL_MS, SESSION_TTL_MS } from './session-admission.ts';
import type { RecoverySessionStore, SessionRow } from './session-store.ts';

const BOX_AD = rowAd('recovery_session', 'box_secret');

interface StoredWrap {
  format: number;
  kdf: 'scrypt';
  params: { logN: number; r: number; p: number };
  salt: string;
  wrapped: string;
}

export function encodeWrap(wrap: PassphraseWrap): string {
  const stored: StoredWrap = {
    format: wrap.format,
    kdf: wrap.kdf,
    params: { ...wrap.params },
    salt: wrap.salt.toString('hex'),
    wrapped: wrap.wrapped.toString('hex'),
  };
  return JSON.stringify(stored);
}

export function decodeWrap(text: string): PassphraseWrap {
  const s = JSON.parse(text) as StoredWrap;
  return {
    format: s.format,
    kdf: s.kdf,
    params: { ...s.params },
    salt: Buffer.from(s.salt, 'hex'),
    wrapped: Buffer.from(s.wrapped, 'hex'),
  };
}

export interface NewSessionKeys {
  keys: IdentityKeys;
  boxSealed: Uint8Array;
  keyWrap: string;
}

/**
 * Fresh session identity; the box secret sealed under a new session key wrapped by `passphrase`. The scrypt
 * parameters are the vault's for a new key (`paramsForNewKey`, which reads the environment itself when `env` is not
 * given: only TESSERA_INSECURE_FAST_KDF=1 exactly weakens them, to the floor).
 */
export async function createSessionKeys(
  passphrase: string,
  env?: NodeJS.ProcessEnv,
): Promise<NewSessionKeys> {
  const keys = generateIdentity();
  const sessionKey = randomBytes(KEY_BYTES);
  try {
    const wrap = await wrapWithPassphrase(sessionKey, passphrase, paramsForNewKey(env));
    return { keys, boxSealed: seal(sessionKey, keys.boxSecret, BOX_AD), keyWrap: encodeWrap(wrap) };
  } finally {
    sessionKey.fill(0);
  }
}

/** The full session identity; wrong passphrase → WrongPassphraseError (nothing changes). */
export async function openSessionKeys(
  signSeed: Uint8Array,
  boxSealed: Uint8Array,
  keyWrap: string,
  passphrase: string,
): Promise<IdentityKeys> {
  const sessionKey = await unwrapWithPassphrase(decodeWrap(keyWrap), passphrase);
  try {
    const boxSecret = open(sessionKey, boxSealed, BOX_AD);
    try {
      return identityFromSecrets(signSeed, boxSecret);
    } finally {
      boxSecret.fill(0);
    }
  } finally {
    sessionKey.fill(0);
  }
}

/**
 * The session row and its keys, opened by `passphrase` (`recovery.start`, PROTOCOL §11.1): a new session (fresh
 * identity, code secret, and a code valid SESSION_TTL_MS), or the one that exists, its code's lifetime renewed (and
 * its name, when one is given). A wrong passphrase for an existing session is WrongPassphraseError, nothing changed.
 */
export async function beginSession(
  store: RecoverySessionStore,
  input: { passphrase: string; name?: string; remote?: boolean },
  now: () => number,
): Promise<{ row: SessionRow; keys: IdentityKeys; created: boolean }> {
  const existing = store.session();
  // A remote session stays open for the longest waiting period an owner may choose, and a little more (§11.7).
  const ttl = input.remote === true || existing?.remote === true ? REMOTE_SESSION_TTL_MS : SESSION_TTL_MS;
  if (!existing) {
    const created = await createSessionKeys(input.passphrase);
    const at = now();
    store.insertSession({
      signSeed: created.keys.signSeed,
      boxPublic: created.keys.boxPublic,
      boxSealed: created.boxSealed,
      keyWrap: created.keyWrap,
      secret: new Uint8Array(randomBytes(RECOVERY_SECRET_BYTES)),
      name: input.name ?? null,
      port: null,
      expiresAt: at + ttl,
      createdAt: at,
      remote: input.remote === true,
    });
    return { row: store.session()!, keys: created.keys, created: true };
  }
  const keys = await openSessionKeys(
    existing.signSeed,
    existing.boxSealed,
    existing.keyWrap,
    input.passphrase,
  );
  store.updateSession({
    expiresAt: now() + ttl,
    ...(input.name ? { name: input.name } : {}),
    ...(input.remote === true ? { remote: true } : {}),
  });
  return { row: store.session()!, keys, created: false };
}
