import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { DatabaseCorruptError } from './errors.ts';
import { inspectDatabaseFile } from './inspect.ts';
import { latestVersion, migrate, schemaVersion } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import type { Migration } from './migrations/index.ts';

export const DATABASE_FILE = 'tessera.db';

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export interface StoreOptions {
  /** Only tests pass their own list; the app always uses MIGRATIONS. */
  migrations?: readonly Migration[];
  busyTimeoutMs?: number;
}

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The WAL is cut back to this size after a checkpoint (SQLite's journal_size_limit). It is above the ~4 MiB that
 * the default automatic checkpoint (every 1,000 pages) lets it reach, so ordinary writes never shrink and regrow it.
 */
export const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * The local SQLite store (`tessera.db`): WAL, `synchronous=FULL`, foreign keys, STRICT tables, schema migrations.
 * An existing file is checked read-only first; a corrupt or too-new one is refused and left untouched.
 */
export class Store {
  readonly path: string;
  readonly db: Database.Database;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
  }

  static open(path: string, options: StoreOptions = {}): Store {
    const migrations = options.migrations ?? MIGRATIONS;
    inspectDatabaseFile(path, latestVersion(migrations));
    const db = new Database(path);
    try {
      chmodSync(path, 0o600);
      db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (got ${String(mode)}).`);
      db.pragma('synchronous = FULL');
      // A large transaction (the owner storing a 100 MiB version of its backup) grows the WAL to hold it; without a
      // limit the file keeps that size for good. With one, it is cut back once checkpointed.
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      db.pragma('foreign_keys = ON');
      // Freed pages and deleted cells are overwritten with zeros, so a deleted item, a dropped key or a replaced
      // vault-key wrap does not linger in free space of the file (docs/STORAGE.md, "Changing the passphrase").
      db.pragma('secure_delete = ON');
      db.pragma('trusted_schema = OFF');
      migrate(db, path, migrations);
    } catch (err) {
      db.close();
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB'))
        throw new DatabaseCorruptError(path, (err as Error).message, { cause: err });
      throw err;
    }
    return new Store(path, db);
  }

  get version(): number {
    return schemaVersion(this.db);
  }

  /**
   * Runs `fn` as one IMMEDIATE transaction: all of it commits or none of it does. `fn` must be synchronous (do
   * KDFs and other async work before or after); when this returns, the change is durable.
   */
  transaction<T>(fn: () => T): T {
    const run = this.db.transaction(() => {
      const result = fn();
      if (result instanceof Promise) throw new Error('A store transaction cannot be async.');
      return result;
    });
    return run.immediate();
  }

  /**
   * Writes a consistent copy of the database to `dest` with SQLite's online backup (never a file copy): first to a
   * temporary file beside it, then fsync and rename, so `dest` is either complete or absent.
   */
  async backupDatabase(dest: string): Promise<void> {
    const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.db.backup(tmp);
      chmodSync(tmp, 0o600);
      fsyncPath(tmp, 'r');
      renameSync(tmp, dest);
      fsyncPath(dirname(dest), 'r');
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Copies every WAL frame into the main file and truncates the `-wal` file to zero bytes, so earlier versions of
   * pages (an old vault-key wrap, rows sealed under an old key) no longer sit in it. Returns false when another
   * connection's read kept the checkpoint from completing (the frames then stay until a later checkpoint).
   */
  checkpointTruncate(): boolean {
    const rows = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return rows[0]?.busy === 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
