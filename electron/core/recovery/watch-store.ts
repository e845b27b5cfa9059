/**
 * What this device learned about remote recoveries (PROTOCOL §11.7, migration 011): owners' signed cancels
 * (`recovery_cancels`, honoured for good) and custodians' signed notices (`recovery_watch`), about this device's own
 * vault or about a friend it holds a piece for. SQL only.
 */
import type { Store } from '../store/store.ts';
import { prepared } from '../store/statements.ts';
import type { WatchPath, WatchState } from '../../../shared/protocol/recovery-watch.ts';

export interface CancelRow {
  ownerPeerId: string;
  sessionPeerId: string;
  /** The signed cancel as it came (packSigned), to pass on. */
  signed: Uint8Array;
  receivedAt: number;
  /** Peers that answered it (the owner's own cancel: custodians told). */
  told: string[];
}

export interface WatchRow {
  ownerPeerId: string;
  sessionPeerId: string;
  custodianPeerId: string;
  state: WatchState;
  until: number;
  path: WatchPath;
  at: number;
  signed: Uint8Array;
  receivedAt: number;
}

export class WatchStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  cancel(ownerPeerId: string, sessionPeerId: string): CancelRow | null {
    const r = prepared(
      this.store.db,
      'SELECT * FROM recovery_cancels WHERE owner_peer_id = ? AND session_peer_id = ?',
    ).get(ownerPeerId, sessionPeerId) as
      | { owner_peer_id: string; session_peer_id: string; signed: Buffer; received_at: number; told: string }
      | undefined;
    return r
      ? {
          ownerPeerId: r.owner_peer_id,
          sessionPeerId: r.session_peer_id,
          signed: new Uint8Array(r.signed),
          receivedAt: r.received_at,
          told: JSON.parse(r.told) as string[],
        }
      : null;
  }

  cancels(ownerPeerId?: string): CancelRow[] {
    const rows = (
      ownerPeerId === undefined
        ? prepared(this.store.db, 'SELECT owner_peer_id, session_peer_id FROM recovery_cancels').all()
        : prepared(
            this.store.db,
            'SELECT owner_peer_id, session_peer_id FROM recovery_cancels WHERE owner_peer_id = ?',
          ).all(ownerPeerId)
    ) as { owner_peer_id: string; session_peer_id: string }[];
    return rows.map((r) => this.cancel(r.owner_peer_id, r.session_peer_id)!);
  }

  /** Stores a cancel; returns false when it was known already. */
  putCancel(row: Omit<CancelRow, 'told'>): boolean {
    return (
      prepared(
        this.store.db,
        `INSERT OR IGNORE INTO recovery_cancels (owner_peer_id, session_peer_id, signed, received_at) VALUES (?, ?, ?, ?)`,
      ).run(row.ownerPeerId, row.sessionPeerId, row.signed, row.receivedAt).changes > 0
    );
  }

  markTold(ownerPeerId: string, sessionPeerId: string, peerId: string): void {
    const row = this.cancel(ownerPeerId, sessionPeerId);
    if (!row || row.told.includes(peerId)) return;
    prepared(
      this.store.db,
      'UPDATE recovery_cancels SET told = ? WHERE owner_peer_id = ? AND session_peer_id = ?',
    ).run(JSON.stringify([...row.told, peerId]), ownerPeerId, sessionPeerId);
  }

  /** Keeps the newest notice per custodian and recovery (an older one arriving late changes nothing). */
  putNotice(row: WatchRow): boolean {
    return (
      prepared(
        this.store.db,
        `INSERT INTO recovery_watch (owner_peer_id, session_peer_id, custodian_peer_id, state, until, path, at, signed, received_at)
           VALUES (@ownerPeerId, @sessionPeerId, @custodianPeerId, @state, @until, @path, @at, @signed, @receivedAt)
           ON CONFLICT (owner_peer_id, session_peer_id, custodian_peer_id) DO UPDATE SET state = excluded.state,
             until = excluded.until, path = excluded.path, at = excluded.at, signed = excluded.signed,
             received_at = excluded.received_at
           WHERE excluded.at > recovery_watch.at`,
      ).run(row).changes > 0
    );
  }

  notices(): WatchRow[] {
    return (
      prepared(this.store.db, 'SELECT * FROM recovery_watch ORDER BY at DESC').all() as {
        owner_peer_id: string;
        session_peer_id: string;
        custodian_peer_id: string;
        state: WatchState;
        until: number;
        path: WatchPath;
        at: number;
        signed: Buffer;
        received_at: number;
      }[]
    ).map((r) => ({
      ownerPeerId: r.owner_peer_id,
      sessionPeerId: r.session_peer_id,
      custodianPeerId: r.custodian_peer_id,
      state: r.state,
      until: r.until,
      path: r.path,
      at: r.at,
      signed: new Uint8Array(r.signed),
      receivedAt: r.received_at,
    }));
  }
}
