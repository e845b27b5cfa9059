import type { Migration } from './migration.ts';

/**
 * The owner's own backup chunks may live in pack files too (electron/core/backup/own-packs.ts), as chunks held for
 * friends do since migration 7: `backup_packs` lists the files and their sizes, and a `backup_chunks` row now either
 * carries its bytes (`data`, as every row did before) or names its pack, offset and length. Existing rows keep their
 * bytes where they are.
 */
export const migration013BackupPacks: Migration = {
  version: 13,
  name: 'own backup chunk packs',
  up(db) {
    db.exec(`
      CREATE TABLE backup_packs (
        pack_id TEXT NOT NULL PRIMARY KEY CHECK (length(pack_id) = 32),
        bytes INTEGER NOT NULL CHECK (bytes > 0)
      ) STRICT;

      CREATE TABLE backup_chunks_new (
        id BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 32),
        length INTEGER NOT NULL CHECK (length >= 0),
        data BLOB,
        pack_id TEXT REFERENCES backup_packs (pack_id),
        pack_offset INTEGER CHECK (pack_offset >= 0),
        CHECK ((data IS NULL) = (pack_id IS NOT NULL)),
        CHECK ((pack_id IS NULL) = (pack_offset IS NULL))
      ) STRICT;
      INSERT INTO backup_chunks_new (id, length, data) SELECT id, length(data), data FROM backup_chunks;
      DROP TABLE backup_chunks;
      ALTER TABLE backup_chunks_new RENAME TO backup_chunks;
      CREATE INDEX backup_chunks_by_pack ON backup_chunks (pack_id) WHERE pack_id IS NOT NULL;
    `);
  },
};
