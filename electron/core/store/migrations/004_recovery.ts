import type { Migration } from './migration.ts';

/**
 * The recovery session of a new device (docs/STORAGE.md, "Recovery session"). At most one session row; it and
 * everything it collected are deleted in the same transaction that restores the vault.
 *
 * - `recovery_session`: the ephemeral session identity. The Ed25519 seed is stored in the clear so the node can
 *   come back with the same peer ID (and the same code) after a restart without the passphrase; the X25519 box
 *   secret, which opens the shards, is sealed under a random session key wrapped by the chosen passphrase (scrypt,
 *   as the vault key). `proof` is the code's possession proof; `port` the TCP port to listen on again.
 * - `recovery_shards`: one row per custodian (authenticated peer ID): their signed envelope as sealed to the
 *   session box key, the newest manifest they hold (possibly empty) and its version.
 * - `recovery_chunks`: encrypted backup chunks (already encrypted under the backup key), checked against a manifest.
 */
export const migration004Recovery: Migration = {
  version: 4,
  name: 'recovery',
  up(db) {
    db.exec(`
      CREATE TABLE recovery_session (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        sign_seed BLOB NOT NULL CHECK (length(sign_seed) = 32),
        box_public BLOB NOT NULL CHECK (length(box_public) = 32),
        box_sealed BLOB NOT NULL,
        key_wrap TEXT NOT NULL,
        secret BLOB NOT NULL CHECK (length(secret) = 16),
        name TEXT,
        port INTEGER,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE recovery_shards (
        custodian_peer_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        sealed BLOB NOT NULL,
        manifest BLOB NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE recovery_chunks (
        id BLOB PRIMARY KEY CHECK (length(id) = 32),
        data BLOB NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
