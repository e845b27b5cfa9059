/**
 * Restoring a vault from a recovered snapshot (PROTOCOL §11.4): the vault-side half. Items keep their ids, times and
 * previous secrets; attachments get new row ids (they are row-local). Everything is sealed under the new vault key before the one
 * restore transaction runs (see `VaultService.restore`).
 */
import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { BadRequestError } from '../../../shared/errors.ts';
import { MAX_PREVIOUS_SECRETS } from '../../../shared/api/ops/items.ts';
import { encodeAttachment, encodeHistory, encodeItem } from './items/codec.ts';
import { ItemRepo } from './items/item-repo.ts';
import { checkAttachmentSize } from './items/limits.ts';
import type { VaultSession } from './session.ts';
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
