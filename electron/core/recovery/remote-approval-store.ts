/**
 * The custodian's remote approvals (PROTOCOL §11.7, migration 011 `remote_approvals`): one row per approval of a
 * remote recovery, kept across restarts for the whole waiting period. SQL only; the rules are in remote-approvals.ts.
 */
import type { Store } from '../store/store.ts';
import { prepared } from '../store/statements.ts';

export type RemoteApprovalState =
  | 'connecting'
  | 'awaiting-confirmation'
  | 'waiting'
  | 'sent'
  | 'declined'
  | 'withdrawn'
  | 'stopped'
  | 'expired'
  | 'failed';

export interface RemoteApprovalRow {
  id: string;
  /** The recovery code as entered (decoded again when needed). */
  code: string;
  sessionPeerId: string;
  friendPeerId: string;
  state: RemoteApprovalState;
  comparisonCode: string | null;
  replyCode: string;
  createdAt: number;
  /** Until when the approval may be compared and confirmed (then it expires, having sent nothing). */
  expiresAt: number;
  /** Once approved: when the piece may be released. */
  releaseAt: number | null;
  /** The names of the approvals the new device said stand, last time it was asked. */
  standing: string[] | null;
  path: 'direct' | 'relayed' | null;
  error: string | null;
  /** The last state the owner's device was told about (a notice it answered), or null. */
  ownerToldState: string | null;
}

interface DbRow {
  id: string;
  code: string;
  session_peer_id: string;
  friend_peer_id: string;
  state: RemoteApprovalState;
  comparison_code: string | null;
  reply_code: string;
  created_at: number;
  expires_at: number;
  release_at: number | null;
  standing: string | null;
  path: 'direct' | 'relayed' | null;
  error: string | null;
  owner_told_state: string | null;
}

const COLUMNS: Record<keyof Omit<RemoteApprovalRow, 'id'>, string> = {
  code: 'code',
  sessionPeerId: 'session_peer_id',
  friendPeerId: 'friend_peer_id',
  state: 'state',
  comparisonCode: 'comparison_code',
  replyCode: 'reply_code',
  createdAt: 'created_at',
  expiresAt: 'expires_at',
  releaseAt: 'release_at',
  standing: 'standing',
  path: 'path',
  error: 'error',
  ownerToldState: 'owner_told_state',
};

function toRow(r: DbRow): RemoteApprovalRow {
  return {
    id: r.id,
    code: r.code,
    sessionPeerId: r.session_peer_id,
    friendPeerId: r.friend_peer_id,
    state: r.state,
    comparisonCode: r.comparison_code,
    replyCode: r.reply_code,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    releaseAt: r.release_at,
    standing: r.standing === null ? null : (JSON.parse(r.standing) as string[]),
    path: r.path,
    error: r.error,
    ownerToldState: r.owner_told_state,
  };
}

export class RemoteApprovalStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  all(): RemoteApprovalRow[] {
    return (
      prepared(this.store.db, 'SELECT * FROM remote_approvals ORDER BY created_at, id').all() as DbRow[]
    ).map(toRow);
  }

  get(id: string): RemoteApprovalRow | null {
    const r = prepared(this.store.db, 'SELECT * FROM remote_approvals WHERE id = ?').get(id) as
      DbRow | undefined;
    return r ? toRow(r) : null;
  }

  find(sessionPeerId: string, friendPeerId: string): RemoteApprovalRow | null {
    const r = prepared(
      this.store.db,
      'SELECT * FROM remote_approvals WHERE session_peer_id = ? AND friend_peer_id = ?',
    ).get(sessionPeerId, friendPeerId) as DbRow | undefined;
    return r ? toRow(r) : null;
  }

  /** A new approval; one that existed for the same session and friend (it ended) is replaced. */
  insert(row: RemoteApprovalRow): void {
    this.store.transaction(() => {
      prepared(
        this.store.db,
        'DELETE FROM remote_approvals WHERE session_peer_id = ? AND friend_peer_id = ?',
      ).run(row.sessionPeerId, row.friendPeerId);
      prepared(
        this.store.db,
        `INSERT INTO remote_approvals (id, code, session_peer_id, friend_peer_id, state, comparison_code, reply_code,
           created_at, expires_at, release_at, standing, path, error, owner_told_state)
         VALUES (@id, @code, @sessionPeerId, @friendPeerId, @state, @comparisonCode, @replyCode, @createdAt,
           @expiresAt, @releaseAt, @standing, @path, @error, @ownerToldState)`,
      ).run({ ...row, standing: row.standing === null ? null : JSON.stringify(row.standing) });
    });
  }

  /** Changes the given fields of one approval. */
  update(id: string, patch: Partial<Omit<RemoteApprovalRow, 'id'>>): void {
    const entries = Object.entries(patch) as [keyof typeof COLUMNS, unknown][];
    if (entries.length === 0) return;
    const sets = entries.map(([k]) => `${COLUMNS[k]} = @${k}`).join(', ');
    const values = Object.fromEntries(
      entries.map(([k, v]) => [k, k === 'standing' && v !== null ? JSON.stringify(v) : v]),
    );
    this.store.db.prepare(`UPDATE remote_approvals SET ${sets} WHERE id = @id`).run({ ...values, id });
  }

  /** Approvals that ended more than `before` ago are forgotten (their outcome was shown long enough). */
  prune(before: number): void {
    prepared(
      this.store.db,
      `DELETE FROM remote_approvals WHERE state IN ('sent', 'declined', 'withdrawn', 'stopped', 'expired', 'failed')
         AND coalesce(release_at, expires_at) < ?`,
    ).run(before);
  }
}
