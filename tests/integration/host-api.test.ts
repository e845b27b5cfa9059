import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { HOLDER_FILE, dataDirInUse } from '../../electron/core/data-dir-lock.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so the test controls every header (fetch would not let it forge Host). */
function raw(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let serve: ServeProcess;
const call = (headers: Record<string, string>, body = JSON.stringify({ op: 'app.status', input: {} })) =>
  raw(serve.port, {
    method: 'POST',
    path: '/api/call',
    headers: { 'content-type': 'application/json', host: `127.0.0.1:${serve.port}`, ...headers },
    body,
  });

before(async () => {
  serve = await startServe();
});
after(async () => {
  await serve.stop();
});

test('the API answers a caller with the token', async () => {
  const res = await call({ authorization: `Bearer ${serve.token}` });
  assert.equal(res.status, 200);
  const envelope = JSON.parse(res.body);
  assert.equal(envelope.ok, true);
  assert.equal(envelope.value.state, 'empty');
  assert.equal(envelope.value.dataDir, serve.dataDir);
});

test('the API refuses a missing or wrong token', async () => {
  const missing = await call({});
  assert.equal(missing.status, 401);
  assert.equal(JSON.parse(missing.body).error.code, 'UNAUTHORIZED');
  const wrong = await call({ authorization: `Bearer ${'0'.repeat(64)}` });
  assert.equal(wrong.status, 401);
  const empty = await call({ authorization: 'Bearer ' });
  assert.equal(empty.status, 401);
});

test('the API refuses a foreign Host header (DNS rebinding) even with the token', async () => {
  const res = await call({ authorization: `Bearer ${serve.token}`, host: `evil.example:${serve.port}` });
  assert.equal(res.status, 403);
  const page = await raw(serve.port, { headers: { host: 'evil.example' } });
  assert.equal(page.status, 403);
});

test('the API refuses a cross-origin caller even with the token, and sends no CORS headers', async () => {
  const res = await call({ authorization: `Bearer ${serve.token}`, origin: 'http://evil.example' });
  assert.equal(res.status, 403);
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  const own = await call({
    authorization: `Bearer ${serve.token}`,
    origin: `http://127.0.0.1:${serve.port}`,
  });
  assert.equal(own.status, 200);
});

test('an oversized body is refused before it is read', async () => {
  const res = await raw(serve.port, {
    method: 'POST',
    path: '/api/call',
    headers: {
      'content-type': 'application/json',
      host: `127.0.0.1:${serve.port}`,
      authorization: `Bearer ${serve.token}`,
      'content-length': String(64 * 1024 * 1024),
    },
  });
  assert.equal(res.status, 413);
  assert.equal(JSON.parse(res.body).error.code, 'TOO_LARGE');
});

test('malformed JSON and unknown operations get named errors', async () => {
  const bad = await call({ authorization: `Bearer ${serve.token}` }, '{not json');
  assert.equal(bad.status, 400);
  const unknown = await call(
    { authorization: `Bearer ${serve.token}` },
    JSON.stringify({ op: 'vault.explode' }),
  );
  assert.deepEqual(JSON.parse(unknown.body), {
    ok: false,
    error: { code: 'BAD_REQUEST', message: 'Unknown operation "vault.explode".' },
  });
  const invalid = await call(
    { authorization: `Bearer ${serve.token}` },
    JSON.stringify({ op: 'vault.create', input: { name: '', passphrase: 'x' } }),
  );
  const envelope = JSON.parse(invalid.body);
  assert.equal(envelope.error.code, 'BAD_REQUEST');
  assert.match(envelope.error.message, /name cannot be empty/i);
});

test('static files are served with a strict CSP and never from outside the UI folder', async () => {
  const host = `127.0.0.1:${serve.port}`;
  const index = await raw(serve.port, { headers: { host } });
  if (existsSync(join(import.meta.dirname, '..', '..', 'out', 'renderer', 'index.html'))) {
    assert.equal(index.status, 200);
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(index.headers['content-security-policy']), /frame-ancestors 'none'/);
  }
  // Literal dot segments are collapsed by the URL parser (what is left is not in the folder); encoded dots and
  // slashes are refused outright rather than interpreted (electron/host/renderer-files.ts).
  for (const [path, status] of [
    ['/../../../../etc/passwd', 404],
    ['/%2e%2e/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/..%2f..%2f..%2fetc%2fpasswd', 400],
  ] as const) {
    const res = await raw(serve.port, { path, headers: { host } });
    assert.equal(res.status, status, path);
    assert.doesNotMatch(res.body, /root:/);
  }
});

test('the endpoint file is private to its owner and removed on a clean stop', async () => {
  const file = join(serve.dataDir, 'api.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(serve.dataDir).mode & 0o777, 0o700);
  const code = await serve.stop();
  assert.equal(code, 0);
  assert.equal(existsSync(file), false);
  // The lock file stays (it must never be unlinked: data-dir-lock.ts); what matters is that the lock is free.
  assert.equal(dataDirInUse(serve.dataDir), false);
  assert.equal(existsSync(join(serve.dataDir, HOLDER_FILE)), false);
});
