/**
 * Changing the passphrase by re-keying the vault (docs/STORAGE.md, "Changing the passphrase"): a new random vault
 * key, every sealed row opened with the old key and sealed with the new one (rekey.ts), the new key wrapped under
 * the new passphrase, and a key remembered in the device keychain re-protected or forgotten — all in one
 * transaction. Then the session goes on with the new key (the old key's bytes are wiped) and the WAL is checkpointed
 * and truncated, so neither the old wrap nor anything sealed under the old key stays on disk for the old passphrase
 * to open.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { NoVaultError, VaultLockedError } from '../../../shared/errors.ts';
import type { Store } from '../store/store.ts';
import { KEY_BYTES } from './aead.ts';
import { PassphraseChangeConflictError, VaultKeyMismatchError } from './errors.ts';
import { paramsForNewKey } from './kdf.ts';
import type { KeyProtector } from './key-protector.ts';
import { unwrapWithPassphrase, wrapWithPassphrase } from './key-wrap.ts';
import { resealAll } from './rekey.ts';
import { rememberAgain } from './remembered-key.ts';
import { VaultSession } from './session.ts';
import type { VaultRepo } from './vault-repo.ts';

export interface ChangePassphraseOptions {
  /**
   * The device keychain, if the vault key is remembered on this device: the new key is remembered with it instead.
   * Without one (or with another backend) the remembered key is forgotten and the passphrase unlocks.
   */
  protector?: KeyProtector | null;
}

export interface ChangePassphraseResult {
  /** What became of a vault key remembered in the device keychain. */
  keychain: 'none' | 'updated' | 'forgotten';
}

export interface RekeyTarget {
  store: Store;
  repo: VaultRepo;
  /** Where TESSERA_INSECURE_FAST_KDF is read from (kdf.ts `paramsForNewKey`). */
  env: NodeJS.ProcessEnv;
  /** The vault's open session now (null once locked): a change must finish on the session it started with. */
  openSession(): VaultSession | null;
}

/** The session a passphrase change started with must still be the open one after each await. */
function requireSameSession(target: RekeyTarget, session: VaultSession): void {
  if (target.openSession() !== session)
    throw new VaultLockedError(
      'The vault locked while the passphrase was being changed, so nothing was changed. Unlock and try again.',
    );
}

/**
 * Re-keys the vault open in `session` from `current` to `next`. Wrong `current` → WrongPassphraseError; a race with
 * another change → PassphraseChangeConflictError; locked meanwhile → VaultLockedError. In each case nothing changed.
 */
export async function changePassphrase(
  target: RekeyTarget,
  session: VaultSession,
  current: string,
  next: string,
  options: ChangePassphraseOptions = {},
): Promise<ChangePassphraseResult> {
  const { store, repo } = target;
  const wrap = repo.passphraseWrap();
  if (!wrap) throw new NoVaultError();
  const oldKey = await unwrapWithPassphrase(wrap, current);
  const newKey = randomBytes(KEY_BYTES);
  // A copy: `session.replaceKey(newKey)` takes `newKey` itself, and this one is wiped whatever happens.
  const newSession = new VaultSession(Buffer.from(newKey));
  let committed = false;
  try {
    requireSameSession(target, session);
    if (!timingSafeEqual(oldKey, session.exposeKeyForWrapping())) throw new VaultKeyMismatchError();
    const nextWrap = await wrapWithPassphrase(newKey, next, paramsForNewKey(target.env));
    requireSameSession(target, session);
    const stored = repo.protectedKey();
    const remembered = stored ? rememberAgain(stored, newKey, options.protector ?? null) : null;
    store.transaction(() => {
      if (!repo.replacePassphraseWrap(wrap, nextWrap)) throw new PassphraseChangeConflictError();
      resealAll(store.db, session, newSession);
      if (stored) repo.setProtectedKey(remembered);
    });
    // Synchronously after COMMIT: no other call can seal under the old key in between.
    session.replaceKey(newKey);
    committed = true;
    // The change has committed: a checkpoint that cannot finish now is reported, not thrown as a failed change.
    try {
      if (!store.checkpointTruncate())
        console.error(
          '[tessera] after the passphrase change the WAL could not be truncated yet (a reader was busy); ' +
            'the next checkpoint overwrites the old pages.',
        );
    } catch (err) {
      console.error('[tessera] the WAL checkpoint after the passphrase change failed', err);
    }
    return { keychain: stored === null ? 'none' : remembered ? 'updated' : 'forgotten' };
  } finally {
    oldKey.fill(0);
    newSession.wipe();
    if (!committed) newKey.fill(0);
  }
}
