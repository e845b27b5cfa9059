import type { Migration } from './migration.ts';

/**
 * The vault: its wrapped key, the identity, items with attachments, and settings.
 *
 * Everything secret is an AEAD blob (`sealed`) under the vault key with `tessera/v1/<table>/<id>` as associated
 * data, so a row cannot be moved to another id or table without failing to decrypt.
 */
export const migration001Vault: Migration = {
  version: 1,
  name: 'vault',
  up(db) {
    db.exec(`
      CREATE TABLE vault (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        format INTEGER NOT NULL,
        kdf TEXT NOT NULL,
        kdf_log_n INTEGER NOT NULL,
        kdf_r INTEGER NOT NULL,
        kdf_p INTEGER NOT NULL,
        kdf_salt BLOB NOT NULL,
        wrapped_key BLOB NOT NULL,
        protector_name TEXT,
        protected_key BLOB,
        created_at INTEGER NOT NULL,
        CHECK ((protector_name IS NULL) = (protected_key IS NULL))
      ) STRICT;

      CREATE TABLE identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        peer_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        sign_public BLOB NOT NULL,
        box_public BLOB NOT NULL,
        box_signature BLOB NOT NULL,
        sealed_secrets BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE items (
        id TEXT PRIMARY KEY,
        sealed BLOB NOT NULL
      ) STRICT;

      CREATE TABLE attachments (
        id TEXT PRIMARY KEY,
        item_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        sealed BLOB NOT NULL
      ) STRICT;
      CREATE INDEX attachments_by_item ON attachments (item_id, position);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
