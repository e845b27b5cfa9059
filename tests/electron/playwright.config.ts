import { defineConfig } from '@playwright/test';

/**
 * The desktop shell. app.spec.ts launches the real Electron app with Playwright's `_electron` and skips (saying
 * why) where the Electron binary is missing or there is no display. The other specs test the shell's pure logic
 * (protocol path guard, origins, tray menu, safeStorage rules, packaging config) and run everywhere.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  timeout: 60_000,
  globalSetup: './global-setup.ts',
  reporter: [['list'], ['./skip-reporter.ts']],
  outputDir: '../../test-results/electron',
});
