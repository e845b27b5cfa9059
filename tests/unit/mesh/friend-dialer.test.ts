/**
 * The friend dialer's round (electron/core/mesh/friend-dialer.ts) with a real mesh node, a real friends store
 * (SQLite, every migration) and stock js-libp2p peers in their own processes as the friends who are there: a friend
 * who answers stays connected with its peer-store record; one who does not leaves no record behind, and its next
 * dial, after the back-off, reads its stored addresses again, so a friend who moved while away is reached where it is
 * now. A tick that reaches nobody makes the next one dial fewer friends, until one answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { peerIdFromString } from '@libp2p/peer-id';
import {
  DIALS_PER_TICK,
  DIALS_PER_TICK_WHILE_FAILING,
  FriendDialer,
} from '../../../electron/core/mesh/friend-dialer.ts';
import { DIAL_BACKOFF_MAX_TICKS } from '../../../electron/core/mesh/dial-backoff.ts';
import { FriendsStore } from '../../../electron/core/mesh/friends-store.ts';
import { PeerGate } from '../../../electron/core/mesh/gater.ts';
import type { MeshNode } from '../../../electron/core/mesh/node.ts';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index.ts';
import { generateIdentity, peerIdOf, signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { startBarePeer } from '../../helpers/bare-peer.ts';
import { startLoopbackNode } from '../../helpers/loopback-node.ts';

const TICK_MS = 15_000;

/** A loopback TCP port nobody listens on (bound, then closed): dials there are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A friends store over a fresh in-memory database with every migration. */
function friendsStore(): FriendsStore {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) migration.up(db);
  return new FriendsStore(db);
}

function befriend(friends: FriendsStore, peerId: string, addresses: string[], addedAt = 1): void {
  friends.addFriend({
    peerId,
    name: peerId.slice(-6),
    signPublic: signPublicFromPeerId(peerId),
    boxPublic: new Uint8Array(32).fill(3),
    boxSignature: new Uint8Array(64).fill(4),
    addresses,
    ownInviteHash: new Uint8Array(32).fill(1),
    theirInviteHash: new Uint8Array(32).fill(2),
    addedAt,
    lastSeen: 1,
  });
}

/** The address a bare peer listens at, without its /p2p suffix (as a friend's addresses are stored). */
const listenAddress = (addr: string) => addr.slice(0, addr.indexOf('/p2p/'));

async function meshNode(t: { after(fn: () => unknown): void }, gate: PeerGate) {
  const node = await startLoopbackNode(gate);
  t.after(() => node.stop());
  return node;
}

/** The dialer over `node` (any object with its API), its back-off in mesh ticks of TICK_MS on `clock`. */
function dialerFor(node: MeshNode, friends: FriendsStore, gate: PeerGate, clock: { now: number }) {
  return new FriendDialer({
    node: () => node,
    friends,
    gate,
    loopbackOnly: true,
    tickMs: TICK_MS,
    now: () => clock.now,
    pendingPeerSeen: () => {},
    log: () => {},
  });
}

test('an absent friend leaves no peer record; its next dial reads the stored addresses again', async (t) => {
  const there = await startBarePeer();
  t.after(() => there.child.kill('SIGKILL'));
  const moved = await startBarePeer();
  t.after(() => moved.child.kill('SIGKILL'));
  const away = peerIdOf(generateIdentity().signPublic);
  const friends = friendsStore();
  const dead = `/ip4/127.0.0.1/tcp/${await closedPort()}`;
  befriend(friends, there.peerId, [listenAddress(there.addr)]);
  befriend(friends, away, [dead]);
  // Stored at an address where it no longer listens.
  befriend(friends, moved.peerId, [dead]);
  const gate = new PeerGate();
  gate.setFriends(friends.friendIds());
  const node = await meshNode(t, gate);
  const clock = { now: 1_000_000 };
  const dialer = dialerFor(node, friends, gate, clock);
  const connected = (peerId: string) => node.getConnections(peerIdFromString(peerId)).length > 0;
  const hasRecord = (peerId: string) => node.peerStore.has(peerIdFromString(peerId));

  await dialer.dialAbsentFriends();
  assert.equal(connected(there.peerId), true);
  assert.equal(await hasRecord(there.peerId), true);
  for (const absent of [away, moved.peerId]) {
    assert.equal(connected(absent), false);
    assert.equal(await hasRecord(absent), false, 'an absent friend keeps no record');
  }

  // It moved while away; the store learns where (as a paired friend's update or a restore would tell it).
  befriend(friends, moved.peerId, [listenAddress(moved.addr)]);
  await dialer.dialAbsentFriends();
  assert.equal(connected(moved.peerId), false, 'held back until its back-off has run out');
  clock.now += TICK_MS;
  await dialer.dialAbsentFriends();
  assert.equal(connected(moved.peerId), true, 'dialed at the address stored now');
  assert.equal(connected(away), false);
  assert.equal(await hasRecord(away), false);
});

test('after a tick that reached nobody the next dials fewer friends, until one answers', async (t) => {
  const moved = await startBarePeer();
  t.after(() => moved.child.kill('SIGKILL'));
  const friends = friendsStore();
  const dead = `/ip4/127.0.0.1/tcp/${await closedPort()}`;
  const away = Array.from({ length: 20 }, () => peerIdOf(generateIdentity().signPublic));
  away.forEach((peerId, i) => befriend(friends, peerId, [dead], 1 + i));
  // Last in the round, and stored where it no longer listens.
  befriend(friends, moved.peerId, [dead], 100);
  const gate = new PeerGate();
  gate.setFriends(friends.friendIds());
  const node = await meshNode(t, gate);
  // Counts the dials the round makes; each goes to the real node.
  let dials = 0;
  const counted = new Proxy(node, {
    get(target, prop) {
      if (prop === 'dial') return (...args: Parameters<typeof node.dial>) => (dials++, target.dial(...args));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const clock = { now: 1_000_000 };
  const dialer = dialerFor(counted, friends, gate, clock);
  const tick = async () => {
    dials = 0;
    await dialer.dialAbsentFriends();
    // Every back-off has run out by the next tick: only the budget limits it.
    clock.now += DIAL_BACKOFF_MAX_TICKS * TICK_MS;
    return dials;
  };

  assert.equal(await tick(), DIALS_PER_TICK, 'the first tick dials at full pace (friends 1–16, all away)');
  befriend(friends, moved.peerId, [listenAddress(moved.addr)], 100);
  assert.equal(await tick(), DIALS_PER_TICK_WHILE_FAILING, 'nobody answered: friends 17–20, all away');
  assert.equal(await tick(), DIALS_PER_TICK_WHILE_FAILING, 'the moved friend, who answers, then friends 1–3');
  assert.equal(node.getConnections(peerIdFromString(moved.peerId)).length, 1, 'the moved friend answered');
  assert.equal(await tick(), DIALS_PER_TICK, 'an answer brings back the full pace');
});
