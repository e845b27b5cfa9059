import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, _electron } from '@playwright/test';
import type { ElectronApplication, Page } from '@playwright/test';
import {
  chromiumArgs,
  electronExecutable,
  electronSkipReason,
  repoRoot,
  runningAsRoot,
} from './electron-env.ts';

/**
 * Every test gets its own data dir (so its own single-instance lock and core) and a freshly launched app.
 * `logs` collects the main process's stdout and stderr, where the shell reports what it blocked.
 */
interface ShellFixtures {
  dataDir: string;
  electronApp: ElectronApplication;
  appWindow: Page;
  logs: () => string;
}

export function launchArgs(dataDir: string): string[] {
  return [...chromiumArgs(), repoRoot, `--data=${dataDir}`];
}

export const test = base.extend<ShellFixtures & { collected: string[] }>({
  // eslint-disable-next-line no-empty-pattern
  dataDir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-electron-'));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  },
  // eslint-disable-next-line no-empty-pattern
  collected: async ({}, use) => {
    await use([]);
  },
  electronApp: async ({ dataDir, collected }, use) => {
    if (!electronExecutable()) throw new Error(electronSkipReason() ?? 'Electron is missing');
    // No executablePath: Playwright then finds the binary through the electron package and preloads its loader,
    // which holds `ready` until it is attached. Keep Chromium's OS sandbox on except as root (see chromiumArgs).
    const app = await _electron.launch({
      args: launchArgs(dataDir),
      chromiumSandbox: !runningAsRoot(),
      cwd: repoRoot,
      env: { ...process.env, TESSERA_DATA_DIR: dataDir },
      timeout: 30_000,
    });
    const collect = (chunk: Buffer) => collected.push(chunk.toString('utf8'));
    app.process().stdout?.on('data', collect);
    app.process().stderr?.on('data', collect);
    await use(app);
    if (app.process().exitCode === null && app.process().signalCode === null) await app.close();
  },
  appWindow: async ({ electronApp }, use) => {
    const page = await electronApp.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    await use(page);
  },
  logs: async ({ collected }, use) => {
    await use(() => collected.join(''));
  },
});

export { expect };
