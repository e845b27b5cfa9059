import type { Database } from 'better-sqlite3';
import { BadRequestError } from '../../../shared/errors.ts';
import { prepared } from '../store/statements.ts';

/** Vault settings (not secret): stored as JSON text in the `settings` table. */
export interface VaultSettings {
  /** Lock after this many seconds without an API call. */
  autoLockSeconds: number;
}

export const DEFAULT_SETTINGS: VaultSettings = { autoLockSeconds: 15 * 60 };
const AUTO_LOCK_MAX_SECONDS = 24 * 60 * 60;

function checkSettings(settings: VaultSettings): void {
  const s = settings.autoLockSeconds;
  if (!Number.isInteger(s) || s < 1 || s > AUTO_LOCK_MAX_SECONDS)
    throw new BadRequestError(`Auto-lock must be between 1 second and 24 hours (got ${String(s)}).`);
}

export class SettingsRepo {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  read(): VaultSettings {
    const rows = prepared(this.db, 'SELECT key, value FROM settings').all() as {
      key: string;
      value: string;
    }[];
    const out: VaultSettings = { ...DEFAULT_SETTINGS };
    for (const { key, value } of rows) {
      if (key === 'autoLockSeconds') {
        const parsed: unknown = JSON.parse(value);
        if (typeof parsed === 'number') out.autoLockSeconds = parsed;
      }
    }
    return out;
  }

  /** Validates, then writes the given keys (the caller owns the transaction). */
  write(patch: Partial<VaultSettings>): VaultSettings {
    const next = { ...this.read(), ...patch };
    checkSettings(next);
    const upsert = prepared(
      this.db,
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    for (const [key, value] of Object.entries(patch)) upsert.run(key, JSON.stringify(value));
    return next;
  }
}
