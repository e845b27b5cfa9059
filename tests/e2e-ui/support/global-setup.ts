import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { NODE, REPO_ROOT, SCREENS_DIR } from './paths.ts';

/** Builds the renderer once (the host serves out/renderer). Set TESSERA_SKIP_BUILD=1 to reuse a fresh build. */
export default function globalSetup(): void {
  mkdirSync(SCREENS_DIR, { recursive: true });
  if (process.env.TESSERA_SKIP_BUILD === '1') return;
  const result = spawnSync(NODE, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`);
}
