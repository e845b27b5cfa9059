/**
 * Pack files: the chunks of one large deposit, held for a friend, written one after another into a file of their
 * own beside the database (`<data dir>/held-packs/<id>.pack`). The database indexes them (pack, offset, length) in
 * the same transaction that records the version; a pack no row names is garbage, removed after the commit that
 * dropped it or by the sweep at start-up.
 *
 * Why not SQLite blobs: a large deposit stored as rows is written twice, into the WAL and again into the database at
 * the checkpoint, page by page; appended to a file it is one write per message, several times less CPU with the
 * index (docs/PERFORMANCE.md, "Bulk: the first full backup"). Small deposits (most updates) stay in SQLite: see
 * DepositChunks.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { TesseraError } from '../../../shared/errors.ts';
import { WriteBehind } from './write-behind.ts';

export const HELD_PACKS_DIR = 'held-packs';
const SUFFIX = '.pack';
const PACK_ID = /^[0-9a-f]{32}$/;

const fdatasyncAsync = promisify(fdatasync);

/** A pack file is missing or shorter than the index says: the friend's backup must be sent whole again. */
export class HeldChunkDamagedError extends TesseraError {
  constructor(path: string, detail: string) {
    super(
      'DATABASE_CORRUPT',
      `A file holding part of a friend's backup is damaged (${path}: ${detail}). Ask them to re-share their ` +
        'backup, which sends it whole again.',
    );
  }
}

/** The error for a pack file that is missing or damaged: what it held, and what the person can do. */
export type PackDamage = (path: string, detail: string) => Error;

/**
 * The directory of pack files. Pack ids are random (32 hex digits); nothing about an owner is in a file name.
 * `damaged` makes the error for a missing or short pack (chunks held for a friend by default; the owner's own
 * backup has its own, own-chunks.ts).
 */
export class PackDirectory {
  readonly dir: string;
  private readonly damaged: PackDamage;

  constructor(dir: string, damaged: PackDamage = (path, detail) => new HeldChunkDamagedError(path, detail)) {
    this.dir = dir;
    this.damaged = damaged;
  }

  private path(packId: string): string {
    if (!PACK_ID.test(packId)) throw this.damaged(packId, 'not a pack id');
    return join(this.dir, `${packId}${SUFFIX}`);
  }

  /** A new, empty pack file, opened for appending. */
  create(): PackWriter {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const id = randomBytes(16).toString('hex');
    const path = this.path(id);
    const fd = openSync(path, 'wx', 0o600);
    try {
      return new PackWriter(this, id, fd, WriteBehind.open(path));
    } catch (err) {
      closeSync(fd);
      rmSync(path, { force: true });
      throw err;
    }
  }

  read(packId: string, offset: number, length: number): Uint8Array {
    return this.readRanges(packId, [{ offset, length }])[0]!;
  }

  /** Several chunks of one pack, with the file opened once (compaction reads every live chunk of a pack). */
  readRanges(packId: string, ranges: readonly { offset: number; length: number }[]): Uint8Array[] {
    const path = this.path(packId);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw this.damaged(path, (err as Error).message);
    }
    try {
      return ranges.map(({ offset, length }) => {
        const out = new Uint8Array(length);
        for (let at = 0; at < length;) {
          const n = readSync(fd, out, at, length - at, offset + at);
          if (n === 0) throw this.damaged(path, `ends before byte ${offset + length}`);
          at += n;
        }
        return out;
      });
    } finally {
      closeSync(fd);
    }
  }

  /** The length of a pack file on disk, or null if it is not there (a health check compares it with the index). */
  size(packId: string): number | null {
    try {
      return statSync(this.path(packId)).size;
    } catch {
      return null;
    }
  }

  /** Deletes pack files (after the commit that stopped naming them); a missing one is fine. */
  remove(packIds: Iterable<string>): void {
    for (const id of packIds) rmSync(this.path(id), { force: true });
  }

  /** Deletes every pack file not in `known` (left by a deposit cut short, or by a crash before its removal). */
  sweep(known: Set<string>): number {
    let removed = 0;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const id = name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : '';
      if (PACK_ID.test(id) && !known.has(id)) {
        rmSync(join(this.dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Makes the directory entries of new packs durable. */
  syncDirectory(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * One pack being written. Appends are synchronous (into the page cache) and start flushing in the background as they
 * grow (write-behind.ts); persist() makes them durable.
 */
export class PackWriter {
  readonly id: string;
  private readonly packs: PackDirectory;
  private fd: number | null;
  private written = 0;
  /** Null where background flushes are not safe (write-behind.ts). */
  readonly writeBehind: WriteBehind | null;

  constructor(packs: PackDirectory, id: string, fd: number, writeBehind: WriteBehind | null = null) {
    this.packs = packs;
    this.id = id;
    this.fd = fd;
    this.writeBehind = writeBehind;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  /** Appends the pieces in order; returns the offset of the first. */
  append(pieces: Uint8Array[]): number {
    if (this.fd === null) throw new Error('This pack is closed.');
    const start = this.written;
    let total = 0;
    for (const p of pieces) total += p.length;
    let done = 0;
    // writev may write less than asked (more pieces than IOV_MAX, a signal): go on from where it stopped.
    let rest = pieces;
    while (done < total) {
      const n = writevSync(this.fd, rest, start + done);
      done += n;
      if (done < total) rest = remainder(pieces, done);
    }
    this.written += total;
    this.writeBehind?.nudge(this.written);
    return start;
  }

  /** Flushes the file (off the event loop) and its directory entry to disk, and closes it. */
  async persist(): Promise<void> {
    if (this.fd === null) throw new Error('This pack is closed.');
    await fdatasyncAsync(this.fd);
    this.closeFile();
    this.packs.syncDirectory();
  }

  /** persist(), blocking. */
  persistNow(): void {
    if (this.fd === null) throw new Error('This pack is closed.');
    fsyncSync(this.fd);
    this.closeFile();
    this.packs.syncDirectory();
  }

  /** Closes (if open) and deletes the file: the deposit did not commit. */
  discard(): void {
    this.closeFile();
    this.packs.remove([this.id]);
  }

  private closeFile(): void {
    this.writeBehind?.close();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** The pieces after the first `skip` bytes of their concatenation (views, no copy). */
function remainder(pieces: Uint8Array[], skip: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const p of pieces) {
    if (skip >= p.length) {
      skip -= p.length;
      continue;
    }
    out.push(skip > 0 ? p.subarray(skip) : p);
    skip = 0;
  }
  return out;
}
