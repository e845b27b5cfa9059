import type { Migration } from './migration.ts';

/**
 * Store and forward (docs/PROTOCOL.md §10.4).
 *
 * Carrier: parcels held for friends (already sealed to the recipient and signed by the author; the carrier sees the
 * header only), bounded by quotas and `expires`.
 * Author: parcels handed to a carrier (which custodian, which backup version, which carrier) and whether the
 * recipient's end-to-end receipt came back.
 */
export const migration005Forwarding: Migration = {
  version: 5,
  name: 'forwarding',
  up(db) {
    db.exec(`
      CREATE TABLE forward_parcels (
        id BLOB PRIMARY KEY CHECK (length(id) = 16),
        author TEXT NOT NULL,
        recipient TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('backup', 'receipt')),
        size INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        parcel BLOB NOT NULL
      ) STRICT;
      CREATE INDEX forward_parcels_recipient ON forward_parcels (recipient);
      CREATE INDEX forward_parcels_author ON forward_parcels (author);

      CREATE TABLE forward_outbox (
        id BLOB PRIMARY KEY CHECK (length(id) = 16),
        recipient TEXT NOT NULL,
        carrier TEXT NOT NULL,
        version INTEGER NOT NULL,
        manifest_hash BLOB NOT NULL CHECK (length(manifest_hash) = 32),
        handed_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        acknowledged_at INTEGER
      ) STRICT;
      CREATE INDEX forward_outbox_recipient ON forward_outbox (recipient);
    `);
  },
};
