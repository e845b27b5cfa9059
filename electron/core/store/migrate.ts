import type { Database } from 'better-sqlite3';
import { DatabaseTooNewError } from './errors.ts';
import type { Migration } from './migrations/index.ts';

/** Throws unless `migrations` are numbered 1, 2, 3, … in order (a programming error, caught by the unit tests). */
export function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(
        `Migration "${m.name}" has version ${m.version}; expected ${i + 1} (no gaps, in order).`,
      );
  });
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to date: every pending migration and the new `user_version` in ONE transaction, so a crash
 * leaves either the old schema or the new one. Returns the versions applied.
 */
export function migrate(db: Database, path: string, migrations: readonly Migration[]): number[] {
  checkMigrationList(migrations);
  const known = latestVersion(migrations);
  const apply = db.transaction((): number[] => {
    const current = schemaVersion(db);
    if (current > known) throw new DatabaseTooNewError(path, current, known);
    const pending = migrations.filter((m) => m.version > current);
    for (const m of pending) m.up(db);
    if (pending.length > 0) db.pragma(`user_version = ${known}`);
    return pending.map((m) => m.version);
  });
  return apply.immediate();
}
