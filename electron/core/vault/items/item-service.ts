import { MAX_PREVIOUS_SECRETS } from '../../../../shared/api/ops/items.ts';
import { BadRequestError, NotFoundError } from '../../../../shared/errors.ts';
import { assertKindFields, compactKind, type ItemKindData } from '../../../../shared/items/kinds.ts';
import type { Store } from '../../store/store.ts';
import type { VaultSession } from '../session.ts';
import type { ItemPayload } from './codec.ts';
import { checkAttachmentSize } from './limits.ts';
import { ItemRepo, type NextAttachment } from './item-repo.ts';
import { ItemRows, newId } from './item-rows.ts';
import { ItemIndex } from './item-index.ts';
import { toCached, toItem, toTrashed } from './item-views.ts';
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

export { TRASH_KEEP_MS } from './item-views.ts';

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
  /** Opening and sealing the item's rows (item-rows.ts). */
  private readonly rows: ItemRows;
  private readonly deps: ItemServiceDeps;
  private readonly now: () => number;
  /** The summaries of the items not in the trash, in list order (item-index.ts). */
  private cache = new ItemIndex();
  private trashed = new Map<string, TrashedItemData>();

  constructor(deps: ItemServiceDeps) {
    this.deps = deps;
    this.repo = new ItemRepo(deps.store.db);
    this.rows = new ItemRows(this.repo);
    this.now = deps.now ?? Date.now;
  }

  /** Decrypts every item into the search cache and the trash list (at unlock), and empties expired trash. */
  load(session: VaultSession): void {
    const cache = new ItemIndex();
    const trashed = new Map<string, TrashedItemData>();
    for (const row of this.repo.all()) {
      const payload = this.rows.open(session, row);
      if (payload.deletedAt === undefined) cache.set(toCached(row.id, payload));
      else trashed.set(row.id, toTrashed(row.id, payload, payload.deletedAt));
    }
    this.cache = cache;
    this.trashed = trashed;
    this.purge(false);
  }

  /** Drops everything decrypted (at lock). */
  clear(): void {
    this.cache = new ItemIndex();
    this.trashed = new Map();
  }

  /** The items that match `query` (search.ts), by title; every item for a blank query. */
  list(query = ''): ItemSummaryData[] {
    this.deps.requireSession();
    return this.cache.find(query).map(({ id, title, tags, attachmentCount, updatedAt, kind }) => ({
      id,
      title,
      tags: [...tags],
      attachmentCount,
      updatedAt,
      kind,
    }));
  }

  /** The ids of the items `list(query)` lists, in the same order, without copying their summaries. */
  search(query: string): string[] {
    this.deps.requireSession();
    return this.cache.find(query).map((item) => item.id);
  }

  /** The item, listing its attachments without their bytes. */
  get(id: string): ItemData {
    const session = this.deps.requireSession();
    const payload = this.rows.openLive(session, id);
    const rows = this.rows.attachments(id, payload);
    return toItem(
      id,
      payload,
      rows.map((row) => this.rows.attachmentInfo(session, id, row)),
    );
  }

  /** One attachment of an item, with its bytes (by the id get() lists). */
  attachment(id: string, attachmentId: string): AttachmentData & { id: string } {
    const session = this.deps.requireSession();
    const payload = this.rows.openLive(session, id);
    this.rows.checkListed(id, payload, this.repo.attachmentIds(id));
    const row = payload.attachments.includes(attachmentId)
      ? this.repo.attachment(id, attachmentId)
      : undefined;
    if (!row)
      throw new NotFoundError(
        `"${payload.title}" no longer has that file (it was removed or replaced). Open the item again to see its files.`,
      );
    return this.rows.openAttachment(session, id, row);
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
      ...checkedKind(input.secret, input),
    };
    const sealed = this.rows.seal(session, id, payload);
    const sealedAttachments = this.rows.sealAttachments(session, id, attachmentIds, input.attachments);
    this.deps.store.transaction(() => {
      this.repo.insert(id, sealed);
      sealedAttachments.forEach((s, i) => this.repo.insertAttachment(id, attachmentIds[i]!, i, s));
    });
    this.cache.set(toCached(id, payload));
    this.deps.changed();
    return toItem(
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
    const kinds = inputs.map((input) => checkedKind(input.secret, input));
    const now = this.now();
    const rows = inputs.map((input, n) => {
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
        ...kinds[n],
      };
      const history = (input.history ?? []).slice(0, MAX_PREVIOUS_SECRETS);
      return {
        id,
        payload,
        attachmentIds,
        sealed: this.rows.seal(session, id, payload),
        sealedAttachments: this.rows.sealAttachments(session, id, attachmentIds, input.attachments),
        sealedHistory: history.length > 0 ? this.rows.sealHistory(session, id, history) : null,
      };
    });
    this.deps.store.transaction(() => {
      for (const r of rows) {
        this.repo.insert(r.id, r.sealed);
        r.sealedAttachments.forEach((s, i) => this.repo.insertAttachment(r.id, r.attachmentIds[i]!, i, s));
        if (r.sealedHistory) this.repo.putHistory(r.id, r.sealedHistory);
      }
    });
    this.cache.setMany(rows.map((r) => toCached(r.id, r.payload)));
    if (rows.length > 0) this.deps.changed();
    return rows.length;
  }

  /** `(title, secret)` of every item not in the trash, as `JSON.stringify([title, secret])` (duplicate checks). */
  titleSecretKeys(): Set<string> {
    const session = this.deps.requireSession();
    const keys = new Set<string>();
    for (const id of this.cache.ids()) {
      const p = this.rows.openLive(session, id);
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
    const previous = this.rows.openLive(session, id);
    const next = patch.attachments && this.nextAttachments(session, id, previous, patch.attachments);
    const now = this.now();
    const secret = patch.secret ?? previous.secret;
    const payload: ItemPayload = {
      title: patch.title ?? previous.title,
      secret,
      notes: patch.notes ?? previous.notes,
      tags: patch.tags ? [...patch.tags] : previous.tags,
      createdAt: previous.createdAt,
      updatedAt: Math.max(now, previous.updatedAt),
      attachments: next ? next.map((a) => a.id) : previous.attachments,
      // Fields left out are kept; a login turned into another kind must have its user name and addresses cleared
      // in the same update (assertKindFields says so), so nothing is dropped unseen.
      ...checkedKind(secret, {
        kind: patch.kind ?? previous.kind,
        username: patch.username ?? previous.username,
        urls: patch.urls ?? previous.urls,
      }),
    };
    const sealed = this.rows.seal(session, id, payload);
    // A replaced secret is kept, with when it was replaced (an empty one is nothing to keep).
    const history =
      payload.secret !== previous.secret && previous.secret !== ''
        ? [{ secret: previous.secret, replacedAt: now }, ...this.rows.history(session, id)].slice(
            0,
            MAX_PREVIOUS_SECRETS,
          )
        : null;
    const sealedHistory = history && this.rows.sealHistory(session, id, history);
    this.deps.store.transaction(() => {
      if (!this.repo.update(id, sealed)) throw new NotFoundError(`No item with id ${id}.`);
      if (next) this.repo.replaceAttachments(id, next);
      if (sealedHistory) this.repo.putHistory(id, sealedHistory);
    });
    this.cache.set(toCached(id, payload));
    this.deps.changed();
    const listed =
      next?.map((a) => a.info) ??
      this.rows.attachments(id, payload).map((row) => this.rows.attachmentInfo(session, id, row));
    return toItem(id, payload, listed);
  }

  /** Moves the item to the trash (one row update); `restore` brings it back within TRASH_DAYS days. */
  delete(id: string): TrashedItemData {
    const session = this.deps.requireSession();
    const payload = this.rows.openLive(session, id);
    const deletedAt = this.now();
    const sealed = this.rows.seal(session, id, { ...payload, deletedAt });
    const moved = this.deps.store.transaction(() => this.repo.update(id, sealed));
    if (!moved) throw new NotFoundError(`No item with id ${id}.`);
    const trashed = toTrashed(id, payload, deletedAt);
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
    const payload = this.rows.openTrashed(session, id);
    delete payload.deletedAt;
    const sealed = this.rows.seal(session, id, payload);
    const restored = this.deps.store.transaction(() => this.repo.update(id, sealed));
    if (!restored) throw new NotFoundError(`No item with id ${id} in the trash.`);
    this.trashed.delete(id);
    const cached = toCached(id, payload);
    this.cache.set(cached);
    this.deps.changed();
    return {
      id,
      title: cached.title,
      tags: [...cached.tags],
      attachmentCount: cached.attachmentCount,
      updatedAt: cached.updatedAt,
      kind: cached.kind,
    };
  }

  /** Deletes an item in the trash for good: its row, files and previous secrets (one transaction). */
  purgeOne(id: string): void {
    const session = this.deps.requireSession();
    this.rows.openTrashed(session, id);
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
    this.rows.openLive(session, id);
    return this.rows.history(session, id);
  }

  /**
   * About how many bytes a snapshot's items take (their sealed size, the trash included), without opening them: for
   * getting ready for a large backup build before it starts.
   */
  storedBytes(): number {
    return this.repo.storedBytes();
  }

  /** Every item not in the trash, in full: attachments and previous secrets included (for snapshots). */
  exportAll(): FullItemData[] {
    this.deps.requireSession();
    return [...this.cache.ids()].sort().map((id) => this.getFull(id));
  }

  private getFull(id: string): FullItemData & { attachments: (AttachmentData & { id: string })[] } {
    const session = this.deps.requireSession();
    const payload = this.rows.openLive(session, id);
    const attachments = this.rows
      .attachments(id, payload)
      .map((r) => this.rows.openAttachment(session, id, r));
    return { ...toItem(id, payload, attachments), history: this.rows.history(session, id) };
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
    const current = list.some((a) => 'keep' in a) ? this.rows.attachments(itemId, previous) : [];
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
        return { id: row.id, info: this.rows.attachmentInfo(session, itemId, row) };
      }
      const attachmentId = newId();
      return {
        id: attachmentId,
        sealed: this.rows.sealAttachment(session, itemId, attachmentId, a),
        info: attachmentInfo({ ...a, id: attachmentId }),
      };
    });
  }
}

/** The kind fields as stored (compactKind), after checking they fit the kind and the secret (shared/items/kinds.ts). */
function checkedKind(secret: string, data: ItemKindData): ItemKindData {
  assertKindFields({ ...data, kind: data.kind ?? 'secret', secret });
  return compactKind(data);
}
