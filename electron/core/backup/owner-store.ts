import type { Store } from '../store/store.ts';
import { prepared } from '../store/statements.ts';
import { OwnChunks } from './own-chunks.ts';
import type { StagedChunks } from './own-chunks.ts';

export type CustodianState = 'requested' | 'accepted' | 'declined' | 'removing' | 'removed';
export type Health = 'ok' | 'missing' | 'mismatch';

export interface SplitRow {
  splitId: Uint8Array;
  threshold: number;
  keySealed: Uint8Array;
  createdAt: number;
  retiredAt: number | null;
  /** The remote-recovery waiting period chosen for this split (PROTOCOL §11.7); null for splits made before it. */
  waitingPeriodMs: number | null;
}

export interface CustodianRow {
  splitId: Uint8Array;
  peerId: string;
  state: CustodianState;
  requestNonce: Uint8Array;
  requestExpires: number;
  sealedEnvelope: Uint8Array;
  envelopeDelivered: boolean;
  versionHeld: number | null;
  manifestHeld: Uint8Array | null;
  receipt: Uint8Array | null;
  deletionReceipt: Uint8Array | null;
  lastConfirmed: number | null;
  health: Health | null;
  lastError: string | null;
  updatedAt: number;
}

export interface CurrentBackup {
  version: number;
  splitId: Uint8Array | null;
  manifest: Uint8Array | null;
  dirty: boolean;
}

interface CustodianDbRow {
  split_id: Buffer;
  peer_id: string;
  state: CustodianState;
  request_nonce: Buffer;
  request_expires: number;
  sealed_envelope: Buffer;
  envelope_delivered: number;
  version_held: number | null;
  manifest_held: Buffer | null;
  receipt: Buffer | null;
  deletion_receipt: Buffer | null;
  last_confirmed: number | null;
  health: Health | null;
  last_error: string | null;
  updated_at: number;
}

const toCustodian = (r: CustodianDbRow): CustodianRow => ({
  splitId: r.split_id,
  peerId: r.peer_id,
  state: r.state,
  requestNonce: r.request_nonce,
  requestExpires: r.request_expires,
  sealedEnvelope: r.sealed_envelope,
  envelopeDelivered: r.envelope_delivered === 1,
  versionHeld: r.version_held,
  manifestHeld: r.manifest_held,
  receipt: r.receipt,
  deletionReceipt: r.deletion_receipt,
  lastConfirmed: r.last_confirmed,
  health: r.health,
  lastError: r.last_error,
  updatedAt: r.updated_at,
});

export type CustodianPatch = Partial<
  Pick<
    CustodianRow,
    | 'state'
    | 'envelopeDelivered'
    | 'versionHeld'
    | 'manifestHeld'
    | 'receipt'
    | 'deletionReceipt'
    | 'lastConfirmed'
    | 'health'
    | 'lastError'
  >
>;

const PATCH_COLUMNS: Record<keyof CustodianPatch, string> = {
  state: 'state',
  envelopeDelivered: 'envelope_delivered',
  versionHeld: 'version_held',
  manifestHeld: 'manifest_held',
  receipt: 'receipt',
  deletionReceipt: 'deletion_receipt',
  lastConfirmed: 'last_confirmed',
  health: 'health',
  lastError: 'last_error',
};

/**
 * The owner's side of backups in SQLite: splits, custodians and the current version with its chunks (rows, or pack
 * files for large additions: own-chunks.ts).
 */
export class OwnerStore {
  private readonly store: Store;
  private readonly own: OwnChunks;

  constructor(store: Store) {
    this.store = store;
    this.own = new OwnChunks(store);
  }

  activeSplit(): SplitRow | null {
    const row = prepared(
      this.store.db,
      'SELECT * FROM backup_splits WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1',
    ).get() as
      | {
          split_id: Buffer;
          threshold: number;
          key_sealed: Buffer;
          created_at: number;
          retired_at: number | null;
          waiting_period_ms: number | null;
        }
      | undefined;
    return row
      ? {
          splitId: row.split_id,
          threshold: row.threshold,
          keySealed: row.key_sealed,
          createdAt: row.created_at,
          retiredAt: row.retired_at,
          waitingPeriodMs: row.waiting_period_ms,
        }
      : null;
  }

  custodians(splitId: Uint8Array): CustodianRow[] {
    return (
      prepared(this.store.db, 'SELECT * FROM backup_custodians WHERE split_id = ? ORDER BY peer_id').all(
        splitId,
      ) as CustodianDbRow[]
    ).map(toCustodian);
  }

  /** Custodians of retired splits that still have to delete their old shard. */
  custodiansToRemove(): CustodianRow[] {
    return (
      prepared(
        this.store.db,
        "SELECT * FROM backup_custodians WHERE state = 'removing'",
      ).all() as CustodianDbRow[]
    ).map(toCustodian);
  }

  /** Custodians of retired splits that are not in the active one: being asked to delete, or done (with receipt). */
  formerCustodians(): CustodianRow[] {
    return (
      prepared(
        this.store.db,
        `SELECT c.* FROM backup_custodians c JOIN backup_splits s ON s.split_id = c.split_id
           WHERE s.retired_at IS NOT NULL AND c.state IN ('removing', 'removed')
             AND c.peer_id NOT IN (SELECT peer_id FROM backup_custodians a JOIN backup_splits sa
                                   ON sa.split_id = a.split_id WHERE sa.retired_at IS NULL)
           ORDER BY s.created_at DESC, c.peer_id`,
      ).all() as CustodianDbRow[]
    )
      .map(toCustodian)
      .filter((row, i, rows) => rows.findIndex((r) => r.peerId === row.peerId) === i);
  }

  custodian(splitId: Uint8Array, peerId: string): CustodianRow | null {
    const row = prepared(
      this.store.db,
      'SELECT * FROM backup_custodians WHERE split_id = ? AND peer_id = ?',
    ).get(splitId, peerId) as CustodianDbRow | undefined;
    return row ? toCustodian(row) : null;
  }

  /**
   * Starts a new split (a first backup or a re-share) in one transaction: the previous split is retired and its
   * custodians marked for deletion; the new custodians wait for their consent.
   */
  startSplit(
    split: { splitId: Uint8Array; threshold: number; keySealed: Uint8Array; waitingPeriodMs?: number },
    custodians: {
      peerId: string;
      sealedEnvelope: Uint8Array;
      requestNonce: Uint8Array;
      requestExpires: number;
    }[],
    now: number,
    paperXs: readonly number[] = [],
  ): void {
    this.store.transaction(() => {
      prepared(
        this.store.db,
        "UPDATE backup_custodians SET state = 'removing', updated_at = ? WHERE state NOT IN ('removed', 'declined') AND split_id IN (SELECT split_id FROM backup_splits WHERE retired_at IS NULL)",
      ).run(now);
      prepared(this.store.db, 'UPDATE backup_splits SET retired_at = ? WHERE retired_at IS NULL').run(now);
      prepared(
        this.store.db,
        'INSERT INTO backup_splits (split_id, threshold, key_sealed, created_at, waiting_period_ms) VALUES (?, ?, ?, ?, ?)',
      ).run(split.splitId, split.threshold, split.keySealed, now, split.waitingPeriodMs ?? null);
      const insert = prepared(
        this.store.db,
        "INSERT INTO backup_custodians (split_id, peer_id, state, request_nonce, request_expires, sealed_envelope, updated_at) VALUES (?, ?, 'requested', ?, ?, ?, ?)",
      );
      for (const c of custodians) {
        insert.run(split.splitId, c.peerId, c.requestNonce, c.requestExpires, c.sealedEnvelope, now);
      }
      const paper = prepared(
        this.store.db,
        'INSERT INTO backup_paper (split_id, x, created_at) VALUES (?, ?, ?)',
      );
      for (const x of paperXs) paper.run(split.splitId, x, now);
    });
  }

  /** Every paper piece printed (PROTOCOL §4.4), newest split first, with when its split was retired (void). */
  paperPieces(): { x: number; createdAt: number; retiredAt: number | null }[] {
    return (
      prepared(
        this.store.db,
        `SELECT p.x, p.created_at, s.retired_at FROM backup_paper p JOIN backup_splits s ON s.split_id = p.split_id
           ORDER BY p.created_at DESC, p.x`,
      ).all() as { x: number; created_at: number; retired_at: number | null }[]
    ).map((r) => ({ x: r.x, createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  /**
   * A vault restored over one whose passphrase was forgotten (docs/STORAGE.md, "Forgotten passphrase"; call inside
   * the restore transaction): the backup keys sealed under the forgotten vault key cannot be opened any more. Every
   * split is retired, as a re-share would (its custodians are asked to delete their pieces; the re-share after the
   * restore asks them to hold new ones), and each split's key is replaced by an empty one sealed under the new vault
   * key (`sealEmpty(split id in hex)`), so every sealed column opens under the new key (a passphrase change re-seals
   * them all). A retired split's key is never used again.
   */
  forgetSplitKeys(sealEmpty: (splitIdHex: string) => Uint8Array, now: number): void {
    const db = this.store.db;
    prepared(
      db,
      "UPDATE backup_custodians SET state = 'removing', updated_at = ? WHERE state NOT IN ('removed', 'declined') AND split_id IN (SELECT split_id FROM backup_splits WHERE retired_at IS NULL)",
    ).run(now);
    prepared(db, 'UPDATE backup_splits SET retired_at = ? WHERE retired_at IS NULL').run(now);
    const update = prepared(db, 'UPDATE backup_splits SET key_sealed = ? WHERE split_id = ?');
    for (const row of prepared(db, 'SELECT split_id FROM backup_splits').all() as { split_id: Buffer }[])
      update.run(sealEmpty(row.split_id.toString('hex')), row.split_id);
  }

  updateCustodian(splitId: Uint8Array, peerId: string, patch: CustodianPatch, now: number): void {
    const entries = Object.entries(patch) as [keyof CustodianPatch, unknown][];
    if (entries.length === 0) return;
    const sets = entries.map(([key]) => `${PATCH_COLUMNS[key]} = ?`).join(', ');
    const values = entries.map(([, value]) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
    prepared(
      this.store.db,
      `UPDATE backup_custodians SET ${sets}, updated_at = ? WHERE split_id = ? AND peer_id = ?`,
    ).run(...values, now, splitId, peerId);
  }

  /** The current version's number, without reading its manifest (~800 KB for a 100 MiB vault) as current() does. */
  currentVersion(): number {
    return (
      prepared(this.store.db, 'SELECT version FROM backup_current WHERE id = 1').get() as { version: number }
    ).version;
  }

  current(): CurrentBackup {
    const row = prepared(this.store.db, 'SELECT * FROM backup_current WHERE id = 1').get() as {
      version: number;
      split_id: Buffer | null;
      manifest: Buffer | null;
      dirty: number;
    };
    return { version: row.version, splitId: row.split_id, manifest: row.manifest, dirty: row.dirty === 1 };
  }

  /**
   * Writes the chunks a new version adds ahead of saveVersion: into a pack file when they come to 1 MiB or more,
   * made durable off the event loop. Pass the result to saveVersion, or discard() it if the version is not saved.
   */
  stageChunks(chunks: ReadonlyMap<string, Uint8Array>): Promise<StagedChunks> {
    return this.own.stage(chunks);
  }

  /**
   * Stores a new backup version and its chunks (`chunks`: all of the version's, `staged` from stageChunks), dropping
   * chunks no longer referenced, in one transaction.
   */
  saveVersion(
    version: number,
    splitId: Uint8Array,
    manifest: Uint8Array,
    chunks: ReadonlyMap<string, Uint8Array>,
    now: number,
    staged: StagedChunks = this.own.stageNow(chunks),
  ): void {
    let deadPacks: string[] = [];
    try {
      this.store.transaction(() => {
        prepared(
          this.store.db,
          'UPDATE backup_current SET version = ?, split_id = ?, manifest = ?, dirty = 0, updated_at = ? WHERE id = 1',
        ).run(version, splitId, manifest, now);
        deadPacks = this.own.record(staged, chunks);
      });
      staged.markCommitted();
    } finally {
      staged.discard(); // a version that did not commit leaves no pack file (after the commit this does nothing)
    }
    this.own.removeFiles(deadPacks);
  }

  /** Whether every pack file of the stored chunks is whole (a damaged one is written again by the next version). */
  chunksIntact(): boolean {
    return this.own.intact();
  }

  /** Deletes pack files of versions a crash kept from committing. Call once at start, before any build. */
  sweepPacks(): number {
    return this.own.sweep();
  }

  /** When the current version was saved, or null (none yet, or changes wait for an unlock since then). */
  versionSavedAt(): number | null {
    const row = prepared(
      this.store.db,
      'SELECT version, dirty, updated_at FROM backup_current WHERE id = 1',
    ).get() as {
      version: number;
      dirty: number;
      updated_at: number;
    };
    return row.version > 0 && row.dirty === 0 && row.updated_at > 0 ? row.updated_at : null;
  }

  markDirty(now: number): void {
    prepared(this.store.db, 'UPDATE backup_current SET dirty = 1, updated_at = ? WHERE id = 1').run(now);
  }

  /** A chunk of the current version (hex id), or undefined when it is not stored or its pack file is damaged. */
  chunk(idHex: string): Uint8Array | undefined {
    return this.own.chunk(idHex);
  }
}
