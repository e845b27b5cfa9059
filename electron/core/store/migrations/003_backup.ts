import type { Migration } from './migration.ts';

/**
 * Backups, both roles.
 *
 * Owner: one active split at a time (older ones retired), its custodians and what each confirmed, and the current
 * backup version with its encrypted chunks. The backup key K is stored sealed under the vault key; everything else
 * here is either public or already encrypted (sealed envelopes, manifests, chunks).
 *
 * Custodian: holding requests and their answers, one held shard per owner with the newest manifest, the chunks
 * that manifest lists, and spent request nonces (replay protection).
 */
export const migration003Backup: Migration = {
  version: 3,
  name: 'backup',
  up(db) {
    db.exec(`
      CREATE TABLE backup_splits (
        split_id BLOB PRIMARY KEY CHECK (length(split_id) = 16),
        threshold INTEGER NOT NULL CHECK (threshold BETWEEN 2 AND 16),
        key_sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        retired_at INTEGER
      ) STRICT;

      CREATE TABLE backup_custodians (
        split_id BLOB NOT NULL REFERENCES backup_splits (split_id) ON DELETE CASCADE,
        peer_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('requested', 'accepted', 'declined', 'removing', 'removed')),
        request_nonce BLOB NOT NULL CHECK (length(request_nonce) = 32),
        request_expires INTEGER NOT NULL,
        sealed_envelope BLOB NOT NULL,
        envelope_delivered INTEGER NOT NULL DEFAULT 0,
        version_held INTEGER,
        manifest_held BLOB,
        receipt BLOB,
        deletion_receipt BLOB,
        last_confirmed INTEGER,
        health TEXT CHECK (health IN ('ok', 'missing', 'mismatch')),
        last_error TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (split_id, peer_id)
      ) STRICT;

      CREATE TABLE backup_current (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        split_id BLOB,
        manifest BLOB,
        dirty INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO backup_current (id, version, dirty, updated_at) VALUES (1, 0, 0, 0);

      CREATE TABLE backup_chunks (
        id BLOB PRIMARY KEY CHECK (length(id) = 32),
        data BLOB NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE holding_requests (
        owner_peer_id TEXT PRIMARY KEY,
        threshold INTEGER NOT NULL,
        custodians INTEGER NOT NULL,
        nonce BLOB NOT NULL CHECK (length(nonce) = 32),
        expires_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined')),
        answer_delivered INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        answered_at INTEGER
      ) STRICT;

      CREATE TABLE held_shards (
        owner_peer_id TEXT PRIMARY KEY,
        split_id BLOB NOT NULL CHECK (length(split_id) = 16),
        sealed_envelope BLOB NOT NULL,
        manifest BLOB NOT NULL,
        version INTEGER NOT NULL,
        since INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE held_chunks (
        owner_peer_id TEXT NOT NULL,
        chunk_id BLOB NOT NULL CHECK (length(chunk_id) = 32),
        data BLOB NOT NULL,
        PRIMARY KEY (owner_peer_id, chunk_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE spent_nonces (
        nonce BLOB PRIMARY KEY CHECK (length(nonce) = 32),
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
