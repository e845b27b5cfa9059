import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { electronBinaryPath } from '../../electron/cli/start-electron.ts';

/**
 * Whether the Electron suite can run on this machine, and if not, why — in words a person can act on.
 * The binary is located exactly as node_modules/electron/index.js does (path.txt, ELECTRON_OVERRIDE_DIST_PATH),
 * without loading that file, which throws when the binary is absent.
 */
export const repoRoot = join(import.meta.dirname, '..', '..');

export function electronExecutable(): string | null {
  const path = electronBinaryPath();
  return path !== null && existsSync(path) ? path : null;
}

export function electronSkipReason(): string | null {
  if (!electronExecutable()) {
    return 'Electron binary not installed (download blocked on this machine)';
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display for Electron windows (run under xvfb-run)';
  }
  return null;
}

/** Files of the suite that launch Electron (the others test the shell's pure logic and run everywhere). */
export const ELECTRON_SPEC = 'app.spec.ts';

/**
 * Chromium cannot start its OS-level sandbox as root (CI containers): then, and only then, the suite passes
 * --no-sandbox. The renderer is still a sandboxed renderer in Electron's sense (`sandbox: true`: no Node in the
 * preload or the page), which is what the tests check.
 */
export function chromiumArgs(): string[] {
  return runningAsRoot() ? ['--no-sandbox', '--disable-gpu'] : ['--disable-gpu'];
}

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}
