import { randomBytes } from 'node:crypto';
import { MAX_PREVIOUS_SECRETS, TRASH_DAYS } from '../../../../shared/api/ops/items.ts';
import { BadRequestError, NotFoundError } from '../../../../shared/errors.ts';
import type { Store } from '../../store/store.ts';
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
import { checkAttachmentSize } from './limits.ts';
import { ItemRepo, type NextAttachment, type SealedAttachmentRow } from './item-repo.ts';
import { matchesQuery } from './search.ts';
import {
  attachmentInfo,
  type AttachmentData,
  type AttachmentInfo,
  type FullItemData,
  type ImportedItem,
  type ItemData,
  type ItemPatch,
  type ItemSummaryData,
  type NewItem,
  type PreviousSecretData,
  type TrashedItemData,
} from './types.ts';

const ITEMS = 'items';
const ATTACHMENTS = 'attachments';
const HISTORY = 'item_history';
const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a deleted item stays in the trash. */
export const TRASH_KEEP_MS = TRASH_DAYS * DAY_MS;

/** What stays decrypted in memory while unlocked, for listing and search. The secret is not kept. */
interface CachedItem {
  id: string;
  title: string;
  tags: string[];
  notes: string;
  attachmentCount: number;
  updatedAt: number;
}

export interface ItemServiceDeps {
  store: Store;
  /** The unlocked session, or throws NoVaultError / VaultLockedError. */
  requireSession(): VaultSession;
  /** Called after every committed change to the items a backup covers (not the trash). */
  changed(): void;
  /** Called after the trash alone changed (an item deleted for good): front ends re-read, no backup to update. */
  trashChanged?(): void;
  now?: () => number;
}

function newId(): string {
  return randomBytes(16).toString('hex');
}

function attachmentRowId(itemId: string, attachmentId: string): string {
  return `${itemId}/${attachmentId}`;
}

/**
 * Vault items with attachments. Every row is sealed under the vault key; every change is one transaction and
 * `changed()` fires after it commits. Search runs in memory over the rows decrypted at unlock.
 *
 * Trash and history (docs/STORAGE.md, "Trash and secret history"): `delete` moves an item to the trash (its row
 * stays, with `deletedAt` sealed in its payload) for TRASH_DAYS days, after which `purgeExpired` deletes it for good;
 * trashed items are not listed, opened, changed or backed up. Replacing a secret keeps the one before in the item's
 * sealed `item_history` row (the newest MAX_PREVIOUS_SECRETS).
 */
export class ItemService {
  private readonly repo: ItemRepo;
  private readonly deps: ItemServiceDeps;
  private readonly now: () => number;
  private cache = new Map<string, CachedItem>();
  private trashed = new Map<string, TrashedItemData>();

  constructor(deps: ItemServiceDeps) {
    this.deps = deps;
    this.repo = new ItemRepo(deps.store.db);
    this.now = deps.now ?? Date.now;
  }

  /** Decrypts every item into the search cache and the trash list (at unlock), and empties expired trash. */
  load(session: VaultSession): void {
    const cache = new Map<string, CachedItem>();
    const trashed = new Map<string, TrashedItemData>();
    for (const row of this.repo.all()) {
      const payload = this.openItem(session, row);
      if (payload.deletedAt === undefined) cache.set(row.id, this.toCached(row.id, payload));
      else trashed.set(row.id, this.toTrashed(row.id, payload, payload.deletedAt));
    }
    this.cache = cache;
    this.trashed = trashed;
    this.purge(false);
  }

  /** Drops everything decrypted (at lock). */
  clear(): void {
    this.cache = new Map();
    this.trashed = new Map();
  }

  list(query = ''): ItemSummaryData[] {
    this.deps.requireSession();
    return [...this.cache.values()]
      .filter((item) => matchesQuery(query, item))
      .sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id))
      .map(({ id, title, tags, attachmentCount, updatedAt }) => ({
        id,
        title,
        tags: [...tags],
        attachmentCount,
        updatedAt,
      }));
  }

  /** The item, listing its attachments without their bytes. */
  get(id: string): ItemData {
    const session = this.deps.requireSession();
    const payload = this.openLive(session, id);
    const rows = this.attachmentRows(id, payload);
    return this.toItem(
      id,
      payload,
      rows.map((row) => this.attachmentInfo(session, id, row)),
    );
  }

  /** One attachment of an item, with its bytes (by the id get() lists). */
  attachment(id: string, attachmentId: string): AttachmentData & { id: string } {
    const session = this.deps.requireSession();
    const payload = this.openLive(session, id);
    this.checkListed(id, payload, this.repo.attachmentIds(id));
    const row = payload.attachments.includes(attachmentId)
      ? this.repo.attachment(id, attachmentId)
      : undefined;
    if (!row)
      throw new NotFoundError(
        `"${payload.title}" no longer has that file (it was removed or replaced). Open the item again to see its files.`,
      );
    return this.openAttachment(session, id, row);
  }

  create(input: NewItem): ItemData {
    const session = this.deps.requireSession();
    for (const a of input.attachments) checkAttachmentSize(a.name, a.data.length);
    const id = newId();
    const now = this.now();
    const attachmentIds = input.attachments.map(() => newId());
    const payload: ItemPayload = {
      title: input.title,
      secret: input.secret,
      notes: input.notes,
      tags: [...input.tags],
      createdAt: now,
      updatedAt: now,
      attachments: attachmentIds,
    };
    const sealed = session.sealRow(ITEMS, id, encodeItem(payload));
    const sealedAttachments = this.sealAttachments(session, id, attachmentIds, input.attachments);
    this.deps.store.transaction(() => {
      this.repo.insert(id, sealed);
      sealedAttachments.forEach((s, i) => this.repo.insertAttachment(id, attachmentIds[i]!, i, s));
    });
    this.cache.set(id, this.toCached(id, payload));
    this.deps.changed();
    return this.toItem(
      id,
      payload,
      input.attachments.map((a, i) => attachmentInfo({ ...a, id: attachmentIds[i]! })),
    );
  }

  /**
   * Adds many items in one transaction (an import): all of them or none. Each may bring its own times and previous
   * secrets (a Tessera export); `changed()` fires once, after the commit.
   */
  createMany(inputs: ImportedItem[]): number {
    const session = this.deps.requireSession();
    for (const input of inputs) for (const a of input.attachments) checkAttachmentSize(a.name, a.data.length);
    const now = this.now();
    const rows = inputs.map((input) => {
      const id = newId();
      const attachmentIds = input.attachments.map(() => newId());
      const payload: ItemPayload = {
        title: input.title,
        secret: input.secret,
        notes: input.notes,
        tags: [...input.tags],
        createdAt: input.createdAt ?? now,
        updatedAt: input.updatedAt ?? now,
        attachments: attachmentIds,
      };
      const history = (input.history ?? []).slice(0, MAX_PREVIOUS_SECRETS);
      return {
        id,
        payload,
        attachmentIds,
        sealed: session.sealRow(ITEMS, id, encodeItem(payload)),
        sealedAttachments: this.sealAttachments(session, id, attachmentIds, input.attachments),
        sealedHistory: history.length > 0 ? session.sealRow(HISTORY, id, encodeHistory(history)) : null,
      };
    });
    this.deps.store.transaction(() => {
      for (const r of rows) {
        this.repo.insert(r.id, r.sealed);
        r.sealedAttachments.forEach((s, i) => this.repo.insertAttachment(r.id, r.attachmentIds[i]!, i, s));
        if (r.sealedHistory) this.repo.putHistory(r.id, r.sealedHistory);
      }
    });
    for (const r of rows) this.cache.set(r.id, this.toCached(r.id, r.payload));
    if (rows.length > 0) this.deps.changed();
    return rows.length;
  }

  /** `(title, secret)` of every item not in the trash, as `JSON.stringify([title, secret])` (duplicate checks). */
  titleSecretKeys(): Set<string> {
    const session = this.deps.requireSession();
    const keys = new Set<string>();
    for (const id of this.cache.keys()) {
      const p = this.openLive(session, id);
      keys.add(JSON.stringify([p.title, p.secret]));
    }
    return keys;
  }

  /**
   * Changes the fields given. `patch.attachments`, when given, is the new list in order: new files, and
   * `{ keep: attachmentId }` for a current attachment (its sealed row is kept as it is).
   */
  update(id: string, patch: ItemPatch): ItemData {
    const session = this.deps.requireSession();
    for (const a of patch.attachments ?? []) if (!('keep' in a)) checkAttachmentSize(a.name, a.data.length);
    const previous = this.openLive(session, id);
    const next = patch.attachments && this.nextAttachments(session, id, previous, patch.attachments);
    const now = this.now();
    const payload: ItemPayload = {
      title: patch.title ?? previous.title,
      secret: patch.secret ?? previous.secret,
      notes: patch.notes ?? previous.notes,
      tags: patch.tags ? [...patch.tags] : previous.tags,
      createdAt: previous.createdAt,
      updatedAt: Math.max(now, previous.updatedAt),
      attachments: next ? next.map((a) => a.id) : previous.attachments,
    };
    const sealed = session.sealRow(ITEMS, id, encodeItem(payload));
    // A replaced secret is kept, with when it was replaced (an empty one is nothing to keep).
    const history =
      payload.secret !== previous.secret && previous.secret !== ''
        ? [{ secret: previous.secret, replacedAt: now }, ...this.readHistory(session, id)].slice(
            0,
            MAX_PREVIOUS_SECRETS,
          )
        : null;
    const sealedHistory = history && session.sealRow(HISTORY, id, encodeHistory(history));
    this.deps.store.transaction(() => {
      if (!this.repo.update(id, sealed)) throw new NotFoundError(`No item with id ${id}.`);
      if (next) this.repo.replaceAttachments(id, next);
      if (sealedHistory) this.repo.putHistory(id, sealedHistory);
    });
    this.cache.set(id, this.toCached(id, payload));
    this.deps.changed();
    const listed =
      next?.map((a) => a.info) ??
      this.attachmentRows(id, payload).map((row) => this.attachmentInfo(session, id, row));
    return this.toItem(id, payload, listed);
  }

  /** Moves the item to the trash (one row update); `restore` brings it back within TRASH_DAYS days. */
  delete(id: string): TrashedItemData {
    const session = this.deps.requireSession();
    const payload = this.openLive(session, id);
    const deletedAt = this.now();
    const sealed = session.sealRow(ITEMS, id, encodeItem({ ...payload, deletedAt }));
    const moved = this.deps.store.transaction(() => this.repo.update(id, sealed));
    if (!moved) throw new NotFoundError(`No item with id ${id}.`);
    const trashed = this.toTrashed(id, payload, deletedAt);
    this.cache.delete(id);
    this.trashed.set(id, trashed);
    this.deps.changed();
    return { ...trashed, tags: [...trashed.tags] };
  }

  /** The items in the trash, most recently deleted first (expired ones are deleted for good first). */
  trash(): TrashedItemData[] {
    this.deps.requireSession();
    this.purge(true);
    return [...this.trashed.values()]
      .sort((a, b) => b.deletedAt - a.deletedAt || a.id.localeCompare(b.id))
      .map((t) => ({ ...t, tags: [...t.tags] }));
  }

  /** Takes an item out of the trash, as it was (same id, fields, files and previous secrets). */
  restore(id: string): ItemSummaryData {
    const session = this.deps.requireSession();
    const payload = this.openTrashed(session, id);
    delete payload.deletedAt;
    const sealed = session.sealRow(ITEMS, id, encodeItem(payload));
    const restored = this.deps.store.transaction(() => this.repo.update(id, sealed));
    if (!restored) throw new NotFoundError(`No item with id ${id} in the trash.`);
    this.trashed.delete(id);
    const cached = this.toCached(id, payload);
    this.cache.set(id, cached);
    this.deps.changed();
    return {
      id,
      title: cached.title,
      tags: [...cached.tags],
      attachmentCount: cached.attachmentCount,
      updatedAt: cached.updatedAt,
    };
  }

  /** Deletes an item in the trash for good: its row, files and previous secrets (one transaction). */
  purgeOne(id: string): void {
    const session = this.deps.requireSession();
    this.openTrashed(session, id);
    const deleted = this.deps.store.transaction(() => this.repo.delete(id));
    if (!deleted) throw new NotFoundError(`No item with id ${id} in the trash.`);
    this.trashed.delete(id);
    this.deps.trashChanged?.();
  }

  /** Deletes for good every item that has been in the trash TRASH_DAYS days or more; returns how many. */
  purgeExpired(): number {
    this.deps.requireSession();
    return this.purge(true);
  }

  /** The item's previous secrets, newest first. */
  history(id: string): PreviousSecretData[] {
    const session = this.deps.requireSession();
    this.openLive(session, id);
    return this.readHistory(session, id);
  }

  /** Every item not in the trash, in full: attachments and previous secrets included (for snapshots). */
  exportAll(): FullItemData[] {
    this.deps.requireSession();
    return [...this.cache.keys()].sort().map((id) => this.getFull(id));
  }

  private getFull(id: string): FullItemData & { attachments: (AttachmentData & { id: string })[] } {
    const session = this.deps.requireSession();
    const payload = this.openLive(session, id);
    const attachments = this.attachmentRows(id, payload).map((r) => this.openAttachment(session, id, r));
    return { ...this.toItem(id, payload, attachments), history: this.readHistory(session, id) };
  }

  /** Deletes the expired trash in one transaction. */
  private purge(notify: boolean): number {
    const now = this.now();
    const expired = [...this.trashed.values()].filter((t) => t.purgeAt <= now).map((t) => t.id);
    if (expired.length === 0) return 0;
    this.deps.store.transaction(() => {
      for (const id of expired) this.repo.delete(id);
    });
    for (const id of expired) this.trashed.delete(id);
    if (notify) this.deps.trashChanged?.();
    return expired.length;
  }

  private readHistory(session: VaultSession, id: string): PreviousSecretData[] {
    const sealed = this.repo.history(id);
    return sealed ? decodeHistory(id, session.openRow(HISTORY, id, sealed)) : [];
  }

  /** The payload of an item that is not in the trash; NotFoundError otherwise. */
  private openLive(session: VaultSession, id: string): ItemPayload {
    const payload = this.openItem(session, this.requireRow(id));
    if (payload.deletedAt !== undefined)
      throw new NotFoundError(`"${payload.title}" is in the trash. Restore it to open or change it.`);
    return payload;
  }

  /** The payload of an item in the trash; NotFoundError otherwise. */
  private openTrashed(session: VaultSession, id: string): ItemPayload {
    const row = this.repo.get(id);
    const payload = row && this.openItem(session, row);
    if (!payload || payload.deletedAt === undefined)
      throw new NotFoundError(`No item with id ${id} in the trash.`);
    return payload;
  }

  private requireRow(id: string): { id: string; sealed: Buffer } {
    const row = this.repo.get(id);
    if (!row) throw new NotFoundError(`No item with id ${id}.`);
    return row;
  }

  /**
   * An update's new attachment list: kept ones by id (their rows stay as they are), new ones sealed here; and what
   * get() lists of each.
   */
  private nextAttachments(
    session: VaultSession,
    itemId: string,
    previous: ItemPayload,
    list: NonNullable<ItemPatch['attachments']>,
  ): (NextAttachment & { info: AttachmentInfo })[] {
    const current = list.some((a) => 'keep' in a) ? this.attachmentRows(itemId, previous) : [];
    const kept = new Set<string>();
    return list.map((a) => {
      if ('keep' in a) {
        const row = current.find((r) => r.id === a.keep);
        if (!row)
          throw new NotFoundError(
            `"${previous.title}" no longer has a file you kept (it was removed or replaced meanwhile). Open the item again and retry.`,
          );
        if (kept.has(a.keep)) throw new BadRequestError('The same file is listed twice to keep.');
        kept.add(a.keep);
        return { id: row.id, info: this.attachmentInfo(session, itemId, row) };
      }
      const attachmentId = newId();
      return {
        id: attachmentId,
        sealed: this.sealAttachment(session, itemId, attachmentId, a),
        info: attachmentInfo({ ...a, id: attachmentId }),
      };
    });
  }

  private openItem(session: VaultSession, row: { id: string; sealed: Buffer }): ItemPayload {
    return decodeItem(row.id, session.openRow(ITEMS, row.id, row.sealed));
  }

  private sealAttachments(
    session: VaultSession,
    itemId: string,
    ids: string[],
    attachments: AttachmentData[],
  ): Buffer[] {
    return attachments.map((a, i) => this.sealAttachment(session, itemId, ids[i]!, a));
  }

  private sealAttachment(session: VaultSession, itemId: string, id: string, a: AttachmentData): Buffer {
    return session.sealRow(ATTACHMENTS, attachmentRowId(itemId, id), encodeAttachment(a));
  }

  /** The attachment rows, checked against the ids the item itself lists. */
  private attachmentRows(itemId: string, payload: ItemPayload): SealedAttachmentRow[] {
    const rows = this.repo.attachments(itemId);
    this.checkListed(
      itemId,
      payload,
      rows.map((r) => r.id),
    );
    return rows;
  }

  /** The stored attachment ids must be the ones the item itself lists (none missing, added or reordered). */
  private checkListed(itemId: string, payload: ItemPayload, ids: string[]): void {
    if (ids.length !== payload.attachments.length || ids.some((rid, i) => rid !== payload.attachments[i]))
      throw new VaultDataCorruptError(`the attachments of item ${itemId}`);
  }

  private attachmentInfo(session: VaultSession, itemId: string, row: SealedAttachmentRow): AttachmentInfo {
    return attachmentInfo(this.openAttachment(session, itemId, row));
  }

  private openAttachment(
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

  private toCached(id: string, p: ItemPayload): CachedItem {
    return {
      id,
      title: p.title,
      tags: p.tags,
      notes: p.notes,
      attachmentCount: p.attachments.length,
      updatedAt: p.updatedAt,
    };
  }

  private toTrashed(id: string, p: ItemPayload, deletedAt: number): TrashedItemData {
    return {
      id,
      title: p.title,
      tags: [...p.tags],
      attachmentCount: p.attachments.length,
      updatedAt: p.updatedAt,
      deletedAt,
      purgeAt: deletedAt + TRASH_KEEP_MS,
    };
  }

  private toItem<A>(
    id: string,
    p: ItemPayload,
    attachments: A[],
  ): Omit<ItemData, 'attachments'> & { attachments: A[] } {
    return {
      id,
      title: p.title,
      secret: p.secret,
      notes: p.notes,
      tags: [...p.tags],
      attachmentCount: attachments.length,
      attachments,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    };
  }
}
