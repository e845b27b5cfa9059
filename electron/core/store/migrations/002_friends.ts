import type { Migration } from './migration.ts';

/**
 * Friends and pairing state of the mesh. Stored in the clear (public keys, names, addresses): the node keeps
 * serving friends while the vault is locked, and its connection gater must read who may connect without the vault
 * key. No secret lives in these tables (own invites are kept only as their hash).
 */
export const migration002Friends: Migration = {
  version: 2,
  name: 'friends',
  up(db) {
    db.exec(`
      CREATE TABLE friends (
        peer_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        sign_public BLOB NOT NULL CHECK (length(sign_public) = 32),
        box_public BLOB NOT NULL CHECK (length(box_public) = 32),
        box_signature BLOB NOT NULL CHECK (length(box_signature) = 64),
        addresses TEXT NOT NULL DEFAULT '[]',
        own_invite_hash BLOB NOT NULL,
        their_invite_hash BLOB NOT NULL,
        added_at INTEGER NOT NULL,
        last_seen INTEGER
      ) STRICT;

      CREATE TABLE own_invites (
        hash BLOB PRIMARY KEY CHECK (length(hash) = 32),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE pending_pairings (
        peer_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        sign_public BLOB NOT NULL CHECK (length(sign_public) = 32),
        box_public BLOB NOT NULL CHECK (length(box_public) = 32),
        box_signature BLOB NOT NULL CHECK (length(box_signature) = 64),
        addresses TEXT NOT NULL DEFAULT '[]',
        invite_hash BLOB NOT NULL CHECK (length(invite_hash) = 32),
        accepted_at INTEGER NOT NULL,
        give_up_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
