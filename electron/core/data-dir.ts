import { mkdirSync, chmodSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where Tessera keeps its data when no --data is given. It matches Electron's `app.getPath('userData')` for the
 * product name "Tessera", so the desktop app, `tessera serve` and the CLI share one vault by default.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TESSERA_DATA_DIR) return resolve(env.TESSERA_DATA_DIR);
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Tessera');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Tessera');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Tessera');
  }
}

/** Creates the data dir readable only by its owner. */
export function ensureDataDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  chmodSync(abs, 0o700);
  return abs;
}
