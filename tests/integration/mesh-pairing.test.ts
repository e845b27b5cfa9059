/**
 * Pairing between real `tessera serve` processes on loopback, each with its own data dir and identity: mutual
 * invites, same comparison code on both sides, friends persisting across restart, strangers refused by the gate
 * before any handler runs, and an impostor at a friend's address refused by the pinned peer ID.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { TesseraError } from '../../shared/errors.ts';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const PROBE = join(import.meta.dirname, 'mesh-probe.ts');

const PASS = 'correct horse battery';
const running: ServeProcess[] = [];
const ENV = { TESSERA_MDNS: '0', TESSERA_MESH_LOG: '1', TESSERA_MESH_RETRY_MS: '300' };

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

async function addresses(p: ServeProcess): Promise<string[]> {
  return waitFor('mesh addresses', async () => {
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
  // Alice can see whom she is waiting for (no code exists before pairing completes); Bob waits for no one.
  assert.equal(first.comparisonCode, '');
  const waiting = await alice.client.call('friends.pending', {});
  assert.deepEqual(
    waiting.map((p) => [p.name, p.peerId, p.comparisonCode]),
    [['Bob', bobId, first.comparisonCode]],
  );
  assert.ok(waiting[0]!.giveUpAt > waiting[0]!.since);
  assert.deepEqual(await bob.client.call('friends.pending', {}), []);

  // Bob accepts Alice's code: he holds both invites, dials her pinned ID, and both sides store the friendship.
  const second = await bob.client.call('friends.pair', { code: aliceInvite.code });
  assert.equal(second.state, 'paired');
  assert.match(second.comparisonCode, /^\d{6}$/, 'the devices compared codes as the pairing completed');

  const aliceFriends = await waitFor('Alice sees Bob, with the same code as his screen', async () => {
    const l = await alice.client.call('friends.list', {});
    return l.length === 1 && l[0]!.comparisonCode === second.comparisonCode ? l : null;
  });
  const bobFriends = await bob.client.call('friends.list', {});
  assert.equal(bobFriends.length, 1);
  assert.equal(aliceFriends[0]!.peerId, bobId);
  assert.equal(aliceFriends[0]!.name, 'Bob');
  assert.equal(bobFriends[0]!.peerId, aliceId);
  assert.equal(bobFriends[0]!.name, 'Alice');
  assert.equal(aliceFriends[0]!.comparisonCode, bobFriends[0]!.comparisonCode);
  assert.equal(aliceFriends[0]!.comparisonCode, second.comparisonCode);
  assert.equal(aliceFriends[0]!.fingerprint, bobStatus.identity!.fingerprint);
  assert.equal(bobFriends[0]!.reachable, true);
  assert.equal((await alice.client.call('app.status', {})).friends, 1);
  assert.deepEqual(await alice.client.call('friends.pending', {}), [], 'no longer waiting once paired');

  // Restart Alice on the same data dir: the friend is still there, and the two reconnect once she unlocks.
  const aliceDir = alice.dataDir;
  await stop(alice);
  const alice2 = await serve(aliceDir);
  await alice2.client.call('vault.unlock', { passphrase: PASS });
  const after = await alice2.client.call('friends.list', {});
  assert.equal(after.length, 1);
  assert.equal(after[0]!.peerId, bobId);
  assert.equal(after[0]!.comparisonCode, second.comparisonCode);
  await waitFor('Alice reconnects to Bob', async () => {
    const l = await alice2.client.call('friends.list', {});
    return l[0]?.reachable === true;
  });

  // Locking the vault keeps the node serving friends: Bob restarts and reconnects to a locked Alice.
  await alice2.client.call('vault.lock', {});
  const locked = await alice2.client.call('app.status', {});
  assert.equal(locked.state, 'locked');
  assert.ok(locked.addresses.length > 0, 'the node keeps running while locked');
  const bobDir = bob.dataDir;
  await stop(bob);
  const bob2 = await serve(bobDir);
  await bob2.client.call('vault.unlock', { passphrase: PASS });
  await waitFor('Bob reconnects to the locked Alice', async () => {
    const l = await bob2.client.call('friends.list', {});
    return l[0]?.peerId === aliceId && l[0].reachable;
  });
  await alice2.client.call('vault.unlock', { passphrase: PASS });
  // Bob came back on a new port; identify told Alice, who stored his new address.
  const bobNow = await addresses(bob2);
  await waitFor("Alice learns Bob's new address", async () => {
    const l = await alice2.client.call('friends.list', {});
    return l[0]?.addresses.includes(bobNow[0]!);
  });

  paired = { alice: alice2, bob: bob2, aliceId, bobId };
});

let paired: { alice: ServeProcess; bob: ServeProcess; aliceId: string; bobId: string } | null = null;

interface ProbeEvent {
  event: string;
  peerId?: string;
  remotePeer?: string;
  error?: string;
}

function probe(args: string[]): { events: ProbeEvent[]; child: ChildProcess; exited: Promise<void> } {
  const child = spawn(process.execPath, [PROBE, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events: ProbeEvent[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => events.push(JSON.parse(line) as ProbeEvent));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { events, child, exited };
}

test('a stranger with its own key is refused before any handler runs', async () => {
  assert.ok(paired, 'needs the pair from the first test');
  const { alice, aliceId } = paired;
  const [addr] = await addresses(alice);
  const p = probe(['dial', `${addr}/p2p/${aliceId}`, '/tessera/pair/1.0.0']);
  await p.exited;
  assert.equal(p.events.length, 1);
  assert.equal(p.events[0]!.event, 'refused', 'the stranger must not get a stream');
  const stranger = p.events[0]!.peerId!;
  assert.match(alice.log(), new RegExp(`refused inbound connection from ${stranger}`));
  assert.doesNotMatch(alice.log(), new RegExp(`pairing with ${stranger}`));
});

test('a friend whose frame is over the protocol cap is cut off before the frame is read', async () => {
  assert.ok(paired, 'needs the pair from the first test');
  const { alice } = paired;
  const { code } = await alice.client.call('friends.invite', {});
  const p = probe(['oversize', code]);
  const invite = await waitFor('the probe prints its invite', async () =>
    p.events.find((e) => e.event === 'invite'),
  );
  const accepted = await alice.client.call('friends.pair', {
    code: (invite as ProbeEvent & { code: string }).code,
  });
  assert.equal(accepted.state, 'paired');
  await p.exited;
  const result = p.events.find((e) => e.event === 'oversize') as
    (ProbeEvent & { status: string; received: number }) | undefined;
  assert.ok(result, JSON.stringify(p.events));
  assert.notEqual(result.status, 'open');
  assert.equal(result.received, 0, 'no answer to an oversized frame');
  assert.match(alice.log(), new RegExp(`pairing with ${invite.peerId} failed: .*exceeds 1024 bytes`));
  await alice.client.call('friends.remove', { peerId: invite.peerId! });
});

test('a peer still pairing may only pair: its backup stream is refused before the handler runs', async () => {
  assert.ok(paired, 'needs the pair from the first test');
  const { alice } = paired;
  const { code } = await alice.client.call('friends.invite', {});
  const p = probe(['pending', code]);
  const invite = await waitFor('the probe prints its invite', async () =>
    p.events.find((e) => e.event === 'invite'),
  );
  // Alice accepts the probe's code (so her gate admits it as "pairing"); the probe never accepts hers.
  const accepted = await alice.client.call('friends.pair', {
    code: (invite as ProbeEvent & { code: string }).code,
  });
  assert.equal(accepted.state, 'waiting');
  p.child.stdin!.end('go\n');
  await p.exited;
  const tried = p.events.filter((e) => e.event === 'tried') as (ProbeEvent & {
    protocol: string;
    received: number;
  })[];
  assert.equal(tried.length, 2, JSON.stringify(p.events));
  assert.equal(tried[0]!.protocol, '/tessera/backup/1.0.0');
  assert.equal(tried[0]!.received, 0);
  assert.match(
    alice.log(),
    new RegExp(`backup with ${invite.peerId} failed: Error: not admitted \\(pairing\\)`),
  );
  // The pairing protocol itself is open to it: Alice answers its hello (with a refusal: unknown invite).
  assert.equal(tried[1]!.protocol, '/tessera/pair/1.0.0');
  assert.ok(tried[1]!.received > 0, 'the pairing handler answered');
  // Alice stops waiting for it: the pending pairing is gone, and so is the gate's "pairing" admission.
  const pending = await alice.client.call('friends.pending', {});
  assert.deepEqual(
    pending.map((p) => p.peerId),
    [invite.peerId],
  );
  await alice.client.call('friends.remove', { peerId: invite.peerId! });
  assert.deepEqual(await alice.client.call('friends.pending', {}), []);
  await assert.rejects(
    alice.client.call('friends.remove', { peerId: invite.peerId! }),
    (e: TesseraError) => e.code === 'NOT_FOUND',
  );
});

test("an impostor at a friend's address is refused by the pinned peer ID", async () => {
  assert.ok(paired, 'needs the pair from the first test');
  const { alice, bob, bobId } = paired;
  const [bobAddr] = await addresses(bob);
  await stop(bob);
  await waitFor('Alice notices Bob is gone', async () => {
    const l = await alice.client.call('friends.list', {});
    return l[0]?.reachable === false;
  });
  // Another key now answers at Bob's address; Alice keeps re-dialing Bob's pinned ID there.
  const impostor = probe(['listen', bobAddr!]);
  try {
    await waitFor('the impostor listens', async () => impostor.events.some((e) => e.event === 'listening'));
    await waitFor(
      'Alice dials the address',
      async () => impostor.events.filter((e) => e.event === 'socket').length >= 2,
    );
    assert.deepEqual(
      impostor.events.filter((e) => e.event === 'connection' || e.event === 'handler'),
      [],
      "Noise must fail: the key at that address is not Bob's",
    );
    const list = await alice.client.call('friends.list', {});
    assert.equal(list[0]!.peerId, bobId);
    assert.equal(list[0]!.reachable, false);
  } finally {
    impostor.child.kill('SIGTERM');
    await impostor.exited;
  }

  // Removing works on one side and closes the connection.
  await alice.client.call('friends.remove', { peerId: bobId });
  assert.deepEqual(await alice.client.call('friends.list', {}), []);
  await assert.rejects(
    alice.client.call('friends.remove', { peerId: bobId }),
    (e: TesseraError) => e.code === 'NOT_FOUND',
  );
});
