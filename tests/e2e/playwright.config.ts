import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../helpers/chromium.ts';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
  outputDir: '../../test-results/e2e',
  use: { launchOptions: chromiumLaunchOptions(), viewport: { width: 1024, height: 720 } },
});
