/**
 * The owner's own backup chunks: those of the current version, kept to send to custodians and to answer health
 * checks until a newer version replaces them. A version that adds 1 MiB or more (a first backup, a re-share, a large
 * file) writes its new chunks into a pack file of their own (`<data dir>/backup-packs/<id>.pack`, held-packs.ts),
 * made durable off the event loop before the transaction that records the version indexes it; smaller additions
 * (most versions: an edited item) are SQLite rows, as before.
 *
 * Why: stored as rows, a 100 MiB first backup was written twice (into the WAL, then into the database at the
 * checkpoint), 0.35 s with the event loop blocked and every custodian's offer waiting for it; as one pack it is one
 * sequential write and one fdatasync (docs/PERFORMANCE.md, "Bulk: the first full backup").
 *
 * Dropped chunks leave holes in their packs. When the packs still in use would hold more than twice the version,
 * the next version is written whole into a new pack (every chunk of it is in memory at that moment) and the old
 * packs go. A pack found missing or short counts as absent: its chunks are written again.
 */
import { dirname, join } from 'node:path';
import { TesseraError } from '../../../shared/errors.ts';
import type { Store } from '../store/store.ts';
import { prepared } from '../store/statements.ts';
import { DepositChunks } from './deposit-chunks.ts';
import { PackDirectory } from './held-packs.ts';

export const OWN_PACKS_DIR = 'backup-packs';
/** Chunks handed to a pack writer at a time (one writev each). */
const APPEND_BATCH = 256;

/** A pack file of the owner's own backup is missing or shorter than the index says. */
export class OwnChunkDamagedError extends TesseraError {
  constructor(path: string, detail: string) {
    super(
      'DATABASE_CORRUPT',
      `A file holding part of your backup is damaged (${path}: ${detail}). Tessera writes those chunks again with ` +
        'the next version of your backup.',
    );
  }
}

/** A version's chunks written ahead of the transaction that records it (OwnChunks.stage). */
export type StagedChunks = DepositChunks;

export class OwnChunks {
  private readonly store: Store;
  private readonly packs: PackDirectory;

  constructor(store: Store, packs?: PackDirectory) {
    this.store = store;
    this.packs =
      packs ??
      new PackDirectory(
        join(dirname(store.path), OWN_PACKS_DIR),
        (path, detail) => new OwnChunkDamagedError(path, detail),
      );
  }

  /** Writes what `chunks` (a whole version, hex ids) adds to what is stored, durably, off the event loop. */
  async stage(chunks: ReadonlyMap<string, Uint8Array>): Promise<StagedChunks> {
    const staged = this.plan(chunks);
    try {
      await staged.persist();
    } catch (err) {
      staged.discard();
      throw err;
    }
    return staged;
  }

  /** stage(), blocking. */
  stageNow(chunks: ReadonlyMap<string, Uint8Array>): StagedChunks {
    const staged = this.plan(chunks);
    try {
      staged.persistNow();
    } catch (err) {
      staged.discard();
      throw err;
    }
    return staged;
  }

  /** The chunks to write: those not stored in a sound place, or all of them when the packs in use are mostly holes. */
  private plan(chunks: ReadonlyMap<string, Uint8Array>): StagedChunks {
    const sound = this.soundPacks();
    const stored = new Map<string, string | null>();
    for (const row of prepared(this.store.db, 'SELECT id, pack_id FROM backup_chunks').all() as {
      id: Buffer;
      pack_id: string | null;
    }[])
      stored.set(row.id.toString('hex'), row.pack_id);
    let versionBytes = 0;
    let newBytes = 0;
    const fresh: { id: string; data: Uint8Array }[] = [];
    const packsInUse = new Set<string>();
    for (const [id, data] of chunks) {
      versionBytes += data.length;
      const at = stored.get(id);
      if (at === undefined || (at !== null && !sound.has(at))) {
        newBytes += data.length;
        fresh.push({ id, data });
      } else if (at !== null) {
        packsInUse.add(at);
      }
    }
    let packBytes = 0;
    for (const id of packsInUse) packBytes += sound.get(id)!;
    const write =
      packBytes + newBytes > 2 * versionBytes ? [...chunks].map(([id, data]) => ({ id, data })) : fresh;
    const staged = new DepositChunks(this.packs);
    for (let i = 0; i < write.length; i += APPEND_BATCH) staged.add(write.slice(i, i + APPEND_BATCH));
    return staged;
  }

  /**
   * In the transaction that records the version: rows for the staged chunks, none for chunks `keep` does not list.
   * Returns the packs no chunk names any more; delete their files (removeFiles) after the commit.
   */
  record(staged: StagedChunks, keep: ReadonlyMap<string, unknown>): string[] {
    const pack = staged.pack();
    if (pack) {
      prepared(this.store.db, 'INSERT INTO backup_packs (pack_id, bytes) VALUES (?, ?)').run(
        pack.id,
        pack.bytes,
      );
      // The pack's index in one statement, not one per chunk: a 100 MiB version has some 11,000 chunks.
      const index = [...staged.packed].map(([id, at]) => [id, at.length, at.offset]);
      prepared(
        this.store.db,
        `INSERT OR REPLACE INTO backup_chunks (id, length, data, pack_id, pack_offset)
           SELECT unhex(c.value ->> 0), c.value ->> 1, NULL, ?, c.value ->> 2 FROM json_each(?) AS c`,
      ).run(pack.id, JSON.stringify(index));
    }
    const insert = prepared(
      this.store.db,
      'INSERT OR REPLACE INTO backup_chunks (id, length, data, pack_id, pack_offset) VALUES (?, ?, ?, NULL, NULL)',
    );
    for (const c of staged.inline()) insert.run(Buffer.from(c.id, 'hex'), c.data.length, c.data);
    prepared(
      this.store.db,
      'DELETE FROM backup_chunks WHERE id NOT IN (SELECT unhex(value) FROM json_each(?))',
    ).run(JSON.stringify([...keep.keys()]));
    const dead = (
      prepared(
        this.store.db,
        `SELECT pack_id FROM backup_packs p
           WHERE NOT EXISTS (SELECT 1 FROM backup_chunks c WHERE c.pack_id = p.pack_id)`,
      ).all() as { pack_id: string }[]
    ).map((r) => r.pack_id);
    const drop = prepared(this.store.db, 'DELETE FROM backup_packs WHERE pack_id = ?');
    for (const id of dead) drop.run(id);
    return dead;
  }

  /** Deletes pack files that a committed version stopped naming. */
  removeFiles(packIds: readonly string[]): void {
    this.packs.remove(packIds);
  }

  /** A chunk of the current version, or undefined when it is not stored (or its pack is damaged). */
  chunk(idHex: string): Uint8Array | undefined {
    const row = prepared(
      this.store.db,
      'SELECT data, pack_id, pack_offset, length FROM backup_chunks WHERE id = ?',
    ).get(Buffer.from(idHex, 'hex')) as
      { data: Buffer | null; pack_id: string | null; pack_offset: number | null; length: number } | undefined;
    if (!row) return undefined;
    if (row.data) return row.data;
    try {
      return this.packs.read(row.pack_id!, row.pack_offset!, row.length);
    } catch (err) {
      if (err instanceof OwnChunkDamagedError) return undefined;
      throw err;
    }
  }

  /** Whether every pack the index names is on disk, as long as it says. */
  intact(): boolean {
    const packs = prepared(this.store.db, 'SELECT count(*) AS n FROM backup_packs').get() as { n: number };
    return this.soundPacks().size === packs.n;
  }

  /** Deletes pack files no row names (written for a version a crash kept from committing). Call once at start. */
  sweep(): number {
    const known = prepared(this.store.db, 'SELECT pack_id FROM backup_packs').all() as { pack_id: string }[];
    return this.packs.sweep(new Set(known.map((r) => r.pack_id)));
  }

  /** The packs on disk at least as long as the index says, with their sizes. */
  private soundPacks(): Map<string, number> {
    const sound = new Map<string, number>();
    for (const { pack_id: id, bytes } of prepared(
      this.store.db,
      'SELECT pack_id, bytes FROM backup_packs',
    ).all() as {
      pack_id: string;
      bytes: number;
    }[]) {
      const size = this.packs.size(id);
      if (size !== null && size >= bytes) sound.set(id, bytes);
    }
    return sound;
  }
}
