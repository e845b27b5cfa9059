import type { Migration } from './migration.ts';

/**
 * Chunks held for friends may live in pack files (electron/core/backup/held-packs.ts): `held_packs` lists the files
 * by owner and size, and a `held_chunks` row now either carries its bytes (`data`, as every row did before) or names
 * its pack, offset and length. Existing rows keep their bytes where they are.
 */
export const migration007HeldPacks: Migration = {
  version: 7,
  name: 'held chunk packs',
  up(db) {
    db.exec(`
      CREATE TABLE held_packs (
        pack_id TEXT NOT NULL PRIMARY KEY CHECK (length(pack_id) = 32),
        owner_peer_id TEXT NOT NULL,
        bytes INTEGER NOT NULL CHECK (bytes > 0)
      ) STRICT;
      CREATE INDEX held_packs_by_owner ON held_packs (owner_peer_id);

      CREATE TABLE held_chunks_new (
        owner_peer_id TEXT NOT NULL,
        chunk_id BLOB NOT NULL CHECK (length(chunk_id) = 32),
        length INTEGER NOT NULL CHECK (length >= 0),
        data BLOB,
        pack_id TEXT REFERENCES held_packs (pack_id),
        pack_offset INTEGER CHECK (pack_offset >= 0),
        PRIMARY KEY (owner_peer_id, chunk_id),
        CHECK ((data IS NULL) = (pack_id IS NOT NULL)),
        CHECK ((pack_id IS NULL) = (pack_offset IS NULL))
      ) STRICT;
      INSERT INTO held_chunks_new (owner_peer_id, chunk_id, length, data)
        SELECT owner_peer_id, chunk_id, length(data), data FROM held_chunks;
      DROP TABLE held_chunks;
      ALTER TABLE held_chunks_new RENAME TO held_chunks;
      CREATE INDEX held_chunks_by_pack ON held_chunks (pack_id) WHERE pack_id IS NOT NULL;
    `);
  },
};
