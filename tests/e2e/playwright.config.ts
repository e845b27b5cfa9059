import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../helpers/chromium.ts';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
  outputDir: '../../test-results/e2e',
  // The built CLI and renderer (out/) are what these tests run: build first, as the UI suite does.
  globalSetup: '../e2e-ui/support/global-setup.ts',
  use: { launchOptions: chromiumLaunchOptions(), viewport: { width: 1024, height: 720 } },
});
