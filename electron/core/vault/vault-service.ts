import { randomBytes } from 'node:crypto';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { NoVaultError, NotFoundError, VaultExistsError, VaultLockedError } from '../../../shared/errors.ts';
import type { Topic } from '../../../shared/api/events.ts';
import type { Store } from '../store/store.ts';
import { KEY_BYTES } from './aead.ts';
import { KeyProtectorChangedError, KeyProtectorFailedError, WeakKeyProtectorError } from './errors.ts';
import { IdleTimer } from './idle-timer.ts';
import {
  copyIdentity,
  openIdentitySecrets,
  publicIdentityOf,
  sealIdentitySecrets,
  wipeIdentity,
} from './identity-secrets.ts';
import { ItemService } from './items/item-service.ts';
import { paramsForNewKey } from './kdf.ts';
import { isWeakProtector } from './key-protector.ts';
import type { KeyProtector } from './key-protector.ts';
import { unwrapWithPassphrase, wrapWithPassphrase } from './key-wrap.ts';
import { changePassphrase } from './passphrase-change.ts';
import type { ChangePassphraseOptions, ChangePassphraseResult } from './passphrase-change.ts';
import { protectChecked } from './remembered-key.ts';
import { VaultSession } from './session.ts';
import { writeRestoredVault } from './restore.ts';
import type { RestoreData } from './restore.ts';
import { SettingsRepo } from './settings.ts';
import type { VaultSettings } from './settings.ts';
import { SNAPSHOT_DATA_FORMAT } from './snapshot.ts';
import type { SnapshotData } from './snapshot.ts';
import { VaultRepo } from './vault-repo.ts';
import type { PublicIdentity } from './vault-repo.ts';

export type { ChangePassphraseOptions, ChangePassphraseResult } from './passphrase-change.ts';

export type VaultState = 'empty' | 'locked' | 'unlocked';

const PURGE_EVERY_MS = 60 * 60 * 1000;
/** What changed in the data a backup covers. */
export type VaultChange = 'items' | 'identity' | 'settings';

export interface VaultEvents {
  changed(...topics: Topic[]): void;
}

export interface VaultOptions {
  /** Where TESSERA_INSECURE_FAST_KDF is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

interface Unlocked {
  session: VaultSession;
  identity: IdentityKeys;
}

/**
 * The vault: its key (wrapped by the passphrase, optionally also by a device KeyProtector), the identity, the
 * items and settings, and the empty → locked ⇄ unlocked lifecycle with auto-lock. Other services use
 * `requireUnlocked()`, `identityKeys()`, `exportSnapshotData()`, `onChange()` and `onStateChange()`.
 */
export class VaultService {
  readonly items: ItemService;
  private readonly store: Store;
  private readonly events: VaultEvents;
  private readonly repo: VaultRepo;
  private readonly settingsRepo: SettingsRepo;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;
  private readonly idle: IdleTimer;
  private readonly changeListeners = new Set<(change: VaultChange) => void>();
  private readonly stateListeners = new Set<(state: VaultState) => void>();
  private unlocked: Unlocked | null = null;
  private exists: boolean;
  /** While unlocked: empties the expired trash every hour (it is also emptied at each unlock). */
  private purgeTimer: NodeJS.Timeout | null = null;

  constructor(store: Store, events: VaultEvents, options: VaultOptions = {}) {
    this.store = store;
    this.events = events;
    this.env = options.env ?? process.env;
    this.now = options.now ?? Date.now;
    this.repo = new VaultRepo(store.db);
    this.settingsRepo = new SettingsRepo(store.db);
    this.exists = this.repo.exists();
    this.idle = new IdleTimer(() => this.lock());
    this.items = new ItemService({
      store,
      requireSession: () => this.requireUnlocked(),
      changed: () => this.notifyChange('items'),
      trashChanged: () => this.events.changed('items'),
      now: this.now,
    });
  }

  state(): VaultState {
    if (this.unlocked) return 'unlocked';
    return this.exists ? 'locked' : 'empty';
  }

  /** The public identity (name, peer ID, fingerprint, public keys), available while locked; null without a vault. */
  publicIdentity(): PublicIdentity | null {
    return this.exists ? (this.repo.identity()?.identity ?? null) : null;
  }

  async create(input: { name: string; passphrase: string }): Promise<void> {
    if (this.exists) throw new VaultExistsError();
    const vaultKey = randomBytes(KEY_BYTES);
    const wrap = await wrapWithPassphrase(vaultKey, input.passphrase, paramsForNewKey(this.env));
    const keys = generateIdentity();
    const session = new VaultSession(vaultKey);
    const identity = publicIdentityOf(input.name, keys);
    const sealedSecrets = sealIdentitySecrets(session, keys);
    const now = this.now();
    try {
      this.store.transaction(() => {
        if (this.repo.exists()) throw new VaultExistsError();
        this.repo.insertVault(wrap, now);
        this.repo.insertIdentity(identity, sealedSecrets, now);
      });
    } catch (err) {
      session.wipe();
      wipeIdentity(keys);
      throw err;
    }
    this.exists = true;
    this.becomeUnlocked({ session, identity: keys });
    this.notifyChange('identity');
  }

  /**
   * Recovery (PROTOCOL §11.4): creates the vault from a recovered snapshot — the same identity keys and name, the
   * items with their ids and times, the settings — wrapped by a new vault key under `passphrase`, and unlocks it.
   * `alsoInTransaction` runs inside the same transaction with the new vault's session (friends, held shards,
   * dropping the recovery session), so the restore commits whole or not at all. Refused with VaultExistsError if a
   * vault exists, unless `options.replacing` names it: a locked vault whose passphrase was forgotten (PROTOCOL
   * §11.6, docs/STORAGE.md "Forgotten passphrase"). Its vault, identity, items and attachments rows are then
   * deleted in this same transaction, just before the new ones are written, and only if the snapshot is the same
   * identity; the WAL is truncated after COMMIT so the old wrap does not stay in it.
   */
  async restore(
    data: RestoreData,
    passphrase: string,
    alsoInTransaction: (session: VaultSession) => void = () => {},
    options: { replacing?: string | null } = {},
  ): Promise<void> {
    const replacing = options.replacing ?? null;
    if (this.exists && replacing === null) throw new VaultExistsError();
    if (this.unlocked)
      throw new VaultExistsError('The vault on this device was unlocked meanwhile; nothing was restored.');
    const { session, keys } = await writeRestoredVault(
      {
        store: this.store,
        repo: this.repo,
        settingsRepo: this.settingsRepo,
        env: this.env,
        now: this.now,
      },
      data,
      passphrase,
      alsoInTransaction,
      replacing,
    );
    this.exists = true;
    this.becomeUnlocked({ session, identity: keys });
    this.notifyChange('identity');
  }

  /** Unlocks with the passphrase (KDF off the event loop). Wrong passphrase → WrongPassphraseError. */
  async unlock(passphrase: string): Promise<void> {
    const wrap = this.repo.passphraseWrap();
    if (!wrap) throw new NoVaultError();
    const key = await unwrapWithPassphrase(wrap, passphrase);
    if (this.unlocked) {
      key.fill(0);
      return;
    }
    this.openWithKey(key);
  }

  /** Unlocks with the device key protector, if this vault was remembered with the same backend. */
  unlockWithProtector(protector: KeyProtector): void {
    if (!this.exists) throw new NoVaultError();
    const stored = this.repo.protectedKey();
    if (!stored)
      throw new NotFoundError('This vault is not remembered on this device. Unlock with your passphrase.');
    if (stored.name !== protector.name) throw new KeyProtectorChangedError(stored.name, protector.name);
    if (this.unlocked) return;
    let key: Buffer;
    try {
      key = Buffer.from(protector.unprotect(stored.bytes));
    } catch (err) {
      throw new KeyProtectorFailedError(protector.name, { cause: err });
    }
    if (key.length !== KEY_BYTES) throw new KeyProtectorFailedError(protector.name);
    try {
      this.openWithKey(key);
    } catch (err) {
      throw new KeyProtectorFailedError(protector.name, { cause: err });
    }
  }

  lock(): void {
    if (!this.wipe()) return;
    this.events.changed('status');
    this.emitState();
  }

  /**
   * Changes the passphrase by re-keying the vault, all in one transaction (passphrase-change.ts). Wrong `current` →
   * WrongPassphraseError; a race with another change → PassphraseChangeConflictError; locked meanwhile →
   * VaultLockedError. In each case nothing changed.
   */
  async changePassphrase(
    current: string,
    next: string,
    options: ChangePassphraseOptions = {},
  ): Promise<ChangePassphraseResult> {
    const session = this.requireUnlocked();
    const result = await changePassphrase(
      {
        store: this.store,
        repo: this.repo,
        env: this.env,
        openSession: () => this.unlocked?.session ?? null,
      },
      session,
      current,
      next,
      options,
    );
    this.events.changed('status');
    return result;
  }

  /** Remembers the vault key on this device with `protector` (requires unlocked; weak backends refused). */
  enableProtector(protector: KeyProtector): void {
    const session = this.requireUnlocked();
    if (isWeakProtector(protector.name)) throw new WeakKeyProtectorError(protector.name);
    const bytes = protectChecked(protector, session.exposeKeyForWrapping());
    this.store.transaction(() => this.repo.setProtectedKey({ name: protector.name, bytes }));
  }

  disableProtector(): void {
    if (!this.exists) throw new NoVaultError();
    this.store.transaction(() => this.repo.setProtectedKey(null));
  }

  /** The backend name the vault key is remembered with on this device, or null. */
  protectorName(): string | null {
    return this.exists ? (this.repo.protectedKey()?.name ?? null) : null;
  }

  /** Call on user activity (every API call): restarts the auto-lock countdown. */
  touch(): void {
    if (this.unlocked) this.idle.touch();
  }

  /** The unlocked session (seal/open rows under the vault key), or NoVaultError / VaultLockedError. */
  requireUnlocked(): VaultSession {
    if (this.unlocked) return this.unlocked.session;
    throw this.exists ? new VaultLockedError() : new NoVaultError();
  }

  /** A copy of the identity key pairs (secret halves included); requires unlocked. Wipe the copy when done. */
  identityKeys(): IdentityKeys {
    this.requireUnlocked();
    return copyIdentity(this.unlocked!.identity);
  }

  settings(): VaultSettings {
    return this.settingsRepo.read();
  }

  /** Renames the owner; the mesh tells friends the new name (a signed name notice, PROTOCOL §8.6). */
  rename(name: string): void {
    this.requireUnlocked();
    this.store.transaction(() => this.repo.setIdentityName(name));
    this.notifyChange('identity');
    this.events.changed('status');
  }

  updateSettings(patch: Partial<VaultSettings>): VaultSettings {
    this.requireUnlocked();
    const next = this.store.transaction(() => this.settingsRepo.write(patch));
    this.idle.start(next.autoLockSeconds * 1000);
    this.notifyChange('settings');
    return next;
  }

  /** Identity (with secret keys), every item and the settings, for a backup; requires unlocked. */
  exportSnapshotData(): SnapshotData {
    const keys = this.identityKeys();
    const pub = this.publicIdentity()!;
    return {
      format: SNAPSHOT_DATA_FORMAT,
      identity: { name: pub.name, peerId: pub.peerId, fingerprint: pub.fingerprint, ...keys },
      items: this.items.exportAll(),
      settings: this.settings(),
    };
  }

  /** Called after each committed change to backed-up data (e.g. to re-push the backup). Returns unsubscribe. */
  onChange(listener: (change: VaultChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Called after every unlock and lock (including auto-lock). Returns unsubscribe. */
  onStateChange(listener: (state: VaultState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Locks without events (shutdown). */
  close(): void {
    this.wipe();
  }

  private openWithKey(key: Buffer): void {
    const session = new VaultSession(key);
    try {
      const stored = this.repo.identity();
      if (!stored) throw new NoVaultError();
      const identity = openIdentitySecrets(session, stored.sealedSecrets, stored.identity);
      this.becomeUnlocked({ session, identity });
    } catch (err) {
      session.wipe();
      throw err;
    }
  }

  private becomeUnlocked(unlocked: Unlocked): void {
    this.items.load(unlocked.session);
    this.unlocked = unlocked;
    this.idle.start(this.settings().autoLockSeconds * 1000);
    this.purgeTimer = setInterval(() => {
      try {
        this.items.purgeExpired();
      } catch (err) {
        console.error('[tessera] emptying the expired trash failed', err);
      }
    }, PURGE_EVERY_MS);
    this.purgeTimer.unref();
    this.events.changed('status', 'items');
    this.emitState();
  }

  /** Forgets every secret in memory; returns whether it was unlocked. */
  private wipe(): boolean {
    const unlocked = this.unlocked;
    if (!unlocked) return false;
    this.unlocked = null;
    this.idle.stop();
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.purgeTimer = null;
    this.items.clear();
    unlocked.session.wipe();
    wipeIdentity(unlocked.identity);
    return true;
  }

  private notifyChange(change: VaultChange): void {
    if (change === 'items') this.events.changed('items');
    for (const listener of this.changeListeners) {
      try {
        listener(change);
      } catch (err) {
        console.error('[tessera] vault change listener failed', err);
      }
    }
  }

  private emitState(): void {
    const state = this.state();
    for (const listener of this.stateListeners) {
      try {
        listener(state);
      } catch (err) {
        console.error('[tessera] vault state listener failed', err);
      }
    }
  }
}
