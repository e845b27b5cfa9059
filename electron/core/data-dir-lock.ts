import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.ts';
import { TesseraError } from '../../shared/errors.ts';

/**
 * The lock itself: a tiny SQLite database held in an exclusive transaction for the life of the process. SQLite
 * takes an operating-system lock on it (fcntl on POSIX, LockFileEx on Windows), which the kernel drops when the
 * process ends however it ends, so a crashed holder never blocks the next start and no pid is ever trusted.
 * Never unlink this file: a process that opened the old inode would hold a lock nobody else sees. Never open it
 * with anything but SQLite in a process that holds it: on POSIX, closing any descriptor of a file drops every
 * fcntl lock the process has on it (SQLite's own connections know this and share one descriptor).
 */
export const LOCK_FILE = 'tessera-lock.db';
/** Who holds the lock, for the error message only: written after the lock is taken, never trusted for deciding. */
export const HOLDER_FILE = 'tessera-lock.json';

/**
 * How long to wait for the lock. A CLI that checks whether the data dir is in use holds a shared lock for a moment
 * (`dataDirInUse`); a process starting at that instant must not be refused for it.
 */
const ACQUIRE_WAIT_MS = 1_000;

const Holder = z.object({ pid: z.number().int().positive(), since: z.number().int().nonnegative() });
type Holder = z.infer<typeof Holder>;

export class DataDirBusyError extends TesseraError {
  readonly holder: Holder | null;
  constructor(dir: string, holder: Holder | null) {
    const who = holder
      ? `Another Tessera process (pid ${holder.pid}, running since ${new Date(holder.since).toISOString()})`
      : 'Another Tessera process';
    super(
      'DATA_DIR_BUSY',
      `${who} is using ${dir}. Talk to it (a \`tessera serve\` serves the local API), or stop it first.`,
    );
    this.holder = holder;
  }
}

function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** The note the holder left, if it reads as one. Only for messages: the lock decides, not this file. */
export function readLockHolder(dir: string): Holder | null {
  try {
    const parsed = Holder.safeParse(JSON.parse(readFileSync(join(dir, HOLDER_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * True while some process holds the data dir's lock. Takes a shared lock for one read and lets it go at once, so
 * it never takes the data dir from anyone; a holder's exclusive lock makes the read fail with SQLITE_BUSY.
 */
export function dataDirInUse(dir: string): boolean {
  let db: Database.Database;
  try {
    db = new Database(join(dir, LOCK_FILE), { readonly: true, fileMustExist: true, timeout: 0 });
  } catch {
    return false; // no lock file: nobody has ever locked this data dir
  }
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return false;
  } catch (err) {
    if (isSqliteBusy(err)) return true;
    throw err;
  } finally {
    db.close();
  }
}

/**
 * One process owns a data dir at a time (the app, `tessera serve`, or a one-shot CLI command). A second one is
 * refused while the first lives, including a second open in the same process.
 */
export class DataDirLock {
  private released = false;
  private readonly db: Database.Database;
  private readonly dir: string;

  private constructor(dir: string, db: Database.Database) {
    this.dir = dir;
    this.db = db;
  }

  static acquire(dir: string): DataDirLock {
    const db = new Database(join(dir, LOCK_FILE), { timeout: ACQUIRE_WAIT_MS });
    try {
      // EXCLUSIVE locking mode keeps the lock past any statement; the transaction, never committed, takes it now.
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      db.close();
      if (isSqliteBusy(err)) throw new DataDirBusyError(dir, readLockHolder(dir));
      throw err;
    }
    try {
      writeFileAtomic(join(dir, HOLDER_FILE), JSON.stringify({ pid: process.pid, since: Date.now() }), 0o600);
    } catch {
      // The note only improves another process's message; the lock holds without it.
    }
    return new DataDirLock(dir, db);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      unlinkSync(join(this.dir, HOLDER_FILE));
    } catch {
      // already gone
    }
    this.db.close(); // rolls the empty transaction back and gives the lock up
  }
}
