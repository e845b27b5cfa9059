import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { isAppOrigin, isAppUrl } from '../../electron/main/app-origin.ts';
import { parseShellArgs } from '../../electron/main/args.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/csp.ts';
import { allowedExternalUrl, openExternalSafely } from '../../electron/main/external-links.ts';
import { allowPermissionCheck, allowPermissionRequest } from '../../electron/main/permissions.ts';
import { resolveRendererPath, serveRendererRequest } from '../../electron/main/renderer-files.ts';

/**
 * The shell's decisions that need no Electron: the app:// file server and its path guard (with real files and
 * real Request/Response objects), origin checks, the external-link allow-list, permissions and flags.
 */

test.describe('app:// file server', () => {
  let base: string;
  let root: string;

  test.beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'tessera-protocol-'));
    root = join(base, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tessera</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(base, 'secret.txt'), 'outside the root');
    symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
  });
  test.afterAll(() => rmSync(base, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') =>
    serveRendererRequest(root, new Request(url, method === 'GET' ? {} : { method, body: 'x' }));

  test('serves files of the root with their type and the security headers', async () => {
    const res = await get('app://tessera/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Tessera</title>');
    const js = await get('app://tessera/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('app://tessera/')).status).toBe(200);
  });

  test('accepts GET only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await get('app://tessera/index.html', method);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
    }
  });

  test('refuses traversal, encoded dots and slashes, backslashes and NUL', async () => {
    for (const url of [
      'app://tessera/%2e%2e/secret.txt',
      'app://tessera/%2E%2E/%2e%2e/etc/passwd',
      'app://tessera/..%2fsecret.txt',
      'app://tessera/assets/..%2f..%2fsecret.txt',
      'app://tessera/..%5csecret.txt',
      'app://tessera/%2e%2e%5c..%5csecret.txt',
      'app://tessera/index.html%00.js',
      'app://tessera/%E0%A4%A',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(await res.text(), url).not.toContain('outside the root');
    }
    // Literal dot segments are removed by the URL parser before the guard sees them; what remains is inside.
    const collapsed = await get('app://tessera/assets/../../secret.txt');
    expect(collapsed.status).toBe(404);
  });

  test('does not follow a symlink out of the root', async () => {
    const res = await get('app://tessera/assets/link.txt');
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('outside the root');
  });

  test('refuses other hosts and schemes, and answers 404 for missing files and directories', async () => {
    expect((await get('app://evil/index.html')).status).toBe(403);
    expect((await get('app://tessera:8080/index.html')).status).toBe(403);
    expect((await get('app://tessera/missing.js')).status).toBe(404);
    expect((await get('app://tessera/assets')).status).toBe(404);
    expect(resolveRendererPath(root, 'file:///etc/passwd')).toMatchObject({ ok: false, status: 403 });
  });

  test('the CSP allows nothing inline, no eval, no framing and no plugins', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|\*/);
  });
});

test('app origin checks parse the URL exactly', () => {
  expect(isAppUrl('app://tessera/index.html')).toBe(true);
  for (const url of [
    'app://tessera.evil/index.html',
    'app://evil/tessera',
    'app://user@tessera/',
    'app://tessera:1/',
    'https://tessera/',
    'file:///app://tessera/',
    'not a url',
    null,
  ]) {
    expect(isAppUrl(url), String(url)).toBe(false);
  }
  expect(isAppOrigin('app://tessera')).toBe(true);
  expect(isAppOrigin('app://tessera/')).toBe(true);
  expect(isAppOrigin('app://tessera/index.html?x')).toBe(false);
});

test('external links: parsed, https only, allow-listed host, no credentials or port', async () => {
  expect(allowedExternalUrl('https://github.com/some/page')?.href).toBe('https://github.com/some/page');
  for (const url of [
    'file:///etc/passwd',
    'http://github.com/',
    'https://github.com.evil.example/',
    'https://evil.example/github.com',
    'https://github.com@evil.example/',
    'https://user:pw@github.com/',
    'https://github.com:8443/',
    'javascript:alert(1)',
    'app://tessera/index.html',
    `https://github.com/${'a'.repeat(3000)}`,
    42,
  ]) {
    expect(allowedExternalUrl(url), String(url).slice(0, 60)).toBeNull();
  }
  const opened: string[] = [];
  const opener = async (url: string) => {
    opened.push(url);
  };
  expect(await openExternalSafely('file:///etc/passwd', opener)).toBe(false);
  expect(await openExternalSafely('https://github.com/x', opener)).toBe(true);
  expect(opened).toEqual(['https://github.com/x']);
});

test('permissions: only the camera, only video, only for the app', () => {
  const app = 'app://tessera/index.html';
  expect(allowPermissionRequest({ permission: 'media', requestingUrl: app, mediaTypes: ['video'] })).toBe(
    true,
  );
  expect(allowPermissionRequest({ permission: 'media', requestingUrl: app, mediaTypes: ['audio'] })).toBe(
    false,
  );
  expect(
    allowPermissionRequest({ permission: 'media', requestingUrl: app, mediaTypes: ['video', 'audio'] }),
  ).toBe(false);
  expect(allowPermissionRequest({ permission: 'media', requestingUrl: app, mediaTypes: [] })).toBe(false);
  expect(
    allowPermissionRequest({
      permission: 'media',
      requestingUrl: 'https://evil.example/',
      mediaTypes: ['video'],
    }),
  ).toBe(false);
  for (const permission of ['notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen']) {
    expect(allowPermissionRequest({ permission, requestingUrl: app }), permission).toBe(false);
  }
  expect(allowPermissionCheck('media', 'app://tessera', 'video')).toBe(true);
  expect(allowPermissionCheck('media', 'app://tessera', 'audio')).toBe(false);
  expect(allowPermissionCheck('media', 'https://evil.example', 'video')).toBe(false);
  expect(allowPermissionCheck('notifications', 'app://tessera')).toBe(false);
});

test('flags: --data and --hidden are found among Chromium switches', () => {
  expect(parseShellArgs(['/usr/bin/electron', '.', '--no-sandbox', '--data', '/tmp/x', '--hidden'])).toEqual({
    dataDir: '/tmp/x',
    hidden: true,
  });
  expect(parseShellArgs(['tessera', '--data=/tmp/y', '--inspect=0'])).toEqual({
    dataDir: '/tmp/y',
    hidden: false,
  });
  expect(parseShellArgs(['tessera', '--data', '--hidden'])).toEqual({ dataDir: null, hidden: true });
  expect(parseShellArgs(['tessera'])).toEqual({ dataDir: null, hidden: false });
});

test.describe('start at login (Linux autostart entry)', () => {
  test('writes an XDG autostart file that starts Tessera hidden, and removes it', async () => {
    const { applyStartAtLogin, autostartEntry, autostartFile } =
      await import('../../electron/main/login-item.ts');
    const { mkdtempSync, existsSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    test.skip(process.platform !== 'linux', 'the autostart file is the Linux mechanism');
    const previous = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'tessera-xdg-'));
    try {
      const neverOnLinux = {
        setLoginItemSettings: () => {
          throw new Error('Electron login items are not used on Linux');
        },
      };
      applyStartAtLogin(neverOnLinux, true, ['/opt/Tessera/tessera', '--data', '/home/a b/.config/Tessera']);
      const file = autostartFile();
      expect(file).toBe(join(process.env.XDG_CONFIG_HOME, 'autostart', 'tessera.desktop'));
      const entry = readFileSync(file, 'utf8');
      expect(entry).toContain('Exec=/opt/Tessera/tessera --data "/home/a b/.config/Tessera" --hidden');
      expect(entry).toBe(
        autostartEntry(['/opt/Tessera/tessera', '--data', '/home/a b/.config/Tessera', '--hidden']),
      );
      applyStartAtLogin(neverOnLinux, false, ['/opt/Tessera/tessera']);
      expect(existsSync(file)).toBe(false);
    } finally {
      if (previous === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = previous;
    }
  });
});
