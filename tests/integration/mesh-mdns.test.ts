/**
 * mDNS (`_tessera._udp.local`) on loopback: two friends restart at the same time on new ports, so neither knows
 * where the other is; discovery alone brings them back together, and the stored addresses follow.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

const PASS = 'correct horse battery';
const ENV = { TESSERA_MESH_LOG: '1', TESSERA_MESH_RETRY_MS: '60000' };
const running = new Set<ServeProcess>();

async function serve(dataDir?: string): Promise<ServeProcess> {
  const p = await startServe({ env: ENV, ...(dataDir ? { dataDir } : {}) });
  running.add(p);
  return p;
}

async function stop(p: ServeProcess): Promise<void> {
  running.delete(p);
  await p.stop();
}

after(async () => {
  await Promise.all([...running].map((p) => p.stop()));
});

const addressesOf = (p: ServeProcess) =>
  waitFor('mesh addresses', async () => {
    const s = await p.client.call('app.status', {});
    return s.addresses.length > 0 ? s.addresses : null;
  });

test('friends who both moved find each other again through mDNS', async () => {
  const alice = await serve();
  const bob = await serve();
  await alice.client.call('vault.create', { name: 'Alice', passphrase: PASS });
  await bob.client.call('vault.create', { name: 'Bob', passphrase: PASS });
  await addressesOf(alice);
  await addressesOf(bob);
  const a = await alice.client.call('friends.invite', {});
  const b = await bob.client.call('friends.invite', {});
  await alice.client.call('friends.pair', { code: b.code });
  assert.equal((await bob.client.call('friends.pair', { code: a.code })).state, 'paired');

  await Promise.all([stop(alice), stop(bob)]);
  const [alice2, bob2] = await Promise.all([serve(alice.dataDir), serve(bob.dataDir)]);
  // The retry timer is a minute here: only discovery can reconnect them within the wait below.
  await Promise.all([
    alice2.client.call('vault.unlock', { passphrase: PASS }),
    bob2.client.call('vault.unlock', { passphrase: PASS }),
  ]);
  const bobNow = await addressesOf(bob2);
  const list = await waitFor(
    'Alice reaches Bob at his new address',
    async () => {
      const l = await alice2.client.call('friends.list', {});
      return l[0]?.reachable && l[0].addresses.includes(bobNow[0]!) ? l : null;
    },
    15_000,
  );
  assert.equal(list[0]!.name, 'Bob');
});
