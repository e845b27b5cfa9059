/**
 * Re-sealing every row under a new vault key, for a passphrase change (docs/STORAGE.md, "Changing the passphrase").
 *
 * A passphrase change replaces the vault key itself, not only its wrap: someone who knew the old passphrase and
 * later copies the disk must find nothing the old key opens. So every column sealed with `VaultSession.sealRow` is
 * listed here, opened with the old session and sealed again with the new one, inside the caller's transaction.
 * A column added later that is sealed under the vault key must be added to SEALED_COLUMNS (the re-key test opens
 * every BLOB of every table with the old key afterwards and fails if one was missed).
 */
import type { Database } from 'better-sqlite3';
import { prepared } from '../store/statements.ts';
import type { VaultSession } from './session.ts';

interface SealedColumn {
  /** The table, also the first half of the associated data (`tessera/v1/<table>/<id>`, see aead.ts `rowAd`). */
  readonly table: string;
  readonly column: string;
  /** SQL giving the row's id as its writer passed it to `sealRow`. */
  readonly adId: string;
}

/** Every column sealed under the vault key, with the id its writer binds into the associated data. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  // identity-secrets.ts: the single row, id '1'.
  { table: 'identity', column: 'sealed_secrets', adId: 'CAST(id AS TEXT)' },
  // items/item-rows.ts: the item id.
  { table: 'items', column: 'sealed', adId: 'id' },
  // items/item-rows.ts attachmentRowId: `<item id>/<attachment id>`.
  { table: 'attachments', column: 'sealed', adId: "item_id || '/' || id" },
  // items/item-rows.ts: an item's previous secrets, by item id (migration 010).
  { table: 'item_history', column: 'sealed', adId: 'item_id' },
  // backup/split-creation.ts: the split id in lowercase hex.
  { table: 'backup_splits', column: 'key_sealed', adId: 'lower(hex(split_id))' },
];

/**
 * Opens every sealed row with `from` and seals it again with `to`. Synchronous, for inside one store transaction:
 * a row that does not open under `from` throws VaultDataCorruptError and the caller's transaction rolls back.
 * Returns how many rows were re-sealed.
 */
export function resealAll(db: Database, from: VaultSession, to: VaultSession): number {
  let count = 0;
  for (const { table, column, adId } of SEALED_COLUMNS) {
    // Row by row, so a vault with many large attachments is never all in memory at once.
    const rowids = (prepared(db, `SELECT rowid AS rid FROM ${table}`).all() as { rid: number }[]).map(
      (r) => r.rid,
    );
    const read = prepared(db, `SELECT ${adId} AS ad_id, ${column} AS sealed FROM ${table} WHERE rowid = ?`);
    const write = prepared(db, `UPDATE ${table} SET ${column} = ? WHERE rowid = ?`);
    for (const rid of rowids) {
      const row = read.get(rid) as { ad_id: string; sealed: Buffer };
      const plain = from.openRow(table, row.ad_id, row.sealed);
      try {
        write.run(to.sealRow(table, row.ad_id, plain), rid);
      } finally {
        plain.fill(0);
      }
      count++;
    }
  }
  return count;
}
