import { test as base, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { startHost } from './host.ts';
import type { Host } from './host.ts';
import { SCREENS_DIR } from './paths.ts';

interface Fixtures {
  /** A real `tessera serve` with its own empty data dir, stopped after the test. */
  host: Host;
  /** Starts more hosts (other people's devices); all are stopped after the test, whatever happened. */
  startHost: typeof startHost;
  /** Problems the page reported (CSP violations, uncaught errors); the test fails if any appear. */
  pageProblems: string[];
  /** The browser page opened at the host's printed address. */
  app: Page;
}

export const test = base.extend<Fixtures>({
  // Playwright reads fixture dependencies from the destructuring pattern; this one has none.
  // eslint-disable-next-line no-empty-pattern
  host: async ({}, use) => {
    const host = await startHost();
    try {
      await use(host);
    } finally {
      await host.stop();
    }
  },
  // eslint-disable-next-line no-empty-pattern
  startHost: async ({}, use) => {
    const started: Host[] = [];
    try {
      await use(async (options) => {
        const host = await startHost(options);
        started.push(host);
        return host;
      });
    } finally {
      await Promise.all(started.map((host) => host.stop()));
    }
  },
  pageProblems: async ({ page }, use) => {
    const problems = watchPage(page);
    await use(problems);
    expect(problems, 'the page reported errors or CSP violations').toEqual([]);
  },
  app: async ({ page, host, pageProblems }, use) => {
    void pageProblems;
    await page.goto(host.url);
    await use(page);
  },
});

export { expect };

/** Collects console errors (CSP violations show up there) and uncaught exceptions. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Expected failures the UI handles and shows (for example a refused over-size upload) are not page problems.
    if (/Failed to load resource/.test(text)) return;
    problems.push(text);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

/** Saves a screenshot of a main screen under test-results/screens/NAME.png. */
export async function shot(page: Page, name: string): Promise<void> {
  // Let fonts and transitions settle so the picture shows what a person sees.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(SCREENS_DIR, `${name}.png`), fullPage: false });
}

/** Saves the screenshot beside the suite's others (`shot`) and attaches it to the running test's report. */
export async function attachShot(page: Page, name: string): Promise<void> {
  await shot(page, name);
  await test.info().attach(name, { path: join(SCREENS_DIR, `${name}.png`), contentType: 'image/png' });
}
