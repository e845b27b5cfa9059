/**
 * Restoring a vault from a recovered snapshot (PROTOCOL §11.4): the vault-side half. Items keep their ids, times and
 * previous secrets; attachments get new row ids (they are row-local). Everything is sealed under the new vault key before the one
 * restore transaction runs (`writeRestoredVault`, called by `VaultService.restore`).
 */
import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { identityFromSecrets } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { BadRequestError, ConflictError, VaultExistsError } from '../../../shared/errors.ts';
import { MAX_PREVIOUS_SECRETS } from '../../../shared/api/ops/items.ts';
import type { Store } from '../store/store.ts';
import { KEY_BYTES } from './aead.ts';
import { publicIdentityOf, sealIdentitySecrets, wipeIdentity } from './identity-secrets.ts';
import { paramsForNewKey } from './kdf.ts';
import { wrapWithPassphrase } from './key-wrap.ts';
import { VaultSession } from './session.ts';
import type { SettingsRepo } from './settings.ts';
import type { VaultRepo } from './vault-repo.ts';
import { compactKind, type ItemKind } from '../../../shared/items/kinds.ts';
import { encodeAttachment, encodeHistory, encodeItem } from './items/codec.ts';
import { ItemRepo } from './items/item-repo.ts';
import { checkAttachmentSize } from './items/limits.ts';
import type { VaultSettings } from './settings.ts';
import { DEFAULT_SETTINGS } from './settings.ts';

export interface RestoredItem {
  id: string;
  title: string;
  secret: string;
  notes: string;
  tags: string[];
  attachments: { name: string; mediaType: string; data: Uint8Array }[];
  createdAt: number;
  updatedAt: number;
  /** Previous secrets, newest first (snapshots made before they existed have none). */
  history?: { secret: string; replacedAt: number }[];
  /** The kind and a login's fields (snapshots made before kinds existed have none: the item is `secret`). */
  kind?: ItemKind;
  username?: string;
  urls?: string[];
}

export interface RestoreData {
  name: string;
  signSeed: Uint8Array;
  boxSecret: Uint8Array;
  items: RestoredItem[];
  /** Snapshot settings (text values); unknown keys are ignored. */
  settings: Record<string, string>;
}

export interface SealedItemRows {
  id: string;
  sealed: Buffer;
  attachments: { id: string; sealed: Buffer }[];
  /** The sealed `item_history` row, when the item has previous secrets. */
  history: Buffer | null;
}

const ITEM_ID = /^[0-9a-f]{32}$/;

export function sealItemsForRestore(session: VaultSession, items: RestoredItem[]): SealedItemRows[] {
  const seen = new Set<string>();
  return items.map((item) => {
    if (!ITEM_ID.test(item.id) || seen.has(item.id))
      throw new BadRequestError(
        `The backup holds an item with a bad or repeated id (${item.id.slice(0, 40)}).`,
      );
    seen.add(item.id);
    for (const a of item.attachments) checkAttachmentSize(a.name, a.data.length);
    const attachmentIds = item.attachments.map(() => randomBytes(16).toString('hex'));
    const payload = {
      title: item.title,
      secret: item.secret,
      notes: item.notes,
      tags: [...item.tags],
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
      attachments: attachmentIds,
      ...compactKind(item),
    };
    return {
      id: item.id,
      sealed: session.sealRow('items', item.id, encodeItem(payload)),
      attachments: item.attachments.map((a, i) => ({
        id: attachmentIds[i]!,
        sealed: session.sealRow('attachments', `${item.id}/${attachmentIds[i]!}`, encodeAttachment(a)),
      })),
      history: item.history?.length
        ? session.sealRow('item_history', item.id, encodeHistory(item.history.slice(0, MAX_PREVIOUS_SECRETS)))
        : null,
    };
  });
}

/** Inserts sealed item rows (the caller owns the transaction). */
export function insertRestoredItems(db: Database, rows: SealedItemRows[]): void {
  const repo = new ItemRepo(db);
  for (const row of rows) {
    repo.insert(row.id, row.sealed);
    row.attachments.forEach((a, i) => repo.insertAttachment(row.id, a.id, i, a.sealed));
    if (row.history) repo.putHistory(row.id, row.history);
  }
}

/** The settings a snapshot carries, as the vault understands them (out-of-range values fall back to defaults). */
export function restoredSettings(settings: Record<string, string>): Partial<VaultSettings> {
  const out: Partial<VaultSettings> = {};
  const autoLock = Number(settings.autoLockSeconds);
  if (Number.isInteger(autoLock) && autoLock >= 1 && autoLock <= 24 * 60 * 60) out.autoLockSeconds = autoLock;
  else if (settings.autoLockSeconds !== undefined) out.autoLockSeconds = DEFAULT_SETTINGS.autoLockSeconds;
  return out;
}

export interface RestoreTarget {
  store: Store;
  repo: VaultRepo;
  settingsRepo: SettingsRepo;
  /** Where TESSERA_INSECURE_FAST_KDF is read from (kdf.ts `paramsForNewKey`). */
  env: NodeJS.ProcessEnv;
  now(): number;
}

/**
 * Writes the recovered vault in one transaction — a new vault key wrapped under `passphrase`, the same identity and
 * name, the items, the settings, and whatever `alsoInTransaction` adds with the new session — and returns the new
 * session and identity keys, which the caller now owns. With `replacing` (the peer ID of a vault kept aside, PROTOCOL
 * §11.6) that vault's rows are deleted in the same transaction, only if it is still that vault and the snapshot is
 * the same identity, and the WAL is truncated after COMMIT so the old wrap does not stay in it. Nothing is written
 * on any failure, and the secrets made for it are wiped.
 */
export async function writeRestoredVault(
  target: RestoreTarget,
  data: RestoreData,
  passphrase: string,
  alsoInTransaction: (session: VaultSession) => void,
  replacing: string | null,
): Promise<{ session: VaultSession; keys: IdentityKeys }> {
  const { store, repo } = target;
  const vaultKey = randomBytes(KEY_BYTES);
  const wrap = await wrapWithPassphrase(vaultKey, passphrase, paramsForNewKey(target.env));
  const keys = identityFromSecrets(data.signSeed, data.boxSecret);
  const session = new VaultSession(vaultKey);
  const identity = publicIdentityOf(data.name, keys);
  const now = target.now();
  try {
    const sealedSecrets = sealIdentitySecrets(session, keys);
    const items = sealItemsForRestore(session, data.items);
    const settings = restoredSettings(data.settings);
    if (replacing !== null && identity.peerId !== replacing)
      throw new ConflictError(
        'The recovered vault is another identity than the vault kept aside on this device; nothing was restored.',
      );
    store.transaction(() => {
      if (replacing !== null) {
        // Compare-and-delete: the vault kept aside must still be the one the recovery started beside.
        if (repo.identity()?.identity.peerId !== replacing)
          throw new ConflictError(
            'The vault on this device changed during the recovery; nothing was restored.',
          );
        repo.deleteVault();
      } else if (repo.exists()) throw new VaultExistsError();
      repo.insertVault(wrap, now);
      repo.insertIdentity(identity, sealedSecrets, now);
      insertRestoredItems(store.db, items);
      target.settingsRepo.write(settings);
      alsoInTransaction(session);
    });
  } catch (err) {
    session.wipe();
    wipeIdentity(keys);
    throw err;
  }
  if (replacing !== null) {
    // The old wrap and rows were zeroed in the WAL (secure_delete); the checkpoint moves that into the file.
    try {
      if (!store.checkpointTruncate())
        console.error('[tessera] after the restore the WAL could not be truncated yet (a reader was busy).');
    } catch (err) {
      console.error('[tessera] the WAL checkpoint after the restore failed', err);
    }
  }
  return { session, keys };
}
