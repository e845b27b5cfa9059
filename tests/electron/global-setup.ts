import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { electronSkipReason, repoRoot } from './electron-env.ts';

/**
 * When Electron can run, build the app first so the tests exercise the current code (TESSERA_SKIP_BUILD=1: `npm
 * test` has just built it).
 */
export default function globalSetup(): void {
  if (electronSkipReason() || process.env.TESSERA_SKIP_BUILD === '1') return;
  const result = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) throw new Error('npm run build failed; the Electron tests need out/.');
}
