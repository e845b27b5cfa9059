import { defineConfig } from '@playwright/test';
import { browserArgs, CHROMIUM } from './support/browser.ts';

/**
 * The UI suite: Debian Chromium drives the real renderer (out/renderer) served by real `tessera serve` processes.
 * One worker: the machine is shared, and every test starts its own host processes anyway.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: '../../test-results/e2e-ui',
  globalSetup: './support/global-setup.ts',
  use: {
    launchOptions: { executablePath: CHROMIUM, args: browserArgs() },
    viewport: { width: 1024, height: 720 },
    colorScheme: 'light',
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
  },
});
