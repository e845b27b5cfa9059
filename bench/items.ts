/**
 * A vault of 10,000 items (docs/PERFORMANCE.md, "A vault of 10,000 items"): is it still fast to open, search and
 * scroll?
 *
 * The vault is built as a person builds one: a Bitwarden JSON export of BENCH_ITEMS (10,000) entries
 * (tests/helpers/large-export.ts) imported through the real path (`items.importPreview`, `items.importCommit`) into
 * the built `tessera serve`, whose vault key is wrapped with the app's own KDF (not the tests' fast one), so an
 * unlock costs what it costs a person. Then:
 *   - `items.list` over HTTP, every item and with a query (BENCH_LIST_RUNS calls each), beside `app.status` (the
 *     API's floor: one round trip that reads nothing);
 *   - in Debian Chromium (Playwright), the UI served by the same process: unlock (Enter in the passphrase field) →
 *     the first rows of the complete list on screen; each keystroke of search → the list showing that query's
 *     results (its first item and its total: `aria-setsize` of a row, or the rows in the DOM), timed in the page
 *     from the keydown event to the next animation frame after the list changed; and scrolling the list to its end,
 *     one step per frame, counting long tasks (over 50 ms) and frame intervals.
 */
import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import { rmSync } from 'node:fs';
import { startServe, tempDataDir } from '../tests/helpers/serve-process.ts';
import { chromiumLaunchOptions } from '../tests/helpers/chromium.ts';
import { TEST_PASSPHRASE } from '../tests/helpers/cluster.ts';
import { largeBitwardenExport } from '../tests/helpers/large-export.ts';
import { figure, log, median, percentile } from './lib.ts';
import type { Figure } from './lib.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const LIST_RUNS = Number(process.env.BENCH_LIST_RUNS ?? 20);
const UNLOCK_RUNS = Number(process.env.BENCH_UNLOCK_RUNS ?? 3);
/** Typed one key at a time; the field is cleared (Ctrl+A, Backspace: two more timed keystrokes) between them. */
const QUERIES = ['09876', 'bank 1234', 'mail 3', 'person42', 'github'];
const LIST_TARGET_MS = 1000;
const KEY_TARGET_MS = 50;

/** What the list must show for a query: how many items, and the first one's title. */
interface Expected {
  count: number;
  first: string | null;
}

/**
 * Installed in the page before its own scripts (`addInitScript`; the bench's Node typecheck has no DOM, so this is
 * plain JavaScript). `__bench.arm(expected)`: from the next keydown (its event time) until the list shows `expected`
 * (its total, from a row's `aria-setsize` on a virtualized list or the rows in the DOM, and its first title), plus
 * one animation frame (the frame that paints it). `__bench.scrollToEnd(lastTitle)`: scrolls the list's scroller (the
 * list, an ancestor, or the page) to its end one step per frame, with long tasks and frame intervals.
 */
const PAGE_HELPERS = `
window.__bench = {
  arm(exp) {
    window.__benchDone = new Promise((resolve) => {
      let t0 = -1;
      let done = false;
      const shows = () => {
        const list = document.querySelector('[data-testid="item-list"]');
        if (!list) return exp.count === 0 && document.querySelector('[data-testid="vault-empty"]') !== null;
        const rows = list.querySelectorAll('li');
        const sized = rows[0] && rows[0].getAttribute('aria-setsize');
        const total = sized ? Number(sized) : rows.length;
        const first = sized ? list.querySelector('li[aria-posinset="1"]') : rows[0];
        const title = first && first.querySelector('.vault__item-title');
        return total === exp.count && (title ? title.textContent : null) === exp.first;
      };
      const finish = () => {
        if (done || t0 < 0 || !shows()) return;
        done = true;
        observer.disconnect();
        requestAnimationFrame(() => resolve(performance.now() - t0));
      };
      const observer = new MutationObserver(finish);
      document.addEventListener('keydown', (e) => {
        t0 = e.timeStamp;
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        queueMicrotask(finish);
      }, { capture: true, once: true });
    });
  },
  async scrollToEnd(last) {
    const list = document.querySelector('[data-testid="item-list"]');
    let scroller = document.scrollingElement;
    for (let el = list; el; el = el.parentElement) {
      if (/(auto|scroll)/.test(getComputedStyle(el).overflowY) && el.scrollHeight > el.clientHeight) {
        scroller = el;
        break;
      }
    }
    const longTasks = [];
    const po = new PerformanceObserver((entries) => {
      for (const e of entries.getEntries()) longTasks.push(e.duration);
    });
    po.observe({ type: 'longtask' });
    const intervals = [];
    const step = Math.max(200, scroller.clientHeight * 3);
    let previous = performance.now();
    let stable = 0;
    while (stable < 5) {
      const before = scroller.scrollTop;
      scroller.scrollTop = before + step;
      await new Promise((r) => requestAnimationFrame(() => r()));
      const now = performance.now();
      intervals.push(now - previous);
      previous = now;
      stable = scroller.scrollTop === before ? stable + 1 : 0;
    }
    await new Promise((r) => setTimeout(r, 200));
    po.disconnect();
    const sorted = [...intervals].sort((a, b) => a - b);
    const titles = [...list.querySelectorAll('.vault__item-title')].map((t) => t.textContent);
    return {
      frames: intervals.length,
      longTasks: longTasks.length,
      longTaskMs: longTasks.reduce((a, b) => a + b, 0),
      p95FrameMs: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)],
      slowFrames: intervals.filter((ms) => ms > 50).length,
      reachedLast: titles.includes(last),
    };
  },
};
`;

/** Arms the page's waiter for the next keydown (see PAGE_HELPERS). */
const armListWait = (page: Page, expected: Expected) =>
  page.evaluate(`window.__bench.arm(${JSON.stringify(expected)})`);

const waitArmed = (page: Page) => page.evaluate('window.__benchDone') as Promise<number>;

interface ScrollResult {
  frames: number;
  longTasks: number;
  longTaskMs: number;
  p95FrameMs: number;
  slowFrames: number;
  reachedLast: boolean;
}

const scrollToEnd = (page: Page, lastTitle: string) =>
  page.evaluate(`window.__bench.scrollToEnd(${JSON.stringify(lastTitle)})`) as Promise<ScrollResult>;

async function timeCalls(run: () => Promise<unknown>, times: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return ms;
}

export async function items(): Promise<Figure[]> {
  const dataDir = tempDataDir('tessera-bench-items');
  // The app's KDF: an unlock measured here costs what it costs a person.
  const serve = await startServe({
    dataDir,
    env: { TESSERA_MDNS: '0', TESSERA_INSECURE_FAST_KDF: '0' },
    timeoutMs: 60_000,
  });
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const api = serve.client;
    await api.call('vault.create', { name: 'Bench', passphrase: TEST_PASSPHRASE });
    const file = largeBitwardenExport(ITEMS);
    const t0 = performance.now();
    const preview = await api.call('items.importPreview', {
      format: 'bitwarden',
      dataBase64: Buffer.from(file).toString('base64'),
    });
    const tPreview = performance.now();
    const imported = await api.call('items.importCommit', { token: preview.token });
    const tImport = performance.now();
    if (imported.imported !== ITEMS) throw new Error(`imported ${imported.imported} of ${ITEMS} items`);
    log(
      `items: imported ${ITEMS} items (${(file.length / 2 ** 20).toFixed(1)} MiB of JSON) in ${(tImport - t0).toFixed(0)} ms`,
    );

    const floor = await timeCalls(() => api.call('app.status', {}), LIST_RUNS);
    const listAll = await timeCalls(() => api.call('items.list', {}), LIST_RUNS);
    const listQuery = await timeCalls(() => api.call('items.list', { query: 'mail' }), LIST_RUNS);
    const searchBroad = await timeCalls(() => api.call('items.search', { query: 'e' }), LIST_RUNS);
    const all = await api.call('items.list', {});

    // The API's own unlock (KDF, every item opened) beside the UI's figure below.
    const unlockApi = await timeCalls(async () => {
      await api.call('vault.lock', {});
      await api.call('vault.unlock', { passphrase: TEST_PASSPHRASE });
    }, UNLOCK_RUNS);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.addInitScript({ content: PAGE_HELPERS });
    const unlockUi: number[] = [];
    const firstOfAll: Expected = { count: all.length, first: all[0]?.title ?? null };
    for (let i = 0; i < UNLOCK_RUNS; i++) {
      await api.call('vault.lock', {});
      // A fresh load each time, as when the app is opened (the same address again would only change the fragment).
      await page.goto('about:blank');
      await page.goto(serve.url);
      await page.getByLabel('Passphrase', { exact: true }).fill(TEST_PASSPHRASE);
      await armListWait(page, firstOfAll);
      await page.getByLabel('Passphrase', { exact: true }).press('Enter');
      unlockUi.push(await waitArmed(page));
    }

    // Search, one key at a time; a keystroke whose results equal the previous one's is typed but not timed.
    const search = page.getByLabel('Search items');
    await search.click();
    const keyMs: number[] = [];
    const keyLog: string[] = [];
    let untimed = 0;
    let previous: Expected = firstOfAll;
    const expectFor = async (query: string): Promise<Expected> => {
      const found = await api.call('items.list', query.trim() ? { query: query.trim() } : {});
      return { count: found.length, first: found[0]?.title ?? null };
    };
    const timedKey = async (key: string, typed: string) => {
      const expected = await expectFor(typed);
      if (expected.count === previous.count && expected.first === previous.first) {
        untimed++;
        await page.keyboard.press(key);
      } else {
        await armListWait(page, expected);
        await page.keyboard.press(key);
        keyMs.push(await waitArmed(page));
        keyLog.push(`"${typed}" (${expected.count}) ${Math.round(keyMs.at(-1)!)}`);
      }
      previous = expected;
    };
    for (const query of QUERIES) {
      for (let i = 1; i <= query.length; i++)
        await timedKey(query[i - 1] === ' ' ? 'Space' : query[i - 1]!, query.slice(0, i));
      await page.keyboard.press('ControlOrMeta+A');
      await timedKey('Backspace', '');
    }
    log(`items: ${keyMs.length} keystrokes timed, ${untimed} changed nothing and were not timed`);

    const scroll = await scrollToEnd(page, all[all.length - 1]!.title);
    if (!scroll.reachedLast) throw new Error('scrolling to the end of the list did not show its last item');
    await page.close();
    if (problems.length > 0) throw new Error(`the page reported errors: ${problems.join('; ')}`);

    log(`items: unlock → list ${unlockUi.map((ms) => Math.round(ms)).join(', ')} ms`);
    log(`items: keystrokes, "query typed so far" (results) ms: ${keyLog.join(', ')}`);
    log(
      `items: scroll ${scroll.frames} frames, ${scroll.longTasks} long tasks (${Math.round(scroll.longTaskMs)} ms), p95 frame ${scroll.p95FrameMs.toFixed(1)} ms, ${scroll.slowFrames} frames over 50 ms`,
    );
    const noBaseline = { baseline: '—', baselineValue: null };
    return [
      figure({
        figure: `Import of ${ITEMS.toLocaleString('en')} items (Bitwarden JSON: preview + commit, over HTTP)`,
        value: tImport - t0,
        unit: 'ms',
        ...noBaseline,
        target: 'reported',
        met: null,
        note: `preview ${Math.round(tPreview - t0)} ms, commit ${Math.round(tImport - tPreview)} ms; one sample`,
      }),
      figure({
        figure: `items.list over HTTP, all ${ITEMS.toLocaleString('en')} items (median of ${LIST_RUNS})`,
        value: median(listAll),
        unit: 'ms',
        baseline: 'app.status over HTTP',
        baselineValue: median(floor),
        target: 'reported',
        met: null,
        note: `p95 ${percentile(listAll, 95).toFixed(1)} ms`,
      }),
      figure({
        figure: `items.list over HTTP, query "mail" (median of ${LIST_RUNS})`,
        value: median(listQuery),
        unit: 'ms',
        baseline: 'app.status over HTTP',
        baselineValue: median(floor),
        target: 'reported',
        met: null,
        note: `p95 ${percentile(listQuery, 95).toFixed(1)} ms`,
      }),
      figure({
        figure: `items.search over HTTP, query "e" (nearly every item; median of ${LIST_RUNS})`,
        value: median(searchBroad),
        unit: 'ms',
        baseline: 'app.status over HTTP',
        baselineValue: median(floor),
        target: 'reported',
        met: null,
        note: `p95 ${percentile(searchBroad, 95).toFixed(1)} ms; what the list screen asks at each keystroke`,
      }),
      figure({
        figure: `vault.lock + vault.unlock over HTTP, ${ITEMS.toLocaleString('en')} items, app's KDF (median of ${UNLOCK_RUNS})`,
        value: median(unlockApi),
        unit: 'ms',
        ...noBaseline,
        target: 'reported',
        met: null,
      }),
      figure({
        figure: `Chromium: unlock (Enter) → the full list on screen, ${ITEMS.toLocaleString('en')} items (median of ${UNLOCK_RUNS})`,
        value: median(unlockUi),
        unit: 'ms',
        ...noBaseline,
        target: `< ${LIST_TARGET_MS} ms`,
        met: median(unlockUi) < LIST_TARGET_MS,
        note: `runs: ${unlockUi.map((ms) => Math.round(ms)).join(', ')} ms; includes the app's KDF`,
      }),
      figure({
        figure: `Chromium: search keystroke → results on screen, p50 (${keyMs.length} keystrokes)`,
        value: median(keyMs),
        unit: 'ms',
        ...noBaseline,
        target: `< ${KEY_TARGET_MS} ms`,
        met: median(keyMs) < KEY_TARGET_MS,
      }),
      figure({
        figure: `Chromium: search keystroke → results on screen, p95 (${keyMs.length} keystrokes)`,
        value: percentile(keyMs, 95),
        unit: 'ms',
        ...noBaseline,
        target: `< ${KEY_TARGET_MS} ms`,
        met: percentile(keyMs, 95) < KEY_TARGET_MS,
        note: `max ${Math.max(...keyMs).toFixed(1)} ms`,
      }),
      figure({
        figure: `Chromium: scrolling the list to its end, long tasks (${scroll.frames} frames)`,
        value: scroll.longTasks,
        unit: 'tasks',
        ...noBaseline,
        target: 'none',
        met: scroll.longTasks === 0,
        note: `${Math.round(scroll.longTaskMs)} ms in long tasks; p95 frame ${scroll.p95FrameMs.toFixed(1)} ms; ${scroll.slowFrames} frames over 50 ms`,
      }),
    ];
  } finally {
    await browser.close().catch(() => null);
    await serve.stop().catch(() => null);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
