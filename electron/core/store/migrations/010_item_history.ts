import type { Migration } from './migration.ts';

/**
 * Previous secrets of an item (docs/STORAGE.md, "Trash and secret history").
 *
 * `item_history` holds one row per item that ever had its secret replaced: `sealed` is an AEAD blob under the vault
 * key with `tessera/v1/item_history/<item id>` as associated data, holding the last previous secrets with the time
 * each was replaced (at most 10, newest first). It goes with its item (`ON DELETE CASCADE`). The trash needs no
 * table: a deleted item stays in `items`, its deletion time inside its own sealed payload.
 */
export const migration010ItemHistory: Migration = {
  version: 10,
  name: 'item-history',
  up(db) {
    db.exec(`
      CREATE TABLE item_history (
        item_id TEXT PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
        sealed BLOB NOT NULL
      ) STRICT;
    `);
  },
};
