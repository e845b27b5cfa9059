import type { Database } from 'better-sqlite3';

/**
 * One schema step. `up` runs inside the single transaction that applies every pending migration, so it must be
 * synchronous and must not commit, open transactions or change pragmas that cannot run in a transaction.
 */
export interface Migration {
  /** 1, 2, 3, … in order, without gaps; stored in `PRAGMA user_version` once applied. */
  readonly version: number;
  /** Short description, e.g. "vault". */
  readonly name: string;
  up(db: Database): void;
}
