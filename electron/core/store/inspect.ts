import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DatabaseCorruptError, DatabaseTooNewError } from './errors.ts';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, head, 0, HEADER_BYTES, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function isSqliteFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/**
 * A read-only connection to a WAL database creates empty `-wal` and `-shm` files if they are missing. When the file
 * is refused, remove those (and only those: never the database, never a `-wal` holding data).
 */
function removeCreatedSidecars(path: string, existed: { wal: boolean; shm: boolean }): void {
  const wal = `${path}-wal`;
  if (!existed.wal && existsSync(wal) && statSync(wal).size === 0) rmSync(wal);
  if (!existed.shm) rmSync(`${path}-shm`, { force: true });
}

/**
 * Checks an existing database file without writing to it: the SQLite header, `PRAGMA quick_check` and the schema
 * version, all through a read-only connection (which never checkpoints into the file). Throws
 * DatabaseCorruptError or DatabaseTooNewError; a missing or empty file is fine (a new database).
 */
export function inspectDatabaseFile(path: string, knownVersion: number): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (size === 0) return; // SQLite creates the file before its first write; an empty file is an empty database
  const head = readHead(path);
  if (head.length < HEADER_BYTES || !head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC))
    throw new DatabaseCorruptError(path, 'it is not an SQLite database');

  const existed = { wal: existsSync(`${path}-wal`), shm: existsSync(`${path}-shm`) };
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new DatabaseCorruptError(path, `integrity check failed: ${String(check)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > knownVersion) throw new DatabaseTooNewError(path, version, knownVersion);
  } catch (err) {
    db?.close();
    db = null;
    removeCreatedSidecars(path, existed);
    if (isSqliteFailure(err)) throw new DatabaseCorruptError(path, (err as Error).message, { cause: err });
    throw err;
  } finally {
    db?.close();
  }
}
