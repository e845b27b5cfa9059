import type { Database } from 'better-sqlite3';

export interface SealedRow {
  id: string;
  sealed: Buffer;
}

export interface SealedAttachmentRow extends SealedRow {
  position: number;
}

/** SQL for `items` and `attachments`. Callers own the transactions. */
export class ItemRepo {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  all(): SealedRow[] {
    return this.db.prepare('SELECT id, sealed FROM items').all() as SealedRow[];
  }

  get(id: string): SealedRow | undefined {
    return this.db.prepare('SELECT id, sealed FROM items WHERE id = ?').get(id) as SealedRow | undefined;
  }

  insert(id: string, sealed: Buffer): void {
    this.db.prepare('INSERT INTO items (id, sealed) VALUES (?, ?)').run(id, sealed);
  }

  update(id: string, sealed: Buffer): boolean {
    return this.db.prepare('UPDATE items SET sealed = ? WHERE id = ?').run(sealed, id).changes === 1;
  }

  /** Deletes the item and (by cascade) its attachments. */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM items WHERE id = ?').run(id).changes === 1;
  }

  attachments(itemId: string): SealedAttachmentRow[] {
    return this.db
      .prepare('SELECT id, position, sealed FROM attachments WHERE item_id = ? ORDER BY position')
      .all(itemId) as SealedAttachmentRow[];
  }

  insertAttachment(itemId: string, id: string, position: number, sealed: Buffer): void {
    this.db
      .prepare('INSERT INTO attachments (id, item_id, position, sealed) VALUES (?, ?, ?, ?)')
      .run(id, itemId, position, sealed);
  }

  deleteAttachments(itemId: string): void {
    this.db.prepare('DELETE FROM attachments WHERE item_id = ?').run(itemId);
  }
}
