import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraCore } from '../../../electron/core/core.ts';
import { startHost } from '../../../electron/host/http-host.ts';
import type { RunningHost } from '../../../electron/host/http-host.ts';
import { createHttpBridge as cliBridge } from '../../../electron/cli/http-bridge.ts';
import { createClient } from '../../../shared/api/client.ts';
import type { TesseraBridge } from '../../../shared/api/client.ts';
import { createHttpBridge } from '../../../shared/api/http-bridge.ts';
import type { HttpBridgeOptions } from '../../../shared/api/http-bridge.ts';
import { TesseraError } from '../../../shared/errors.ts';

process.env.TESSERA_INSECURE_FAST_KDF = '1';
process.env.TESSERA_MDNS = '0';

/** The shared bridge on Node's own fetch, as the browser UI runs it on the page's. */
function fetchBridge(host: RunningHost, overrides: Partial<HttpBridgeOptions> = {}): TesseraBridge {
  return createHttpBridge({
    fetch: (url, init) => fetch(url, init),
    origin: `http://127.0.0.1:${host.port}`,
    token: host.token,
    unreachable: () => ({ code: 'NO_DAEMON', message: 'nothing answers' }),
    ...overrides,
  });
}

async function withHost(fn: (host: RunningHost, core: TesseraCore) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bridge-'));
  const core = await TesseraCore.open({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] });
  const host = await startHost({ core, rendererDir: mkdtempSync(join(tmpdir(), 'tessera-ui-')), port: 0 });
  try {
    await fn(host, core);
  } finally {
    await host.close();
    await core.close();
  }
}

/** Follows status changes; `next()` resolves at the next one, `count` says how many arrived. */
function statusChanges(bridge: TesseraBridge) {
  let count = 0;
  let wake = () => {};
  const stop = bridge.onEvent((event) => {
    if (event.type !== 'changed' || !event.topics.includes('status')) return;
    count++;
    wake();
  });
  return {
    get count() {
      return count;
    },
    next: () => new Promise<void>((resolve) => (wake = resolve)),
    stop,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TesseraError);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

for (const [name, make] of [
  ['the browser’s fetch', (host: RunningHost) => ({ bridge: fetchBridge(host), close: () => {} })],
  [
    'the CLI’s verified connections',
    (host: RunningHost) => {
      const bridge = cliBridge({ pid: process.pid, ...host });
      return { bridge, close: () => bridge.close() };
    },
  ],
] as const) {
  test(`the one HTTP bridge over ${name}: calls, errors and events of a real host`, async () => {
    await withHost(async (host) => {
      const { bridge, close } = make(host);
      const client = createClient(bridge);
      assert.equal((await client.call('app.status', {})).state, 'empty');
      await rejectsWith(client.call('items.list', {}), 'NO_VAULT', /No vault exists/);
      assert.deepEqual(await bridge.call('no.such', {}), {
        ok: false,
        error: { code: 'BAD_REQUEST', message: 'Unknown operation "no.such".' },
      });
      // An event streams in when the state changes; after unsubscribing none is delivered.
      const first = statusChanges(bridge);
      const created = first.next();
      await client.call('vault.create', { name: 'Sam', passphrase: 'a long passphrase' });
      await created;
      assert.equal((await client.call('app.status', {})).state, 'unlocked');
      first.stop();
      const before = first.count;
      const second = statusChanges(bridge);
      // The second stream may open after the lock's event: lock, and unlock again, until it sees one.
      const seen = second.next();
      for (let i = 0; i < 50 && second.count === 0; i++) {
        await client.call('vault.lock', {});
        await client.call('vault.unlock', { passphrase: 'a long passphrase' });
        await Promise.race([seen, new Promise((resolve) => setTimeout(resolve, 100))]);
      }
      await seen;
      second.stop();
      assert.equal(first.count, before, 'no event after unsubscribing');
      close();
    });
  });
}

test('a wrong token gets the host’s words, or the page’s when it gives its own', async () => {
  await withHost(async (host) => {
    const wrong = 'f'.repeat(64);
    await rejectsWith(
      createClient(fetchBridge(host, { token: wrong })).call('app.status', {}),
      'UNAUTHORIZED',
      /Missing or wrong API token/,
    );
    const page = { code: 'UNAUTHORIZED', message: 'Open the address that was printed.' } as const;
    assert.deepEqual(await fetchBridge(host, { token: wrong, unauthorized: page }).call('app.status', {}), {
      ok: false,
      error: page,
    });
  });
});

test('a host that is gone answers with the adapter’s own words, not a thrown network error', async () => {
  let port = 0;
  await withHost(async (host) => {
    port = host.port;
  });
  const gone = { port, token: '0'.repeat(64) };
  const seen: unknown[] = [];
  const browser = createHttpBridge({
    fetch: (url, init) => fetch(url, init),
    origin: `http://127.0.0.1:${port}`,
    token: gone.token,
    unreachable: (cause) => {
      seen.push(cause);
      return { code: 'NO_DAEMON', message: 'Tessera is not running.' };
    },
  });
  assert.deepEqual(await browser.call('app.status', {}), {
    ok: false,
    error: { code: 'NO_DAEMON', message: 'Tessera is not running.' },
  });
  assert.equal(seen.length, 1);
  const cli = cliBridge({ pid: 4242, ...gone });
  const answer = await cli.call('app.status', {});
  assert.equal(answer.ok, false);
  if (!answer.ok) assert.equal(answer.error.code, 'NO_DAEMON');
  cli.close();
});
