/**
 * Invites and pairing (electron/core/mesh/pairing-service.ts, PROTOCOL §8) between devices joined by an in-memory
 * link instead of libp2p: each device has its own friends store (real SQLite, every migration), real keys and real
 * invite codes; a device's link hands a dial to the listener registered for the peer ID, as the node would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { decodeInvite } from '../../../shared/protocol/invite.ts';
import { encodePairMessage } from '../../../shared/protocol/pairing.ts';
import { FriendsStore } from '../../../electron/core/mesh/friends-store.ts';
import {
  OwnInviteCodeError,
  PairingService,
  PENDING_PAIRING_DAYS,
} from '../../../electron/core/mesh/pairing-service.ts';
import { NetworkNotRunningError, ProtocolError, UnreachableError } from '../../../electron/core/mesh/rpc.ts';
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index.ts';
import { counterRandom } from '../shared/helpers.ts';
import { conversationPair } from './fake-link.ts';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const ADDRESSES = ['/ip4/192.168.1.20/tcp/4001'];

/** Who answers a pairing dial to each peer ID (absent: offline). */
type Network = Map<string, (conv: Conversation) => Promise<void>>;

interface Device {
  name: string;
  keys: IdentityKeys;
  peerId: string;
  store: FriendsStore;
  clock: { now: number };
  pairing: PairingService;
  /** Peers whose pairing completed here, in order. */
  paired: string[];
  pendingChanges: number;
  remembered: Map<string, string[]>;
  logs: string[];
  running: boolean;
}

function device(net: Network, seed: number, name: string): Device {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) migration.up(db);
  const keys = generateIdentity(counterRandom(seed));
  const clock = { now: T0 };
  const store = new FriendsStore(db, () => clock.now);
  const d = {
    name,
    keys,
    peerId: peerIdOf(keys.signPublic),
    store,
    clock,
    paired: [] as string[],
    pendingChanges: 0,
    remembered: new Map<string, string[]>(),
    logs: [] as string[],
    running: true,
  };
  const pairing = new PairingService({
    friends: store,
    link: {
      open: async (peerId) => {
        const answer = net.get(peerId);
        if (!answer) throw new UnreachableError('Their device could not be reached.');
        const [mine, theirs] = conversationPair(d.peerId, peerId);
        // As the node serves a protocol: an error of the handler aborts its end of the stream.
        void answer(theirs).catch((err: unknown) => theirs.abort(String(err)));
        return mine;
      },
      remember: async (peerId, addresses) => void d.remembered.set(peerId, addresses),
    },
    self: () => (d.running ? { keys, name, addresses: ADDRESSES } : null),
    pendingChanged: () => void d.pendingChanges++,
    paired: (peerId) => void d.paired.push(peerId),
    now: () => clock.now,
    log: (m) => void d.logs.push(m),
  });
  net.set(d.peerId, (conv) => pairing.serve(conv));
  return Object.assign(d, { pairing });
}

function log(d: Device): string {
  return d.logs.join('\n');
}

test('two people accept each other’s codes: the second acceptance pairs both devices', async () => {
  const net: Network = new Map();
  const alice = device(net, 1, 'Alice');
  const bob = device(net, 2, 'Bob');
  const aliceCode = alice.pairing.invite(60).code;

  const first = await bob.pairing.accept(aliceCode);
  assert.deepEqual(first, { state: 'waiting', name: 'Alice', peerId: alice.peerId, selfPeerId: bob.peerId });
  assert.equal(bob.store.getPending(alice.peerId)?.name, 'Alice');
  assert.deepEqual(
    bob.remembered.get(alice.peerId),
    ADDRESSES,
    'the invite’s addresses are handed to the link',
  );
  assert.equal(bob.pendingChanges, 1);
  assert.match(log(bob), /not done yet .*refused the pairing: I have not accepted your invite/);

  const second = await alice.pairing.accept(bob.pairing.invite(60).code);
  assert.equal(second.state, 'paired');
  for (const [self, other] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    const friend = self.store.getFriend(other.peerId);
    assert.ok(friend, `${self.name} stored ${other.name}`);
    assert.equal(friend.name, other.name);
    assert.deepEqual(friend.signPublic, other.keys.signPublic);
    assert.deepEqual(friend.boxPublic, other.keys.boxPublic);
    assert.deepEqual(self.store.listPending(), [], 'the pending pairing is gone');
    assert.deepEqual(self.paired, [other.peerId], 'the pairing is reported once, on each side');
  }
  assert.equal(alice.store.getFriend(bob.peerId)?.theirInviteHash.length, 32);
  assert.deepEqual(
    alice.store.getFriend(bob.peerId)?.ownInviteHash,
    bob.store.getFriend(alice.peerId)?.theirInviteHash,
    'both sides name the same two invites',
  );

  const again = await bob.pairing.accept(aliceCode);
  assert.equal(again.state, 'friends', 'accepting a friend’s code again changes nothing');
  assert.deepEqual(bob.store.listPending(), []);
});

test('an expired code is refused when typed; an issuer honours its own code only until its expiry', async () => {
  const net: Network = new Map();
  const alice = device(net, 3, 'Alice');
  const bob = device(net, 4, 'Bob');
  const aliceCode = alice.pairing.invite(60).code;

  bob.clock.now = T0 + 61 * MINUTE;
  await assert.rejects(bob.pairing.accept(aliceCode), (err: unknown) => {
    return err instanceof TesseraError && err.code === 'EXPIRED';
  });
  assert.deepEqual(bob.store.listPending(), [], 'nothing is kept of an expired code');

  bob.clock.now = T0 + 30 * MINUTE;
  assert.equal((await bob.pairing.accept(aliceCode)).state, 'waiting');
  // Alice accepts Bob's code only after her own has expired (on her clock): she refuses to pair on it.
  alice.clock.now = T0 + 61 * MINUTE;
  const late = await alice.pairing.accept(bob.pairing.invite(24 * 60).code);
  assert.equal(late.state, 'waiting');
  assert.match(log(alice), /invite code of yours that expired at/);
  // Bob dials again (his retry): Alice's side refuses, and Bob is told why in words he can act on.
  await bob.pairing.retryPending();
  assert.match(log(bob), /refused the pairing: the invite code you accepted from me expired at .*new one/);
  assert.equal(alice.store.getFriend(bob.peerId), null);
  assert.equal(bob.store.getFriend(alice.peerId), null);
  assert.deepEqual([alice.paired, bob.paired], [[], []]);
});

test('a device answering for the invite’s peer ID with another key is refused: the signature does not verify', async () => {
  const net: Network = new Map();
  const alice = device(net, 5, 'Alice');
  const bob = device(net, 6, 'Bob');
  const mallory = device(net, 7, 'Mallory');
  const aliceCode = alice.pairing.invite(60).code;
  // Mallory has Alice's code (so she can name it as her own) and has accepted Bob's, and answers dials to Alice.
  mallory.store.addOwnInvite(decodeInvite(aliceCode).hash, T0, T0 + 60 * MINUTE);
  await mallory.pairing.accept(bob.pairing.invite(60).code);
  net.set(alice.peerId, (conv) => mallory.pairing.serve(conv));

  const outcome = await bob.pairing.accept(aliceCode);
  assert.equal(outcome.state, 'waiting');
  assert.match(log(bob), /the peer signature did not verify/);
  assert.equal(bob.store.getFriend(alice.peerId), null);
  assert.ok(bob.store.getPending(alice.peerId), 'Bob still waits for the real Alice');
  assert.equal(mallory.store.getFriend(bob.peerId), null, 'Mallory got the refusal and stored nothing');
  assert.deepEqual([bob.paired, mallory.paired], [[], []]);
});

test('a malformed pairing message is a protocol error on either side, and nothing is stored', async () => {
  const net: Network = new Map();
  const alice = device(net, 8, 'Alice');
  const bob = device(net, 9, 'Bob');
  // Whatever answers at Alice's peer ID replies to the hello with bytes that are no pairing message.
  net.set(alice.peerId, async (conv) => {
    await conv.receive();
    await conv.send(Uint8Array.of(0xff, 0x00, 0x13));
  });
  assert.equal((await bob.pairing.accept(alice.pairing.invite(60).code)).state, 'waiting');
  assert.match(log(bob), /malformed pairing message/);
  assert.equal(bob.store.getFriend(alice.peerId), null);

  // Bob as listener: a hello that does not decode.
  const [caller, answering] = conversationPair(alice.peerId, bob.peerId);
  const served = bob.pairing.serve(answering);
  await caller.send(Uint8Array.of(0xa1, 0x61, 0x74, 0x09));
  await assert.rejects(served, ProtocolError);
  // A well-formed message of the wrong step (a confirmation instead of the hello) is refused too.
  const [caller2, answering2] = conversationPair(alice.peerId, bob.peerId);
  const served2 = bob.pairing.serve(answering2);
  await caller2.send(encodePairMessage({ t: 4 }));
  await assert.rejects(served2, /expected hello/);
  assert.deepEqual(bob.store.listFriends(), []);
});

test('no invite before the node runs, never one’s own code, and a pending pairing is given up in time', async () => {
  const net: Network = new Map();
  const alice = device(net, 10, 'Alice');
  const bob = device(net, 11, 'Bob');
  bob.running = false;
  assert.throws(() => bob.pairing.invite(60), NetworkNotRunningError);
  bob.running = true;
  await assert.rejects(bob.pairing.accept(bob.pairing.invite(60).code), OwnInviteCodeError);

  const aliceCode = alice.pairing.invite(60).code;
  net.delete(alice.peerId); // Alice is offline from now on
  assert.equal((await bob.pairing.accept(aliceCode)).state, 'waiting');
  assert.match(log(bob), /could not be reached/);
  const changes = bob.pendingChanges;
  bob.clock.now = T0 + PENDING_PAIRING_DAYS * DAY - 1;
  await bob.pairing.retryPending();
  assert.equal(bob.store.listPending().length, 1, 'still retried within the days allowed');
  bob.clock.now = T0 + PENDING_PAIRING_DAYS * DAY + 1;
  await bob.pairing.retryPending();
  assert.deepEqual(bob.store.listPending(), [], 'given up after PENDING_PAIRING_DAYS');
  assert.equal(bob.pendingChanges, changes + 1, 'giving up is a change of the pending list');
});
