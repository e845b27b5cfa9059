import type { Store } from '../store/store.ts';
import type { HoldState } from '../../../shared/protocol/backup.ts';
import { prepared } from '../store/statements.ts';
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { ConflictError } from '../../../shared/errors.ts';

/**
 * A deposit that lost a race at COMMIT: since it was checked, another (a parcel carried by a mutual friend, say)
 * stored a newer version, or dropped chunks this one counted on. Nothing of it is stored; the owner sends again.
 */
export class StaleDepositError extends ConflictError {
  constructor(reason: string) {
    super(`${reason} Nothing was stored; send the newest version again.`);
  }
}

export interface HoldingRequestRow {
  ownerPeerId: string;
  threshold: number;
  custodians: number;
  nonce: Uint8Array;
  expiresAt: number;
  state: HoldState;
  answerDelivered: boolean;
  createdAt: number;
  answeredAt: number | null;
}

export interface HeldShardRow {
  ownerPeerId: string;
  splitId: Uint8Array;
  sealedEnvelope: Uint8Array;
  manifest: Uint8Array;
  version: number;
  since: number;
  updatedAt: number;
}

interface RequestDbRow {
  owner_peer_id: string;
  threshold: number;
  custodians: number;
  nonce: Buffer;
  expires_at: number;
  state: HoldState;
  answer_delivered: number;
  created_at: number;
  answered_at: number | null;
}

interface HeldDbRow {
  owner_peer_id: string;
  split_id: Buffer;
  sealed_envelope: Buffer;
  manifest: Buffer;
  version: number;
  since: number;
  updated_at: number;
}

const toRequest = (r: RequestDbRow): HoldingRequestRow => ({
  ownerPeerId: r.owner_peer_id,
  threshold: r.threshold,
  custodians: r.custodians,
  nonce: r.nonce,
  expiresAt: r.expires_at,
  state: r.state,
  answerDelivered: r.answer_delivered === 1,
  createdAt: r.created_at,
  answeredAt: r.answered_at,
});

const toHeld = (r: HeldDbRow): HeldShardRow => ({
  ownerPeerId: r.owner_peer_id,
  splitId: r.split_id,
  sealedEnvelope: r.sealed_envelope,
  manifest: r.manifest,
  version: r.version,
  since: r.since,
  updatedAt: r.updated_at,
});

/** The custodian's side of backups in SQLite: consent, one held shard per owner, its chunks, spent nonces. */
export class CustodianStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  request(ownerPeerId: string): HoldingRequestRow | null {
    const row = prepared(this.store.db, 'SELECT * FROM holding_requests WHERE owner_peer_id = ?').get(
      ownerPeerId,
    ) as RequestDbRow | undefined;
    return row ? toRequest(row) : null;
  }

  requests(state?: HoldState): HoldingRequestRow[] {
    const rows = state
      ? prepared(this.store.db, 'SELECT * FROM holding_requests WHERE state = ? ORDER BY created_at').all(
          state,
        )
      : prepared(this.store.db, 'SELECT * FROM holding_requests ORDER BY created_at').all();
    return (rows as RequestDbRow[]).map(toRequest);
  }

  /** Answers that the owner has not heard yet. */
  undeliveredAnswers(): HoldingRequestRow[] {
    return (
      prepared(
        this.store.db,
        "SELECT * FROM holding_requests WHERE state != 'pending' AND answer_delivered = 0",
      ).all() as RequestDbRow[]
    ).map(toRequest);
  }

  putRequest(row: Omit<HoldingRequestRow, 'answerDelivered' | 'answeredAt'>): void {
    prepared(
      this.store.db,
      `INSERT INTO holding_requests (owner_peer_id, threshold, custodians, nonce, expires_at, state, created_at)
         VALUES (@owner, @threshold, @custodians, @nonce, @expires, @state, @created)
         ON CONFLICT (owner_peer_id) DO UPDATE SET threshold = excluded.threshold, custodians = excluded.custodians,
           nonce = excluded.nonce, expires_at = excluded.expires_at, state = excluded.state,
           answer_delivered = 0, created_at = excluded.created_at, answered_at = NULL`,
    ).run({
      owner: row.ownerPeerId,
      threshold: row.threshold,
      custodians: row.custodians,
      nonce: row.nonce,
      expires: row.expiresAt,
      state: row.state,
      created: row.createdAt,
    });
  }

  answer(ownerPeerId: string, state: 'accepted' | 'declined', now: number): boolean {
    const result = prepared(
      this.store.db,
      "UPDATE holding_requests SET state = ?, answered_at = ?, answer_delivered = 0 WHERE owner_peer_id = ? AND state = 'pending'",
    ).run(state, now, ownerPeerId);
    return result.changes === 1;
  }

  markAnswerDelivered(ownerPeerId: string, nonce: Uint8Array): void {
    prepared(
      this.store.db,
      'UPDATE holding_requests SET answer_delivered = 1 WHERE owner_peer_id = ? AND nonce = ?',
    ).run(ownerPeerId, nonce);
  }

  held(ownerPeerId: string): HeldShardRow | null {
    const row = prepared(this.store.db, 'SELECT * FROM held_shards WHERE owner_peer_id = ?').get(
      ownerPeerId,
    ) as HeldDbRow | undefined;
    return row ? toHeld(row) : null;
  }

  /** What this custodian's own backup carries per owner: the envelope, without the (possibly large) manifest. */
  heldEnvelopes(): { ownerPeerId: string; sealedEnvelope: Uint8Array }[] {
    return (
      prepared(
        this.store.db,
        'SELECT owner_peer_id, sealed_envelope FROM held_shards ORDER BY owner_peer_id',
      ).all() as {
        owner_peer_id: string;
        sealed_envelope: Buffer;
      }[]
    ).map((r) => ({ ownerPeerId: r.owner_peer_id, sealedEnvelope: r.sealed_envelope }));
  }

  /** Whom we hold for, which version and since when, without loading envelopes or manifests. */
  heldSummaries(): Pick<HeldShardRow, 'ownerPeerId' | 'version' | 'since' | 'updatedAt'>[] {
    return (
      prepared(
        this.store.db,
        'SELECT owner_peer_id, version, since, updated_at FROM held_shards ORDER BY owner_peer_id',
      ).all() as { owner_peer_id: string; version: number; since: number; updated_at: number }[]
    ).map((r) => ({
      ownerPeerId: r.owner_peer_id,
      version: r.version,
      since: r.since,
      updatedAt: r.updated_at,
    }));
  }

  countHeld(): number {
    return (prepared(this.store.db, 'SELECT count(*) AS n FROM held_shards').get() as { n: number }).n;
  }

  /** Ids (hex) of every chunk held for an owner. */
  chunkIds(ownerPeerId: string): Set<string> {
    const rows = prepared(this.store.db, 'SELECT chunk_id FROM held_chunks WHERE owner_peer_id = ?').all(
      ownerPeerId,
    ) as { chunk_id: Buffer }[];
    return new Set(rows.map((r) => r.chunk_id.toString('hex')));
  }

  chunk(ownerPeerId: string, idHex: string): Uint8Array | undefined {
    const row = prepared(
      this.store.db,
      'SELECT data FROM held_chunks WHERE owner_peer_id = ? AND chunk_id = ?',
    ).get(ownerPeerId, Buffer.from(idHex, 'hex')) as { data: Buffer } | undefined;
    return row?.data;
  }

  /**
   * Commits a deposit or update in one transaction: the held shard row (one per owner: a new split replaces the
   * old), the new chunks, and garbage collection of chunks the new manifest no longer lists. Returns whether the
   * shard itself changed (a new split), which is what the custodian's own backup carries. A version older than the
   * one held, or one whose chunks are not all held afterwards, is refused (StaleDepositError) and nothing changes.
   */
  commitHolding(
    row: Omit<HeldShardRow, 'since' | 'updatedAt'>,
    newChunks: Map<string, Uint8Array>,
    keepIds: Set<string>,
    now: number,
  ): { shardChanged: boolean } {
    return this.store.transaction(() => {
      const before = this.held(row.ownerPeerId);
      if (before && equalBytes(before.splitId, row.splitId) && before.version > row.version)
        throw new StaleDepositError(
          `A newer version (${before.version}) than ${row.version} is already held.`,
        );
      const shardChanged = !before || !equalBytes(before.sealedEnvelope, row.sealedEnvelope);
      prepared(
        this.store.db,
        `INSERT INTO held_shards (owner_peer_id, split_id, sealed_envelope, manifest, version, since, updated_at)
           VALUES (@owner, @split, @sealed, @manifest, @version, @now, @now)
           ON CONFLICT (owner_peer_id) DO UPDATE SET split_id = excluded.split_id,
             sealed_envelope = excluded.sealed_envelope, manifest = excluded.manifest, version = excluded.version,
             since = CASE WHEN held_shards.split_id = excluded.split_id THEN held_shards.since ELSE excluded.since END,
             updated_at = excluded.updated_at`,
      ).run({
        owner: row.ownerPeerId,
        split: row.splitId,
        sealed: row.sealedEnvelope,
        manifest: row.manifest,
        version: row.version,
        now,
      });
      const insert = prepared(
        this.store.db,
        'INSERT OR REPLACE INTO held_chunks (owner_peer_id, chunk_id, data) VALUES (?, ?, ?)',
      );
      for (const [id, data] of newChunks) insert.run(row.ownerPeerId, Buffer.from(id, 'hex'), data);
      const held = this.chunkIds(row.ownerPeerId);
      let missing = 0;
      for (const id of keepIds) if (!held.has(id)) missing++;
      // Rolls the whole deposit back: a version is stored complete or not at all.
      if (missing > 0)
        throw new StaleDepositError(`${missing} chunk(s) of version ${row.version} are not held.`);
      const del = prepared(this.store.db, 'DELETE FROM held_chunks WHERE owner_peer_id = ? AND chunk_id = ?');
      for (const id of held) if (!keepIds.has(id)) del.run(row.ownerPeerId, Buffer.from(id, 'hex'));
      return { shardChanged };
    });
  }

  /** Deletes what we hold for an owner if it belongs to `splitId`; returns whether anything was deleted. */
  dropHolding(ownerPeerId: string, splitId: Uint8Array): boolean {
    return this.store.transaction(() => {
      const held = this.held(ownerPeerId);
      if (!held || !equalBytes(held.splitId, splitId)) return false;
      prepared(this.store.db, 'DELETE FROM held_shards WHERE owner_peer_id = ?').run(ownerPeerId);
      prepared(this.store.db, 'DELETE FROM held_chunks WHERE owner_peer_id = ?').run(ownerPeerId);
      return true;
    });
  }

  /** Records a request nonce as used; false if it was already spent (a replay). Expired nonces are pruned. */
  spendNonce(nonce: Uint8Array, expiresAt: number, now: number): boolean {
    return this.store.transaction(() => {
      prepared(this.store.db, 'DELETE FROM spent_nonces WHERE expires_at < ?').run(now);
      const result = prepared(
        this.store.db,
        'INSERT OR IGNORE INTO spent_nonces (nonce, expires_at) VALUES (?, ?)',
      ).run(nonce, expiresAt);
      return result.changes === 1;
    });
  }
}
