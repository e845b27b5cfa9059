import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShellDiagnostics } from '../../electron/main/diagnostics.ts';
import type { TesseraBridge } from '../../shared/api/client.ts';
import type { Envelope } from '../../shared/api/contract.ts';
import { electronExecutable, electronSkipReason } from './electron-env.ts';
import { expect, launchArgs, test } from './fixtures.ts';

/**
 * The real desktop app, launched with Playwright's `_electron`. Skipped, with the reason printed by
 * skip-reporter.ts, where the Electron binary is missing (its download is blocked on the build machine) or there
 * is no display.
 */
const skipReason = electronSkipReason();
test.skip(skipReason !== null, `${skipReason ?? ''}: skipping the Electron tests`);

/** Reads the shell's diagnostics object in the main process (see electron/main/diagnostics.ts). */
/** The few browser globals the page functions below use (this suite is typechecked without the DOM lib). */
interface RendererGlobals {
  tessera?: TesseraBridge;
  location: { href: string; protocol: string };
  document: {
    createElement(tag: string): { href: string; click(): void; constructor: { name: string } };
    body: { append(node: unknown): void };
  };
  open(url: string): unknown;
  Notification: { requestPermission(): Promise<string> };
}

const diagnostics = {
  trayRunning: () =>
    (globalThis as Record<symbol, ShellDiagnostics>)[Symbol.for('tessera.shell')]!.trayRunning(),
};

test('the window is context-isolated, sandboxed, has no Node and no webview, and loads from app://', async ({
  electronApp,
  appWindow,
}) => {
  const prefs = await electronApp.evaluate(({ BrowserWindow }) => {
    const shell = (globalThis as Record<symbol, ShellDiagnostics>)[Symbol.for('tessera.shell')];
    return { windows: BrowserWindow.getAllWindows().length, prefs: shell?.webPreferences ?? null };
  });
  expect(prefs.windows).toBe(1);
  expect(prefs.prefs).toMatchObject({
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webviewTag: false,
    webSecurity: true,
  });
  expect(prefs.prefs?.preload).toMatch(/out[/\\]preload[/\\]index\.cjs$/);

  expect(appWindow.url()).toBe('app://tessera/index.html');
  const page = await appWindow.evaluate(() => {
    const w = globalThis as unknown as RendererGlobals & Record<string, unknown>;
    return {
      require: typeof w.require,
      process: typeof w.process,
      module: typeof w.module,
      buffer: typeof w.Buffer,
      ipcRenderer: typeof w.ipcRenderer,
      electron: typeof w.electron,
      bridgeKeys: Object.keys(w.tessera ?? {}).sort(),
      webviewIsInert: w.document.createElement('webview').constructor.name === 'HTMLUnknownElement',
    };
  });
  expect(page).toEqual({
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    buffer: 'undefined',
    ipcRenderer: 'undefined',
    electron: 'undefined',
    bridgeKeys: ['call', 'onEvent'],
    webviewIsInert: true,
  });
});

test('app:// answers with a strict CSP, enforces it, serves only GET and refuses path traversal', async ({
  appWindow,
}) => {
  const result = await appWindow.evaluate(async () => {
    const get = await fetch('app://tessera/index.html');
    const statusOf = async (url: string, init?: RequestInit) => {
      try {
        return (await fetch(url, init)).status;
      } catch {
        return 0; // refused by the network stack: also not served
      }
    };
    let evalOutcome = 'allowed';
    try {
      (0, eval)('1 + 1');
    } catch (err) {
      evalOutcome = (err as Error).name;
    }
    return {
      status: get.status,
      csp: get.headers.get('content-security-policy'),
      nosniff: get.headers.get('x-content-type-options'),
      post: await statusOf('app://tessera/index.html', { method: 'POST', body: 'x' }),
      dotdot: await statusOf('app://tessera/%2e%2e/%2e%2e/package.json'),
      encodedSlash: await statusOf('app://tessera/..%2f..%2fpackage.json'),
      backslash: await statusOf('app://tessera/..%5c..%5cpackage.json'),
      missing: await statusOf('app://tessera/no-such-file.js'),
      evalOutcome,
    };
  });
  expect(result.status).toBe(200);
  expect(result.csp).toContain("default-src 'self'");
  expect(result.csp).toContain("frame-ancestors 'none'");
  expect(result.csp).toContain("object-src 'none'");
  expect(result.csp).not.toContain('unsafe-inline');
  expect(result.csp).not.toContain('unsafe-eval');
  expect(result.nosniff).toBe('nosniff');
  expect(result.post).toBe(405);
  for (const status of [result.dotdot, result.encodedSlash, result.backslash, result.missing]) {
    expect(status).not.toBe(200);
  }
  expect(result.evalOutcome).toBe('EvalError');
});

test('navigation to another origin is blocked and the window stays on the app', async ({
  appWindow,
  logs,
}) => {
  await appWindow.evaluate(() => {
    const w = globalThis as unknown as RendererGlobals;
    w.location.href = 'https://example.com/';
  });
  await appWindow.evaluate(() => {
    const w = globalThis as unknown as RendererGlobals;
    const a = w.document.createElement('a');
    a.href = 'http://127.0.0.1:9/';
    w.document.body.append(a);
    a.click();
  });
  await expect.poll(() => logs()).toContain('blocked navigation to https://example.com/');
  await expect.poll(() => logs()).toContain('blocked navigation to http://127.0.0.1:9/');
  expect(appWindow.url()).toBe('app://tessera/index.html');
  await expect(appWindow.getByTestId('status-datadir')).toBeVisible();
});

test('window.open is denied; shell.openExternal only ever gets allow-listed https URLs', async ({
  electronApp,
  appWindow,
  logs,
}) => {
  // Record what the guard hands to the OS instead of launching a browser on the test machine. The assertions are
  // about the shell's decisions; the recorder only observes them.
  await electronApp.evaluate(({ shell }) => {
    const calls: string[] = [];
    (globalThis as Record<string, unknown>).__openExternalCalls = calls;
    shell.openExternal = async (url: string) => {
      calls.push(url);
    };
  });
  const opened = await appWindow.evaluate(() => {
    const w = globalThis as unknown as RendererGlobals;
    return ['file:///etc/passwd', 'https://example.com/', 'javascript:alert(1)', 'https://github.com/'].map(
      (url) => w.open(url) === null,
    );
  });
  expect(opened).toEqual([true, true, true, true]);
  await appWindow.evaluate(() => {
    const w = globalThis as unknown as RendererGlobals;
    const a = w.document.createElement('a');
    a.href = 'file:///etc/passwd';
    w.document.body.append(a);
    a.click();
  });
  // The shell's guarded opener itself, in the real main process: only parsed, allow-listed https URLs pass.
  const direct = await electronApp.evaluate(async () => {
    const shell = (globalThis as Record<symbol, ShellDiagnostics>)[Symbol.for('tessera.shell')]!;
    return {
      file: await shell.openExternal('file:///etc/passwd'),
      http: await shell.openExternal('http://github.com/'),
      lookalike: await shell.openExternal('https://github.com.evil.example/'),
      credentials: await shell.openExternal('https://github.com@evil.example/'),
      allowed: await shell.openExternal('https://github.com/tessera'),
    };
  });
  expect(direct).toEqual({ file: false, http: false, lookalike: false, credentials: false, allowed: true });
  expect(logs()).toContain('refused to open external URL: file:///etc/passwd');
  await expect
    .poll(async () =>
      (
        (await electronApp.evaluate(
          () => (globalThis as Record<string, unknown>).__openExternalCalls,
        )) as string[]
      )
        .slice()
        .sort(),
    )
    .toEqual(['https://github.com/', 'https://github.com/tessera']);
  expect(await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  expect(appWindow.url()).toBe('app://tessera/index.html');
});

test('the page may not ask for notifications or other permissions', async ({ appWindow }) => {
  expect(
    await appWindow.evaluate(() =>
      (globalThis as unknown as RendererGlobals).Notification.requestPermission(),
    ),
  ).toBe('denied');
});

test('the renderer shows status from the core through the preload bridge', async ({
  electronApp,
  appWindow,
  dataDir,
}) => {
  await expect(appWindow.getByTestId('status-datadir')).toHaveText(dataDir);
  const status = await appWindow.evaluate(() =>
    (globalThis as unknown as RendererGlobals).tessera!.call('app.status', {}),
  );
  expect(status).toMatchObject({ ok: true, value: { dataDir, state: 'empty' } });
  const unknown = (await appWindow.evaluate(() =>
    (globalThis as unknown as RendererGlobals).tessera!.call('no.such.op', {}),
  )) as Envelope<unknown>;
  expect(unknown).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  const badInput = (await appWindow.evaluate(() =>
    (globalThis as unknown as RendererGlobals).tessera!.call('vault.create', { name: '', passphrase: 1 }),
  )) as Envelope<unknown>;
  expect(badInput).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  await expect
    .poll(() =>
      electronApp.evaluate(() =>
        (globalThis as Record<symbol, ShellDiagnostics>)[Symbol.for('tessera.shell')]!.trayMenuLabels(),
      ),
    )
    .toEqual(['No vault yet', '---', 'Hide Tessera', '---', 'Quit Tessera']);
});

test('closing the window hides it into the tray; the process keeps running; the notice is shown once', async ({
  electronApp,
  appWindow,
  dataDir,
}) => {
  await expect(appWindow.getByTestId('status-datadir')).toBeVisible();
  await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
  await expect
    .poll(() =>
      electronApp.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows().map((w) => ({ visible: w.isVisible(), destroyed: w.isDestroyed() })),
      ),
    )
    .toEqual([{ visible: false, destroyed: false }]);
  expect(electronApp.process().exitCode).toBeNull();
  expect(await electronApp.evaluate(diagnostics.trayRunning)).toBe(true);
  expect(
    await electronApp.evaluate(() =>
      (globalThis as Record<symbol, ShellDiagnostics>)[Symbol.for('tessera.shell')]!.trayMenuLabels(),
    ),
  ).toContain('Show Tessera');
  // The core still answers while the window is hidden (friends can still reach it).
  const status = await appWindow.evaluate(() =>
    (globalThis as unknown as RendererGlobals).tessera!.call('app.status', {}),
  );
  expect(status).toMatchObject({ ok: true });
  const state = JSON.parse(readFileSync(join(dataDir, 'electron', 'shell-state.json'), 'utf8')) as unknown;
  expect(state).toEqual({ closeNoticeShown: true });
});

test('a second launch with the same data dir shows the first window and exits', async ({
  electronApp,
  appWindow,
  dataDir,
}) => {
  await expect(appWindow.getByTestId('status-datadir')).toBeVisible();
  await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.hide());
  const second = spawn(electronExecutable()!, launchArgs(dataDir), { stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => second.on('exit', (c) => resolve(c)));
  expect(code).toBe(0);
  await expect
    .poll(() => electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible()))
    .toBe(true);
});

test('Quit really quits: the core is closed and its data-dir lock released', async ({
  electronApp,
  dataDir,
}) => {
  await electronApp.firstWindow();
  expect(existsSync(join(dataDir, 'tessera.lock'))).toBe(true);
  const exited = new Promise<number | null>((resolve) => electronApp.process().on('exit', (c) => resolve(c)));
  // The process may be gone before the reply arrives.
  await electronApp.evaluate(({ app }) => app.quit()).catch(() => undefined);
  expect(await exited).toBe(0);
  expect(existsSync(join(dataDir, 'tessera.lock'))).toBe(false);
});
