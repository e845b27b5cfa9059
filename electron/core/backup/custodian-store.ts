/**
 * What a custodian keeps for its friends in SQLite and pack files: holding requests and answers, held shards and
 * manifests, chunks (inline or in packs: held-packs.ts), spent request nonces. Longer than ~400 lines on purpose: its
 * transactions (commit a deposit, drop damaged data, forget an owner) span all these tables, so it stays one store.
 */
import { dirname, join } from 'node:path';
import type { Store } from '../store/store.ts';
import type { HoldState } from '../../../shared/protocol/backup.ts';
import { prepared } from '../store/statements.ts';
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { ConflictError } from '../../../shared/errors.ts';
import { HELD_PACKS_DIR, PackDirectory } from './held-packs.ts';
import { DepositChunks } from './deposit-chunks.ts';

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

/** A pack no longer worth keeping as it is: fewer than half its bytes are chunks a manifest still lists. */
const isSparse = (p: { bytes: number; live: number }) => p.live * 2 < p.bytes;

/**
 * The custodian's side of backups: consent, one held shard per owner, its chunks, spent nonces, in SQLite; the
 * chunks of large deposits in pack files beside it (held-packs.ts), indexed by the database.
 */
export class CustodianStore {
  private readonly store: Store;
  private readonly packs: PackDirectory;

  constructor(store: Store, packs = new PackDirectory(join(dirname(store.path), HELD_PACKS_DIR))) {
    this.store = store;
    this.packs = packs;
  }

  /** Where the chunks of a new deposit from a friend wait for its commit. */
  newDeposit(): DepositChunks {
    return new DepositChunks(this.packs);
  }

  /** Deletes pack files no row names (a deposit cut short by a crash). Call once at start, before any deposit. */
  sweepPacks(): number {
    const known = prepared(this.store.db, 'SELECT pack_id FROM held_packs').all() as { pack_id: string }[];
    return this.packs.sweep(new Set(known.map((r) => r.pack_id)));
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
      'SELECT data, pack_id, pack_offset, length FROM held_chunks WHERE owner_peer_id = ? AND chunk_id = ?',
    ).get(ownerPeerId, Buffer.from(idHex, 'hex')) as
      { data: Buffer | null; pack_id: string | null; pack_offset: number | null; length: number } | undefined;
    if (!row) return undefined;
    return row.data ?? this.packs.read(row.pack_id!, row.pack_offset!, row.length);
  }

  /**
   * Commits a deposit or update in one transaction: the held shard row (one per owner: a new split replaces the
   * old), the new chunks (`deposit`, persisted: rows, or the index of its pack), and garbage collection of chunks
   * the new manifest no longer lists, and of packs left without any. Returns whether the shard itself changed (a
   * new split), which is what the custodian's own backup carries. A version older than the one held, or one whose
   * chunks are not all held afterwards, is refused (StaleDepositError): nothing changes and the deposit's pack is
   * deleted. After the commit, packs mostly made of dropped chunks are compacted.
   */
  commitHolding(
    row: Omit<HeldShardRow, 'since' | 'updatedAt'>,
    deposit: DepositChunks | null,
    keepIds: Set<string>,
    now: number,
  ): { shardChanged: boolean } {
    let result: { shardChanged: boolean; deadPacks: string[] };
    try {
      const pack = deposit?.pack() ?? null;
      result = this.store.transaction(() => this.storeVersion(row, deposit, pack, keepIds, now));
    } catch (err) {
      deposit?.discard();
      throw err;
    }
    deposit?.markCommitted();
    this.packs.remove(result.deadPacks);
    try {
      this.compactPacks(row.ownerPeerId);
    } catch {
      // Housekeeping only: the version is committed either way, and the next commit tries again. (A damaged pack
      // shows where it matters, when its chunks are read: HeldChunkDamagedError.)
    }
    return { shardChanged: result.shardChanged };
  }

  /** commitHolding's transaction; returns the packs it left without chunks (their files go after the commit). */
  private storeVersion(
    row: Omit<HeldShardRow, 'since' | 'updatedAt'>,
    deposit: DepositChunks | null,
    pack: { id: string; bytes: number } | null,
    keepIds: Set<string>,
    now: number,
  ): { shardChanged: boolean; deadPacks: string[] } {
    const before = this.held(row.ownerPeerId);
    const sameSplit = before !== null && equalBytes(before.splitId, row.splitId);
    if (sameSplit && before.version > row.version)
      throw new StaleDepositError(`A newer version (${before.version}) than ${row.version} is already held.`);
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
    // A new split's chunks are under another key, so its version lists none of the old ones: they all go, in one
    // statement rather than one per chunk (a 100 MiB backup has ~13,000).
    if (before && !sameSplit)
      prepared(this.store.db, 'DELETE FROM held_chunks WHERE owner_peer_id = ?').run(row.ownerPeerId);
    if (deposit) this.insertChunks(row.ownerPeerId, deposit, pack);
    // What is held now: for a first deposit or a new split, exactly this deposit's chunks (no need to read back the
    // rows just written); for an update, the rows.
    const held = sameSplit ? this.chunkIds(row.ownerPeerId) : new Set(deposit?.chunkIds() ?? []);
    let missing = 0;
    for (const id of keepIds) if (!held.has(id)) missing++;
    // Rolls the whole deposit back: a version is stored complete or not at all.
    if (missing > 0)
      throw new StaleDepositError(`${missing} chunk(s) of version ${row.version} are not held.`);
    const del = prepared(this.store.db, 'DELETE FROM held_chunks WHERE owner_peer_id = ? AND chunk_id = ?');
    for (const id of held) if (!keepIds.has(id)) del.run(row.ownerPeerId, Buffer.from(id, 'hex'));
    return { shardChanged, deadPacks: this.dropDeadPacks(row.ownerPeerId) };
  }

  /** Rows for a persisted deposit's chunks: the pack's index, or the bytes themselves. */
  private insertChunks(
    ownerPeerId: string,
    deposit: DepositChunks,
    pack: { id: string; bytes: number } | null,
  ): void {
    if (pack) {
      this.recordPack(ownerPeerId, pack);
      // The pack's index in one statement, not one per chunk: a 100 MiB deposit has some 13,000 chunks.
      const index = [...deposit.packed].map(([id, at]) => [id, at.length, at.offset]);
      prepared(
        this.store.db,
        `INSERT OR REPLACE INTO held_chunks (owner_peer_id, chunk_id, length, data, pack_id, pack_offset)
           SELECT ?, unhex(c.value ->> 0), c.value ->> 1, NULL, ?, c.value ->> 2 FROM json_each(?) AS c`,
      ).run(ownerPeerId, pack.id, JSON.stringify(index));
    }
    const insert = prepared(
      this.store.db,
      `INSERT OR REPLACE INTO held_chunks (owner_peer_id, chunk_id, length, data, pack_id, pack_offset)
         VALUES (?, ?, ?, ?, NULL, NULL)`,
    );
    for (const c of deposit.inline())
      insert.run(ownerPeerId, Buffer.from(c.id, 'hex'), c.data.length, c.data);
  }

  private recordPack(ownerPeerId: string, pack: { id: string; bytes: number }): void {
    prepared(this.store.db, 'INSERT INTO held_packs (pack_id, owner_peer_id, bytes) VALUES (?, ?, ?)').run(
      pack.id,
      ownerPeerId,
      pack.bytes,
    );
  }

  /** Deletes the rows of an owner's packs that no chunk names any more; returns their ids (files to delete). */
  private dropDeadPacks(ownerPeerId: string): string[] {
    const dead = (
      prepared(
        this.store.db,
        `SELECT pack_id FROM held_packs p WHERE owner_peer_id = ?
           AND NOT EXISTS (SELECT 1 FROM held_chunks c WHERE c.pack_id = p.pack_id)`,
      ).all(ownerPeerId) as { pack_id: string }[]
    ).map((r) => r.pack_id);
    const del = prepared(this.store.db, 'DELETE FROM held_packs WHERE pack_id = ?');
    for (const id of dead) del.run(id);
    return dead;
  }

  /** An owner's packs, with how many of their bytes are chunks still held. */
  packsOf(ownerPeerId: string): { packId: string; bytes: number; live: number }[] {
    return (
      prepared(
        this.store.db,
        `SELECT p.pack_id, p.bytes, coalesce(sum(c.length), 0) AS live
           FROM held_packs p LEFT JOIN held_chunks c ON c.pack_id = p.pack_id
           WHERE p.owner_peer_id = ? GROUP BY p.pack_id ORDER BY p.pack_id`,
      ).all(ownerPeerId) as { pack_id: string; bytes: number; live: number }[]
    ).map((r) => ({ packId: r.pack_id, bytes: r.bytes, live: r.live }));
  }

  /**
   * Rewrites the live chunks of an owner's sparse packs (isSparse) into one new pack, or into rows when they are
   * few, so that dropped chunks never take more than about as much disk as the chunks held. Crash-safe like a
   * deposit: the new pack is durable before the transaction that moves the index to it, and the old files go after.
   */
  private compactPacks(ownerPeerId: string): void {
    const sparse = this.packsOf(ownerPeerId).filter(isSparse);
    if (sparse.length === 0) return;
    const moved = this.newDeposit();
    const from = new Map<string, string>();
    const rows = prepared(
      this.store.db,
      'SELECT chunk_id, pack_offset, length FROM held_chunks WHERE pack_id = ? ORDER BY pack_offset',
    );
    for (const p of sparse) {
      const live = (rows.all(p.packId) as { chunk_id: Buffer; pack_offset: number; length: number }[]).map(
        (r) => ({ id: r.chunk_id.toString('hex'), offset: r.pack_offset, length: r.length }),
      );
      const data = this.packs.readRanges(p.packId, live);
      moved.add(live.map((c, i) => ({ id: c.id, data: data[i]! })));
      for (const c of live) from.set(c.id, p.packId);
    }
    moved.persistNow();
    const pack = moved.pack();
    let dead: string[];
    try {
      dead = this.store.transaction(() => {
        if (pack) this.recordPack(ownerPeerId, pack);
        const update = prepared(
          this.store.db,
          `UPDATE held_chunks SET data = @data, pack_id = @pack, pack_offset = @offset
             WHERE owner_peer_id = @owner AND chunk_id = @id AND pack_id = @old`,
        );
        const move = (
          id: string,
          to: { data: Uint8Array | null; pack: string | null; offset: number | null },
        ) => update.run({ ...to, owner: ownerPeerId, id: Buffer.from(id, 'hex'), old: from.get(id) });
        for (const [id, at] of moved.packed) move(id, { data: null, pack: pack!.id, offset: at.offset });
        for (const c of moved.inline()) move(c.id, { data: c.data, pack: null, offset: null });
        return this.dropDeadPacks(ownerPeerId);
      });
    } catch (err) {
      moved.discard();
      throw err;
    }
    moved.markCommitted();
    this.packs.remove(dead);
  }

  /**
   * An owner's packs whose file is missing or shorter than the chunks its index places in it (a disk or a person
   * lost part of it). Costs one stat per pack, so a health check runs it every time (PROTOCOL §9.2, "Health").
   */
  damagedPacks(ownerPeerId: string): string[] {
    const packs = prepared(
      this.store.db,
      `SELECT p.pack_id, coalesce(max(c.pack_offset + c.length), 0) AS needed
         FROM held_packs p LEFT JOIN held_chunks c ON c.pack_id = p.pack_id
         WHERE p.owner_peer_id = ? GROUP BY p.pack_id`,
    ).all(ownerPeerId) as { pack_id: string; needed: number }[];
    return packs
      .filter((p) => {
        const size = this.packs.size(p.pack_id);
        return size === null || size < p.needed;
      })
      .map((p) => p.pack_id);
  }

  /**
   * Forgets damaged data held for an owner, in one transaction: the rows of `chunkIds` and of every chunk in
   * `packIds`, and the held version (set to 0, "no complete version", as after a recovery: §5.1), while the envelope
   * and the manifest stay. The owner's next update then sends what is missing (§9.2). Returns the rows dropped.
   */
  dropDamaged(
    ownerPeerId: string,
    chunkIds: Iterable<string>,
    packIds: Iterable<string>,
    now: number,
  ): number {
    let dropped = 0;
    const dead = this.store.transaction(() => {
      const byId = prepared(
        this.store.db,
        'DELETE FROM held_chunks WHERE owner_peer_id = ? AND chunk_id = ?',
      );
      for (const id of chunkIds) dropped += byId.run(ownerPeerId, Buffer.from(id, 'hex')).changes;
      const byPack = prepared(
        this.store.db,
        'DELETE FROM held_chunks WHERE owner_peer_id = ? AND pack_id = ?',
      );
      for (const pack of packIds) dropped += byPack.run(ownerPeerId, pack).changes;
      prepared(
        this.store.db,
        'UPDATE held_shards SET version = 0, updated_at = ? WHERE owner_peer_id = ?',
      ).run(now, ownerPeerId);
      return this.dropDeadPacks(ownerPeerId);
    });
    this.packs.remove(dead);
    return dropped;
  }

  /** Deletes what we hold for an owner if it belongs to `splitId`; returns whether anything was deleted. */
  dropHolding(ownerPeerId: string, splitId: Uint8Array): boolean {
    const dead = this.store.transaction(() => {
      const held = this.held(ownerPeerId);
      if (!held || !equalBytes(held.splitId, splitId)) return null;
      prepared(this.store.db, 'DELETE FROM held_shards WHERE owner_peer_id = ?').run(ownerPeerId);
      prepared(this.store.db, 'DELETE FROM held_chunks WHERE owner_peer_id = ?').run(ownerPeerId);
      return this.dropDeadPacks(ownerPeerId);
    });
    if (!dead) return false;
    this.packs.remove(dead);
    return true;
  }

  /**
   * The friendship with this owner ended (either side removed the other): what we hold for them, of any split, and
   * their holding consent are deleted in one transaction. Returns whether a piece was held.
   */
  forgetOwner(ownerPeerId: string): boolean {
    const result = this.store.transaction(() => {
      const held = this.held(ownerPeerId) !== null;
      prepared(this.store.db, 'DELETE FROM held_shards WHERE owner_peer_id = ?').run(ownerPeerId);
      prepared(this.store.db, 'DELETE FROM held_chunks WHERE owner_peer_id = ?').run(ownerPeerId);
      prepared(this.store.db, 'DELETE FROM holding_requests WHERE owner_peer_id = ?').run(ownerPeerId);
      return { held, dead: this.dropDeadPacks(ownerPeerId) };
    });
    this.packs.remove(result.dead);
    return result.held;
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
