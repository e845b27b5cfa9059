import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraCore } from '../../../electron/core/core.ts';
import type { Settings } from '../../../shared/api/ops/settings.ts';
import type { Status } from '../../../shared/api/ops/app.ts';
import { waitFor } from '../../helpers/wait-for.ts';

process.env.TESSERA_INSECURE_FAST_KDF = '1';
process.env.TESSERA_MDNS = '0';

async function call<T>(core: TesseraCore, op: string, input: unknown = {}): Promise<T> {
  const envelope = await core.dispatch(op, input);
  if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code });
  return envelope.value as T;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('settings: defaults, readable while locked, validated, saved listen address used at the next start', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-settings-'));
  const port = await freePort();
  const first = await TesseraCore.open({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] });
  await call(first, 'vault.create', { name: 'Sam', passphrase: 'a long passphrase' });
  const defaults = await call<Settings>(first, 'settings.get');
  assert.equal(defaults.autoLockMinutes, 15);
  assert.equal(defaults.startAtLogin, false);
  assert.equal(defaults.closeToTray, true);
  assert.deepEqual(defaults.listen, []);
  assert.equal(defaults.relayForFriends, false);
  assert.equal(defaults.relaying, false);

  await assert.rejects(
    call(first, 'settings.update', { listen: ['not an address'] }),
    /not a TCP listen address/,
  );
  await assert.rejects(
    call(first, 'settings.update', { autoLockMinutes: 0 }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BAD_REQUEST');
      return true;
    },
  );
  const updated = await call<Settings>(first, 'settings.update', {
    autoLockMinutes: 5,
    startAtLogin: true,
    closeToTray: false,
    listen: [`/ip4/127.0.0.1/tcp/${port}`],
    relayForFriends: true,
  });
  assert.equal(updated.autoLockMinutes, 5);
  assert.equal(updated.relayForFriends, true);
  assert.equal(updated.relaying, false, 'the relay role changes at the next start');
  assert.equal(updated.closeToTray, false);
  await call(first, 'vault.lock');
  const whileLocked = await call<Settings>(first, 'settings.get');
  assert.equal(whileLocked.startAtLogin, true);
  await assert.rejects(
    call(first, 'settings.update', { startAtLogin: false }),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'LOCKED');
      return true;
    },
  );
  await first.close();

  // No --listen this time: the saved address is used.
  const second = await TesseraCore.open({ dataDir });
  await call(second, 'vault.unlock', { passphrase: 'a long passphrase' });
  const status = await waitFor('the mesh to listen on the saved address', async () => {
    const s = await call<Status>(second, 'app.status');
    return s.addresses.length > 0 ? s : null;
  });
  assert.ok(
    status.addresses.some((a) => a.startsWith(`/ip4/127.0.0.1/tcp/${port}`)),
    status.addresses.join(' '),
  );
  const settings = await call<Settings>(second, 'settings.get');
  assert.ok(settings.listeningOn.some((a) => a.includes(`/tcp/${port}`)));
  assert.equal(settings.autoLockMinutes, 5);
  assert.equal(settings.relaying, true, 'the saved relay choice is applied at start');
  await second.close();

  // `tessera serve --relay` and TESSERA_RELAY override the saved choice for one run; the saved choice stays.
  const relayingWhen = async (options: { relay?: boolean }) => {
    const core = await TesseraCore.open({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], ...options });
    try {
      await call(core, 'vault.unlock', { passphrase: 'a long passphrase' });
      await waitFor(
        'the mesh to listen',
        async () => (await call<Status>(core, 'app.status')).addresses.length > 0,
      );
      return await call<Settings>(core, 'settings.get');
    } finally {
      await core.close();
    }
  };
  const flagOff = await relayingWhen({ relay: false });
  assert.equal(flagOff.relaying, false);
  assert.equal(flagOff.relayForFriends, true);
  process.env.TESSERA_RELAY = '0';
  try {
    assert.equal((await relayingWhen({})).relaying, false);
  } finally {
    delete process.env.TESSERA_RELAY;
  }
  assert.equal((await relayingWhen({})).relaying, true);
});
