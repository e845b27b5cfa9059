import type { Migration } from './migration.ts';

/**
 * Codes people confirmed (docs/STORAGE.md; PROTOCOL §8.5, §11).
 *
 * - `friends`: the last code compared with each friend (`sas_code`, from the SAS exchange, and when), and when the
 *   person confirmed that both screens showed it (`verified_at`). Only a verified friend can be asked to hold a
 *   piece, or have a holding request accepted.
 * - The recovery session's pieces are kept per sender until the person confirms that sender's code:
 *   `recovery_senders` (one row per peer that said hello with the code: its name, the code both screens show,
 *   confirmed or rejected), `recovery_pieces` (that sender's sealed piece and manifest) and `recovery_chunks`, keyed
 *   by the SHA-256 digest an owner-signed manifest lists for each chunk (so bytes stored by one sender can never
 *   stand in for another's) with the sender who brought them. Pieces collected by an older release were never
 *   confirmed by anyone: they are dropped, and the custodians approve again.
 */
export const migration008ConfirmedCodes: Migration = {
  version: 8,
  name: 'confirmed-codes',
  up(db) {
    db.exec(`
      ALTER TABLE friends ADD COLUMN sas_code TEXT;
      ALTER TABLE friends ADD COLUMN sas_at INTEGER;
      ALTER TABLE friends ADD COLUMN verified_at INTEGER;

      DROP TABLE recovery_chunks;
      DROP TABLE recovery_shards;

      CREATE TABLE recovery_senders (
        peer_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        sas_code TEXT NOT NULL,
        hello_at INTEGER NOT NULL,
        confirmed_at INTEGER,
        rejected_at INTEGER
      ) STRICT;

      CREATE TABLE recovery_pieces (
        sender TEXT PRIMARY KEY REFERENCES recovery_senders (peer_id) ON DELETE CASCADE,
        sealed BLOB NOT NULL,
        manifest BLOB NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE recovery_chunks (
        digest BLOB PRIMARY KEY CHECK (length(digest) = 32),
        sender TEXT NOT NULL REFERENCES recovery_senders (peer_id) ON DELETE CASCADE,
        data BLOB NOT NULL
      ) STRICT;
      CREATE INDEX recovery_chunks_by_sender ON recovery_chunks (sender);
    `);
  },
};
