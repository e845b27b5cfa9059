import type { Database } from 'better-sqlite3';
import { BadRequestError } from '../../shared/errors.ts';
import { parseMultiaddr } from './mesh/addresses.ts';
import { prepared } from './store/statements.ts';

/**
 * Preferences of this installation, kept beside the vault's settings (same table, `device.` keys) but never put in
 * a backup: they describe this machine, not the vault, so a recovered device starts with its own defaults.
 */
export interface DeviceSettings {
  /** Start Tessera (hidden, in the tray) when the person logs in. Applied by the desktop shell. */
  startAtLogin: boolean;
  /** Closing the window keeps Tessera running in the tray; when false, closing quits. */
  closeToTray: boolean;
  /** libp2p listen multiaddrs; empty means the default. Applied at the next start; `--listen` overrides. */
  listen: string[];
  /**
   * Relay connections between friends who cannot dial each other (behind routers): worth turning on for an
   * always-on, reachable machine. Applied at the next start; `tessera serve --relay` and TESSERA_RELAY override.
   */
  relayForFriends: boolean;
}

export const DEFAULT_DEVICE_SETTINGS: DeviceSettings = {
  startAtLogin: false,
  closeToTray: true,
  listen: [],
  relayForFriends: false,
};
const BOOLEAN_KEYS = ['startAtLogin', 'closeToTray', 'relayForFriends'] as const;
const MAX_LISTEN = 8;
const PREFIX = 'device.';

function check(settings: DeviceSettings): void {
  if (settings.listen.length > MAX_LISTEN)
    throw new BadRequestError(`At most ${MAX_LISTEN} listen addresses.`);
  for (const address of settings.listen) {
    if (!parseMultiaddr(address) || !/\/tcp\/\d+$/.test(address)) {
      throw new BadRequestError(`"${address}" is not a TCP listen address such as /ip4/0.0.0.0/tcp/4747.`);
    }
  }
}

export class DeviceSettingsRepo {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  read(): DeviceSettings {
    const out: DeviceSettings = { ...DEFAULT_DEVICE_SETTINGS, listen: [] };
    const rows = prepared(this.db, "SELECT key, value FROM settings WHERE key LIKE 'device.%'").all() as {
      key: string;
      value: string;
    }[];
    for (const { key, value } of rows) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        continue;
      }
      const name = key.slice(PREFIX.length);
      const flag = BOOLEAN_KEYS.find((k) => k === name);
      if (flag && typeof parsed === 'boolean') out[flag] = parsed;
      if (name === 'listen' && Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) {
        out.listen = parsed as string[];
      }
    }
    return out;
  }

  /** Validates and writes the given keys in one transaction. */
  write(patch: Partial<DeviceSettings>): DeviceSettings {
    const next = { ...this.read(), ...patch };
    check(next);
    const upsert = prepared(
      this.db,
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) upsert.run(`${PREFIX}${key}`, JSON.stringify(value));
    })();
    return next;
  }
}
