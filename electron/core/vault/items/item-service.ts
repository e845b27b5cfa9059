import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../../../shared/errors.ts';
import type { Store } from '../../store/store.ts';
import { VaultDataCorruptError } from '../errors.ts';
import type { VaultSession } from '../session.ts';
import { decodeAttachment, decodeItem, encodeAttachment, encodeItem } from './codec.ts';
import type { ItemPayload } from './codec.ts';
import { checkAttachmentSize } from './limits.ts';
import { ItemRepo } from './item-repo.ts';
import { matchesQuery } from './search.ts';
import type { AttachmentData, ItemData, ItemPatch, ItemSummaryData, NewItem } from './types.ts';

const ITEMS = 'items';
const ATTACHMENTS = 'attachments';

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
  /** Called after every committed change. */
  changed(): void;
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
 */
export class ItemService {
  private readonly repo: ItemRepo;
  private readonly deps: ItemServiceDeps;
  private readonly now: () => number;
  private cache = new Map<string, CachedItem>();

  constructor(deps: ItemServiceDeps) {
    this.deps = deps;
    this.repo = new ItemRepo(deps.store.db);
    this.now = deps.now ?? Date.now;
  }

  /** Decrypts every item into the search cache (at unlock). */
  load(session: VaultSession): void {
    const cache = new Map<string, CachedItem>();
    for (const row of this.repo.all()) cache.set(row.id, this.toCached(row.id, this.openItem(session, row)));
    this.cache = cache;
  }

  /** Drops everything decrypted (at lock). */
  clear(): void {
    this.cache = new Map();
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

  get(id: string): ItemData {
    const session = this.deps.requireSession();
    const row = this.repo.get(id);
    if (!row) throw new NotFoundError(`No item with id ${id}.`);
    const payload = this.openItem(session, row);
    return this.toItem(id, payload, this.readAttachments(session, id, payload));
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
    return this.toItem(id, payload, input.attachments);
  }

  update(id: string, patch: ItemPatch): ItemData {
    const session = this.deps.requireSession();
    for (const a of patch.attachments ?? []) checkAttachmentSize(a.name, a.data.length);
    const row = this.repo.get(id);
    if (!row) throw new NotFoundError(`No item with id ${id}.`);
    const previous = this.openItem(session, row);
    const replacing = patch.attachments !== undefined;
    const attachmentIds = replacing ? patch.attachments!.map(() => newId()) : previous.attachments;
    const payload: ItemPayload = {
      title: patch.title ?? previous.title,
      secret: patch.secret ?? previous.secret,
      notes: patch.notes ?? previous.notes,
      tags: patch.tags ? [...patch.tags] : previous.tags,
      createdAt: previous.createdAt,
      updatedAt: Math.max(this.now(), previous.updatedAt),
      attachments: attachmentIds,
    };
    const sealed = session.sealRow(ITEMS, id, encodeItem(payload));
    const sealedAttachments = replacing
      ? this.sealAttachments(session, id, attachmentIds, patch.attachments!)
      : [];
    this.deps.store.transaction(() => {
      if (!this.repo.update(id, sealed)) throw new NotFoundError(`No item with id ${id}.`);
      if (replacing) {
        this.repo.deleteAttachments(id);
        sealedAttachments.forEach((s, i) => this.repo.insertAttachment(id, attachmentIds[i]!, i, s));
      }
    });
    this.cache.set(id, this.toCached(id, payload));
    this.deps.changed();
    const attachments = replacing ? patch.attachments! : this.readAttachments(session, id, payload);
    return this.toItem(id, payload, attachments);
  }

  delete(id: string): void {
    this.deps.requireSession();
    const deleted = this.deps.store.transaction(() => this.repo.delete(id));
    if (!deleted) throw new NotFoundError(`No item with id ${id}.`);
    this.cache.delete(id);
    this.deps.changed();
  }

  /** Every item in full, attachments included (for snapshots). */
  exportAll(): ItemData[] {
    this.deps.requireSession();
    return [...this.cache.keys()].sort().map((id) => this.get(id));
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
    return attachments.map((a, i) =>
      session.sealRow(ATTACHMENTS, attachmentRowId(itemId, ids[i]!), encodeAttachment(a)),
    );
  }

  /** Reads and checks the attachments against the ids the item itself lists (none missing, added or reordered). */
  private readAttachments(session: VaultSession, itemId: string, payload: ItemPayload): AttachmentData[] {
    const rows = this.repo.attachments(itemId);
    const ids = rows.map((r) => r.id);
    if (ids.length !== payload.attachments.length || ids.some((rid, i) => rid !== payload.attachments[i]))
      throw new VaultDataCorruptError(`the attachments of item ${itemId}`);
    return rows.map((r) => {
      const rowId = attachmentRowId(itemId, r.id);
      return decodeAttachment(`attachment ${rowId}`, session.openRow(ATTACHMENTS, rowId, r.sealed));
    });
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

  private toItem(id: string, p: ItemPayload, attachments: AttachmentData[]): ItemData {
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
