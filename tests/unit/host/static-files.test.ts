import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraCore } from '../../../electron/core/core.ts';
import { startHost } from '../../../electron/host/http-host.ts';
import type { RunningHost } from '../../../electron/host/http-host.ts';

process.env.TESSERA_MDNS = '0';

const SECRET = 'outside the renderer directory';

/**
 * GET with the path exactly as written: fetch and URL would normalise "%2e%2e" and friends before they left, so the
 * attack would never reach the server.
 */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'GET',
      headers: { host: `127.0.0.1:${port}` },
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

async function withUi(fn: (host: RunningHost) => Promise<void>): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'tessera-static-'));
  const ui = join(base, 'renderer');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Tessera</title>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(base, 'secret.txt'), SECRET);
  mkdirSync(join(base, 'private'));
  writeFileSync(join(base, 'private', 'keys.txt'), SECRET);
  // A file and a directory inside the UI that lead out of it.
  symlinkSync(join(base, 'secret.txt'), join(ui, 'assets', 'link.txt'));
  symlinkSync(join(base, 'private'), join(ui, 'private'));
  const core = await TesseraCore.open({ dataDir: join(base, 'data'), listen: ['/ip4/127.0.0.1/tcp/0'] });
  const host = await startHost({ core, rendererDir: ui, port: 0 });
  try {
    await fn(host);
  } finally {
    await host.close();
    await core.close();
    rmSync(base, { recursive: true, force: true });
  }
}

test('the headless host serves the UI’s own files', async () => {
  await withUi(async (host) => {
    const index = await rawGet(host.port, '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /<title>Tessera<\/title>/);
    assert.equal((await rawGet(host.port, '/assets/app.js?v=1')).status, 200);
    assert.equal((await rawGet(host.port, '/missing.js')).status, 404);
    // Literal dot segments are resolved by the URL parser first; what remains is inside the directory.
    assert.equal((await rawGet(host.port, '/assets/../../secret.txt')).status, 404);
  });
});

test('the headless host never follows a symlink out of the UI directory', async () => {
  await withUi(async (host) => {
    for (const path of ['/assets/link.txt', '/private/keys.txt']) {
      const answer = await rawGet(host.port, path);
      assert.equal(answer.status, 403, path);
      assert.ok(!answer.body.includes(SECRET), path);
    }
  });
});

test('the headless host refuses encoded dots, slashes and backslashes instead of interpreting them', async () => {
  await withUi(async (host) => {
    for (const path of [
      '/%2e%2e%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/%2E%2E/secret.txt',
      '/assets%2fapp.js',
      '/..%5csecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/index.html%00.js',
      '/%E0%A4%A',
    ]) {
      const answer = await rawGet(host.port, path);
      assert.equal(answer.status, 400, path);
      assert.ok(!answer.body.includes(SECRET), path);
    }
  });
});
