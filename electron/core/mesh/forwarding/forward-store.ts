/** Parcels this node carries for friends, and parcels it handed to carriers as an author (migration 005). */
import type { Database } from 'better-sqlite3';
import {
  CARRIER_MAX_PARCELS_PER_PAIR,
  CARRIER_QUOTA_PER_AUTHOR,
  CARRIER_QUOTA_TOTAL,
} from '../../../../shared/protocol/forward.ts';
import type { ParcelKind } from '../../../../shared/protocol/forward.ts';
import { prepared } from '../../store/statements.ts';

export interface CarriedParcel {
  id: Uint8Array;
  author: string;
  recipient: string;
  kind: ParcelKind;
  size: number;
  expiresAt: number;
  parcel: Uint8Array;
}

export interface OutboxRow {
  id: Uint8Array;
  recipient: string;
  carrier: string;
  version: number;
  manifestHash: Uint8Array;
  handedAt: number;
  expiresAt: number;
  acknowledgedAt: number | null;
}

export class ForwardStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  // ---- carrier ------------------------------------------------------------------------------------------------

  /** Stores a parcel if it fits the quotas; a reason string when it does not. */
  carry(p: CarriedParcel, now: number): string | null {
    const tx = this.db.transaction((): string | null => {
      this.prune(now);
      const sum = (where: string, ...args: unknown[]) =>
        (
          prepared(this.db, `SELECT COALESCE(SUM(size), 0) AS n FROM forward_parcels ${where}`).get(
            ...args,
          ) as { n: number }
        ).n;
      if (sum('') + p.size > CARRIER_QUOTA_TOTAL) return 'I am carrying too much already.';
      if (sum('WHERE author = ?', p.author) + p.size > CARRIER_QUOTA_PER_AUTHOR)
        return 'I am carrying too much for you already.';
      const count = (
        prepared(this.db, 'SELECT COUNT(*) AS n FROM forward_parcels WHERE author = ? AND recipient = ?').get(
          p.author,
          p.recipient,
        ) as { n: number }
      ).n;
      if (count >= CARRIER_MAX_PARCELS_PER_PAIR) {
        // A newer backup supersedes the oldest one for the same friend.
        prepared(
          this.db,
          'DELETE FROM forward_parcels WHERE id = (SELECT id FROM forward_parcels WHERE author = ? AND recipient = ? ORDER BY received_at LIMIT 1)',
        ).run(p.author, p.recipient);
      }
      prepared(
        this.db,
        'INSERT OR IGNORE INTO forward_parcels (id, author, recipient, kind, size, expires_at, received_at, parcel) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(p.id, p.author, p.recipient, p.kind, p.size, p.expiresAt, now, p.parcel);
      return null;
    });
    return tx();
  }

  parcelsFor(recipient: string, now: number): CarriedParcel[] {
    const rows = prepared(
      this.db,
      'SELECT id, author, recipient, kind, size, expires_at, parcel FROM forward_parcels WHERE recipient = ? AND expires_at > ? ORDER BY received_at',
    ).all(recipient, now) as {
      id: Buffer;
      author: string;
      recipient: string;
      kind: ParcelKind;
      size: number;
      expires_at: number;
      parcel: Buffer;
    }[];
    return rows.map((r) => ({
      id: new Uint8Array(r.id),
      author: r.author,
      recipient: r.recipient,
      kind: r.kind,
      size: r.size,
      expiresAt: r.expires_at,
      parcel: new Uint8Array(r.parcel),
    }));
  }

  recipients(now: number): string[] {
    return (
      prepared(this.db, 'SELECT DISTINCT recipient FROM forward_parcels WHERE expires_at > ?').all(now) as {
        recipient: string;
      }[]
    ).map((r) => r.recipient);
  }

  drop(id: Uint8Array): void {
    prepared(this.db, 'DELETE FROM forward_parcels WHERE id = ?').run(id);
  }

  prune(now: number): void {
    prepared(this.db, 'DELETE FROM forward_parcels WHERE expires_at <= ?').run(now);
  }

  // ---- author -------------------------------------------------------------------------------------------------

  recordHandOff(row: Omit<OutboxRow, 'acknowledgedAt'>): void {
    prepared(
      this.db,
      'INSERT INTO forward_outbox (id, recipient, carrier, version, manifest_hash, handed_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(row.id, row.recipient, row.carrier, row.version, row.manifestHash, row.handedAt, row.expiresAt);
  }

  /** A parcel for `recipient` (of at least `minVersion`) is still with a carrier. */
  hasLive(recipient: string, now: number, minVersion = 0): boolean {
    return (
      prepared(
        this.db,
        'SELECT 1 FROM forward_outbox WHERE recipient = ? AND expires_at > ? AND version >= ? LIMIT 1',
      ).get(recipient, now, minVersion) !== undefined
    );
  }

  outbox(recipient: string): OutboxRow[] {
    const rows = prepared(
      this.db,
      'SELECT id, recipient, carrier, version, manifest_hash, handed_at, expires_at, acknowledged_at FROM forward_outbox WHERE recipient = ? ORDER BY handed_at DESC',
    ).all(recipient) as {
      id: Buffer;
      recipient: string;
      carrier: string;
      version: number;
      manifest_hash: Buffer;
      handed_at: number;
      expires_at: number;
      acknowledged_at: number | null;
    }[];
    return rows.map((r) => ({
      id: new Uint8Array(r.id),
      recipient: r.recipient,
      carrier: r.carrier,
      version: r.version,
      manifestHash: new Uint8Array(r.manifest_hash),
      handedAt: r.handed_at,
      expiresAt: r.expires_at,
      acknowledgedAt: r.acknowledged_at,
    }));
  }

  acknowledge(recipient: string, version: number, now: number): void {
    prepared(
      this.db,
      'UPDATE forward_outbox SET acknowledged_at = ? WHERE recipient = ? AND version <= ? AND acknowledged_at IS NULL',
    ).run(now, recipient, version);
  }
}
