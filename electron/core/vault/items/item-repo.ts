import type { Database } from 'better-sqlite3';
import { prepared } from '../../store/statements.ts';

export interface SealedRow {
  id: string;
  sealed: Buffer;
}

export interface SealedAttachmentRow extends SealedRow {
  position: number;
}

/** An entry of an item's new attachment list: a new row (with its sealed bytes), or a current one (without). */
export interface NextAttachment {
  id: string;
  sealed?: Buffer;
}

/** SQL for `items` and `attachments`. Callers own the transactions. */
export class ItemRepo {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** The sealed bytes of every item and attachment (SQLite reads a blob's length without reading the blob). */
  storedBytes(): number {
    return (
      prepared(
        this.db,
        `SELECT (SELECT coalesce(sum(length(sealed)), 0) FROM items)
              + (SELECT coalesce(sum(length(sealed)), 0) FROM attachments) AS n`,
      ).get() as { n: number }
    ).n;
  }

  all(): SealedRow[] {
    return prepared(this.db, 'SELECT id, sealed FROM items').all() as SealedRow[];
  }

  get(id: string): SealedRow | undefined {
    return prepared(this.db, 'SELECT id, sealed FROM items WHERE id = ?').get(id) as SealedRow | undefined;
  }

  insert(id: string, sealed: Buffer): void {
    prepared(this.db, 'INSERT INTO items (id, sealed) VALUES (?, ?)').run(id, sealed);
  }

  update(id: string, sealed: Buffer): boolean {
    return prepared(this.db, 'UPDATE items SET sealed = ? WHERE id = ?').run(sealed, id).changes === 1;
  }

  /** The sealed previous secrets of an item (migration 010), if it has any. */
  history(itemId: string): Buffer | undefined {
    return (
      prepared(this.db, 'SELECT sealed FROM item_history WHERE item_id = ?').get(itemId) as
        { sealed: Buffer } | undefined
    )?.sealed;
  }

  putHistory(itemId: string, sealed: Buffer): void {
    prepared(
      this.db,
      'INSERT INTO item_history (item_id, sealed) VALUES (?, ?) ON CONFLICT (item_id) DO UPDATE SET sealed = excluded.sealed',
    ).run(itemId, sealed);
  }

  /** Deletes the item and (by cascade) its attachments and previous secrets. */
  delete(id: string): boolean {
    return prepared(this.db, 'DELETE FROM items WHERE id = ?').run(id).changes === 1;
  }

  attachments(itemId: string): SealedAttachmentRow[] {
    return prepared(
      this.db,
      'SELECT id, position, sealed FROM attachments WHERE item_id = ? ORDER BY position',
    ).all(itemId) as SealedAttachmentRow[];
  }

  /** The attachment ids of an item, in order (without loading the sealed files). */
  attachmentIds(itemId: string): string[] {
    return (
      prepared(this.db, 'SELECT id FROM attachments WHERE item_id = ? ORDER BY position').all(itemId) as {
        id: string;
      }[]
    ).map((r) => r.id);
  }

  attachment(itemId: string, id: string): SealedAttachmentRow | undefined {
    return prepared(this.db, 'SELECT id, position, sealed FROM attachments WHERE item_id = ? AND id = ?').get(
      itemId,
      id,
    ) as SealedAttachmentRow | undefined;
  }

  insertAttachment(itemId: string, id: string, position: number, sealed: Buffer): void {
    prepared(this.db, 'INSERT INTO attachments (id, item_id, position, sealed) VALUES (?, ?, ?, ?)').run(
      id,
      itemId,
      position,
      sealed,
    );
  }

  /**
   * Makes `list` the item's attachments, in order: rows not in it are deleted, current ones only move to their new
   * position (their sealed files are not written again), new ones are inserted.
   */
  replaceAttachments(itemId: string, list: readonly NextAttachment[]): void {
    const keep = new Set(list.map((a) => a.id));
    const drop = prepared(this.db, 'DELETE FROM attachments WHERE item_id = ? AND id = ?');
    for (const id of this.attachmentIds(itemId)) if (!keep.has(id)) drop.run(itemId, id);
    const move = prepared(this.db, 'UPDATE attachments SET position = ? WHERE item_id = ? AND id = ?');
    list.forEach((a, position) => {
      if (a.sealed) this.insertAttachment(itemId, a.id, position, a.sealed);
      else move.run(position, itemId, a.id);
    });
  }
}
