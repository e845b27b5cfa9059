import type { Migration } from './migration.ts';

/**
 * Remote recovery (PROTOCOL §11.7, docs/STORAGE.md "Remote recovery"): everything that must survive the days of a
 * waiting period.
 *
 * - `backup_splits.waiting_period_ms`: what the owner chose for that split (its envelopes carry it as `w`); NULL for
 *   splits made before, whose envelopes mean the default.
 * - `recovery_session.remote`: the session's code is a remote code (`m: 1`), and its node may dial out.
 * - `recovery_senders.release_at` (when a custodian said its piece comes), `ended` (how an approval ended without a
 *   piece: declined, expired, withdrew during the wait, stopped by the owner; a new hello clears it) and `path`
 *   (direct or relayed, as last connected).
 * - `recovery_reply_peers`: custodians whose reply code the person entered, with the addresses to dial them at.
 * - `remote_approvals`: the custodian's side, one row per approval of a remote (or relayed) recovery.
 * - `recovery_cancels`: owners' signed cancels this device has seen (as owner or custodian), honoured for good.
 * - `recovery_watch`: signed notices received, about this device's own vault or about a friend it holds for.
 */
export const migration011RemoteRecovery: Migration = {
  version: 11,
  name: 'remote-recovery',
  up(db) {
    db.exec(`
      ALTER TABLE backup_splits ADD COLUMN waiting_period_ms INTEGER;
      ALTER TABLE recovery_session ADD COLUMN remote INTEGER NOT NULL DEFAULT 0 CHECK (remote IN (0, 1));
      ALTER TABLE recovery_senders ADD COLUMN release_at INTEGER;
      ALTER TABLE recovery_senders ADD COLUMN ended TEXT
        CHECK (ended IN ('declined', 'expired', 'withdrew', 'stopped'));
      ALTER TABLE recovery_senders ADD COLUMN path TEXT CHECK (path IN ('direct', 'relayed'));

      CREATE TABLE recovery_reply_peers (
        peer_id TEXT PRIMARY KEY,
        addresses TEXT NOT NULL,
        added_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE remote_approvals (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        session_peer_id TEXT NOT NULL,
        friend_peer_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('connecting', 'awaiting-confirmation', 'waiting', 'sent', 'declined',
          'withdrawn', 'stopped', 'expired', 'failed')),
        comparison_code TEXT,
        reply_code TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        release_at INTEGER,
        standing TEXT,
        path TEXT CHECK (path IN ('direct', 'relayed')),
        error TEXT,
        owner_told_state TEXT,
        UNIQUE (session_peer_id, friend_peer_id)
      ) STRICT;

      CREATE TABLE recovery_cancels (
        owner_peer_id TEXT NOT NULL,
        session_peer_id TEXT NOT NULL,
        signed BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        told TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (owner_peer_id, session_peer_id)
      ) STRICT;

      CREATE TABLE recovery_watch (
        owner_peer_id TEXT NOT NULL,
        session_peer_id TEXT NOT NULL,
        custodian_peer_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('approved', 'withdrawn', 'released')),
        until INTEGER NOT NULL,
        path TEXT NOT NULL CHECK (path IN ('direct', 'relayed')),
        at INTEGER NOT NULL,
        signed BLOB NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (owner_peer_id, session_peer_id, custodian_peer_id)
      ) STRICT;
    `);
  },
};
