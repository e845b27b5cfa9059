/**
 * An item's sealed rows under the vault key (docs/STORAGE.md): the item itself (`items`, by item id), its
 * attachments (`attachments`, by `<item id>/<attachment id>`) and its previous secrets (`item_history`, by item id).
 * Each row is opened with the id bound into its associated data, and the attachment rows stored must be exactly the
 * ones the item lists, in order, or the vault's data is reported corrupt. The ids sealed here are the ones rekey.ts
 * lists in SEALED_COLUMNS.
 */
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../../../shared/errors.ts';
import { VaultDataCorruptError } from '../errors.ts';
import type { VaultSession } from '../session.ts';
import {
  decodeAttachment,
  decodeHistory,
  decodeItem,
  encodeAttachment,
  encodeHistory,
  encodeItem,
} from './codec.ts';
import type { ItemPayload } from './codec.ts';
import type { ItemRepo, SealedAttachmentRow } from './item-repo.ts';
import { attachmentInfo } from './types.ts';
import type { AttachmentData, AttachmentInfo, PreviousSecretData } from './types.ts';

const ITEMS = 'items';
const ATTACHMENTS = 'attachments';
const HISTORY = 'item_history';

/** A fresh item or attachment id (16 random bytes, hex). */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

function attachmentRowId(itemId: string, attachmentId: string): string {
  return `${itemId}/${attachmentId}`;
}

export class ItemRows {
  private readonly repo: ItemRepo;

  constructor(repo: ItemRepo) {
    this.repo = repo;
  }

  open(session: VaultSession, row: { id: string; sealed: Buffer }): ItemPayload {
    return decodeItem(row.id, session.openRow(ITEMS, row.id, row.sealed));
  }

  /** The payload of an item that is not in the trash; NotFoundError otherwise. */
  openLive(session: VaultSession, id: string): ItemPayload {
    const row = this.repo.get(id);
    if (!row) throw new NotFoundError(`No item with id ${id}.`);
    const payload = this.open(session, row);
    if (payload.deletedAt !== undefined)
      throw new NotFoundError(`"${payload.title}" is in the trash. Restore it to open or change it.`);
    return payload;
  }

  /** The payload of an item in the trash; NotFoundError otherwise. */
  openTrashed(session: VaultSession, id: string): ItemPayload {
    const row = this.repo.get(id);
    const payload = row && this.open(session, row);
    if (!payload || payload.deletedAt === undefined)
      throw new NotFoundError(`No item with id ${id} in the trash.`);
    return payload;
  }

  seal(session: VaultSession, id: string, payload: ItemPayload): Buffer {
    return session.sealRow(ITEMS, id, encodeItem(payload));
  }

  /** The item's previous secrets, newest first. */
  history(session: VaultSession, id: string): PreviousSecretData[] {
    const sealed = this.repo.history(id);
    return sealed ? decodeHistory(id, session.openRow(HISTORY, id, sealed)) : [];
  }

  sealHistory(session: VaultSession, id: string, history: PreviousSecretData[]): Buffer {
    return session.sealRow(HISTORY, id, encodeHistory(history));
  }

  sealAttachments(
    session: VaultSession,
    itemId: string,
    ids: string[],
    attachments: AttachmentData[],
  ): Buffer[] {
    return attachments.map((a, i) => this.sealAttachment(session, itemId, ids[i]!, a));
  }

  sealAttachment(session: VaultSession, itemId: string, id: string, a: AttachmentData): Buffer {
    return session.sealRow(ATTACHMENTS, attachmentRowId(itemId, id), encodeAttachment(a));
  }

  /** The attachment rows, checked against the ids the item itself lists. */
  attachments(itemId: string, payload: ItemPayload): SealedAttachmentRow[] {
    const rows = this.repo.attachments(itemId);
    this.checkListed(
      itemId,
      payload,
      rows.map((r) => r.id),
    );
    return rows;
  }

  /** The stored attachment ids must be the ones the item itself lists (none missing, added or reordered). */
  checkListed(itemId: string, payload: ItemPayload, ids: string[]): void {
    if (ids.length !== payload.attachments.length || ids.some((rid, i) => rid !== payload.attachments[i]))
      throw new VaultDataCorruptError(`the attachments of item ${itemId}`);
  }

  attachmentInfo(session: VaultSession, itemId: string, row: SealedAttachmentRow): AttachmentInfo {
    return attachmentInfo(this.openAttachment(session, itemId, row));
  }

  openAttachment(
    session: VaultSession,
    itemId: string,
    row: SealedAttachmentRow,
  ): AttachmentData & { id: string } {
    const rowId = attachmentRowId(itemId, row.id);
    return {
      id: row.id,
      ...decodeAttachment(`attachment ${rowId}`, session.openRow(ATTACHMENTS, rowId, row.sealed)),
    };
  }
}
