import type { Migration } from './migration.ts';

/**
 * The three chunk tables (the owner's own backup chunks, chunks held for friends, chunks pooled during a recovery)
 * become ordinary rowid tables; their keys stay unique through the index SQLite makes for the primary key.
 *
 * They were WITHOUT ROWID, which SQLite advises against for rows larger than about a twentieth of a page: every row
 * here is an encrypted chunk of 2 to 32 KiB, so each insert and delete moved whole overflow chains inside the
 * primary-key B-tree, and storing a large version and dropping the one before it spent most of its time moving them.
 */
export const migration006ChunkTables: Migration = {
  version: 6,
  name: 'chunk tables with rowids',
  up(db) {
    db.exec(`
      CREATE TABLE backup_chunks_new (
        id BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 32),
        data BLOB NOT NULL
      ) STRICT;
      INSERT INTO backup_chunks_new (id, data) SELECT id, data FROM backup_chunks;
      DROP TABLE backup_chunks;
      ALTER TABLE backup_chunks_new RENAME TO backup_chunks;

      CREATE TABLE held_chunks_new (
        owner_peer_id TEXT NOT NULL,
        chunk_id BLOB NOT NULL CHECK (length(chunk_id) = 32),
        data BLOB NOT NULL,
        PRIMARY KEY (owner_peer_id, chunk_id)
      ) STRICT;
      INSERT INTO held_chunks_new (owner_peer_id, chunk_id, data) SELECT owner_peer_id, chunk_id, data FROM held_chunks;
      DROP TABLE held_chunks;
      ALTER TABLE held_chunks_new RENAME TO held_chunks;

      CREATE TABLE recovery_chunks_new (
        id BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 32),
        data BLOB NOT NULL
      ) STRICT;
      INSERT INTO recovery_chunks_new (id, data) SELECT id, data FROM recovery_chunks;
      DROP TABLE recovery_chunks;
      ALTER TABLE recovery_chunks_new RENAME TO recovery_chunks;
    `);
  },
};
