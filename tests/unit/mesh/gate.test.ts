/** The connection gate, address hygiene, the friends store (real SQLite, migration 002) and the node's identity. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { connectionGater, PeerGate } from '../../../electron/core/mesh/gater.ts';
import {
  isLanAddress,
  isLoopbackOrUnspecified,
  usableAddresses,
} from '../../../electron/core/mesh/addresses.ts';
import { FriendsStore } from '../../../electron/core/mesh/friends-store.ts';
import type { ConnectionKeepAlive } from '../../../electron/core/mesh/keep-alive.ts';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index.ts';
import { CONNECTION_PING_INTERVAL_MS, createMeshNode } from '../../../electron/core/mesh/node.ts';
import { counterRandom } from '../shared/helpers.ts';

const friend = peerIdOf(generateIdentity(counterRandom(21)).signPublic);
const pairing = peerIdOf(generateIdentity(counterRandom(22)).signPublic);
const stranger = peerIdOf(generateIdentity(counterRandom(23)).signPublic);
const visitor = peerIdOf(generateIdentity(counterRandom(24)).signPublic);

test('the gate admits friends, pending pairings and open windows only', () => {
  let now = 1000;
  const gate = new PeerGate(() => now);
  gate.setFriends([friend]);
  gate.setPairing([pairing]);
  gate.openWindow(visitor, 2000);
  assert.equal(gate.reason(friend), 'friend');
  assert.equal(gate.reason(pairing), 'pairing');
  assert.equal(gate.reason(visitor), 'window');
  assert.equal(gate.reason(stranger), null);
  now = 2000;
  assert.equal(gate.reason(visitor), null, 'a window closes at its deadline');
  gate.setFriends([]);
  assert.equal(gate.allows(friend), false, 'a removed friend is refused');
  assert.deepEqual(gate.friendIds(), []);
  // The friend dialer walks this list round robin: the order given, without repeats.
  gate.setFriends([stranger, friend, stranger]);
  assert.deepEqual(gate.friendIds(), [stranger, friend]);
});

test('the libp2p gater denies strangers after Noise, in both directions, and loopback dials', async () => {
  const gate = new PeerGate();
  gate.setFriends([friend]);
  const denied: string[] = [];
  const g = connectionGater(gate, { loopbackOnly: false, onDeny: (p, d) => denied.push(`${d}:${p}`) });
  const maConn = {} as never;
  assert.equal(await g.denyInboundEncryptedConnection!(peerIdFromString(stranger), maConn), true);
  assert.equal(await g.denyOutboundEncryptedConnection!(peerIdFromString(stranger), maConn), true);
  assert.equal(await g.denyInboundEncryptedConnection!(peerIdFromString(friend), maConn), false);
  assert.equal(await g.denyDialPeer!(peerIdFromString(stranger)), true);
  assert.equal(await g.denyDialPeer!(peerIdFromString(friend)), false);
  assert.deepEqual(denied, [`inbound:${stranger}`, `outbound:${stranger}`]);
  assert.equal(await g.denyDialMultiaddr!(multiaddr('/ip4/127.0.0.1/tcp/4001')), true);
  assert.equal(await g.denyDialMultiaddr!(multiaddr('/ip6/::1/tcp/4001')), true);
  assert.equal(await g.denyDialMultiaddr!(multiaddr('/ip4/192.168.1.9/tcp/4001')), false);
  assert.equal(
    await g.filterMultiaddrForPeer!(peerIdFromString(friend), multiaddr('/ip4/127.0.0.1/tcp/1')),
    false,
  );
  const test = connectionGater(gate, { loopbackOnly: true });
  assert.equal(
    await test.denyDialMultiaddr!(multiaddr('/ip4/127.0.0.1/tcp/4001')),
    false,
    'loopback test mode',
  );
  // Beyond the LAN (PROTOCOL §10.2): relayed only through a friend's relay, from a peer the gate admits.
  assert.equal(
    await g.denyInboundRelayedConnection!(peerIdFromString(friend), peerIdFromString(friend)),
    false,
  );
  assert.equal(
    await g.denyInboundRelayedConnection!(peerIdFromString(friend), peerIdFromString(stranger)),
    true,
  );
  assert.equal(
    await g.denyInboundRelayedConnection!(peerIdFromString(stranger), peerIdFromString(friend)),
    true,
  );
  // Not a relay unless configured; then reservations and relaying for friends only.
  assert.equal(await g.denyInboundRelayReservation!(peerIdFromString(friend)), true);
  const relay = connectionGater(gate, { loopbackOnly: false, relayForFriends: true });
  assert.equal(await relay.denyInboundRelayReservation!(peerIdFromString(friend)), false);
  assert.equal(await relay.denyInboundRelayReservation!(peerIdFromString(stranger)), true);
  assert.equal(
    await relay.denyOutboundRelayedConnection!(peerIdFromString(friend), peerIdFromString(stranger)),
    true,
  );
});

test('advertised addresses: no loopback (unless loopback-only), no link-local, no /p2p, no duplicates', () => {
  const addrs = [
    '/ip4/127.0.0.1/tcp/4001',
    '/ip4/192.168.1.9/tcp/4001',
    '/ip4/192.168.1.9/tcp/4001/p2p/' + friend,
    '/ip4/169.254.3.3/tcp/4001',
    '/ip6/fe80::1/tcp/4001',
    '/ip6/::1/tcp/4001',
    'garbage',
  ];
  assert.deepEqual(usableAddresses(addrs, false), ['/ip4/192.168.1.9/tcp/4001']);
  assert.deepEqual(usableAddresses(addrs, true), ['/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4001']);
  assert.equal(isLoopbackOrUnspecified(multiaddr('/ip4/0.0.0.0/tcp/0')), true);
  assert.equal(isLoopbackOrUnspecified(multiaddr('/dns4/localhost/tcp/1')), true);
  assert.equal(isLoopbackOrUnspecified(multiaddr('/ip4/10.0.0.1/tcp/1')), false);
});

function openDb(now = () => 10): FriendsStore {
  const db = new Database(':memory:');
  // Every migration: removing a friend keeps their name (former_friends, migration 009).
  for (const migration of MIGRATIONS) migration.up(db);
  return new FriendsStore(db, now);
}

test('friends store: pending → friend in one step, touch, remove, prune', () => {
  const store = openDb();
  const id = generateIdentity(counterRandom(31));
  const peerId = peerIdOf(id.signPublic);
  const base = {
    peerId,
    name: 'Bob',
    signPublic: id.signPublic,
    boxPublic: id.boxPublic,
    boxSignature: id.boxSignature,
    addresses: ['/ip4/10.0.0.2/tcp/1'],
  };
  store.putPending({ ...base, inviteHash: new Uint8Array(32).fill(1), acceptedAt: 5, giveUpAt: 100 });
  assert.equal(store.getPending(peerId)?.name, 'Bob');
  store.addFriend({
    ...base,
    ownInviteHash: new Uint8Array(32).fill(2),
    theirInviteHash: new Uint8Array(32).fill(1),
    addedAt: 10,
    lastSeen: 10,
  });
  assert.equal(store.getPending(peerId), null, 'adding the friend drops the pending pairing');
  assert.deepEqual(store.getFriend(peerId)?.signPublic, id.signPublic);
  store.touchFriend(peerId, 20, ['/ip4/10.0.0.3/tcp/2']);
  assert.deepEqual(store.getFriend(peerId)?.addresses, ['/ip4/10.0.0.3/tcp/2']);
  assert.equal(store.getFriend(peerId)?.lastSeen, 20);
  assert.equal(store.countFriends(), 1);
  assert.deepEqual(store.friendIds(), [peerId]);
  assert.deepEqual(
    store.friendIds(),
    store.listFriends().map((f) => f.peerId),
  );
  assert.equal(store.removeFriend(peerId), true);
  assert.deepEqual(store.friendIds(), []);
  assert.equal(store.removeFriend(peerId), false);
  store.putPending({ ...base, inviteHash: new Uint8Array(32).fill(1), acceptedAt: 5, giveUpAt: 100 });
  store.prunePending(101);
  assert.deepEqual(store.listPending(), []);
  store.addOwnInvite(new Uint8Array(32).fill(9), 1, 50);
  assert.equal(store.hasOwnInvite(new Uint8Array(32).fill(9)), true);
  store.pruneOwnInvites(51);
  assert.equal(store.hasOwnInvite(new Uint8Array(32).fill(9)), false);
});

test('the node’s peer ID is the identity’s peer ID, and its keep-alive pings connections at the mesh’s interval', async () => {
  const id = generateIdentity();
  const node = await createMeshNode({
    signSeed: id.signSeed,
    signPublic: id.signPublic,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    gater: connectionGater(new PeerGate(), { loopbackOnly: true }),
    mdns: false,
  });
  try {
    assert.equal(node.peerId.toString(), peerIdOf(id.signPublic));
    assert.ok(node.getMultiaddrs().length > 0);
    // yamux pings (keep-alive.ts) find dead connections, at the interval the mesh sets; libp2p's connection monitor,
    // which opened a stream each time, is not there at all.
    const keepAlive = (node.services as { keepAlive?: ConnectionKeepAlive }).keepAlive;
    assert.equal(keepAlive?.intervalMs, CONNECTION_PING_INTERVAL_MS);
    const components = (node as unknown as { components: { connectionMonitor?: unknown } }).components;
    assert.throws(() => components.connectionMonitor, { name: 'MissingServiceError' });
  } finally {
    await node.stop();
  }
});

test('an in-person recovery comes from a LAN address: loopback, link-local or private, never a public one', () => {
  for (const lan of [
    '/ip4/127.0.0.1/tcp/4001',
    '/ip4/10.1.2.3/tcp/4001',
    '/ip4/172.16.0.9/tcp/4001',
    '/ip4/172.31.255.1/tcp/4001',
    '/ip4/192.168.71.2/tcp/4001',
    '/ip4/169.254.3.4/tcp/4001',
    '/ip6/fd12:3456::1/tcp/4001',
    '/ip6/fe80::1/tcp/4001',
    '/ip6/::1/tcp/4001',
  ])
    assert.equal(isLanAddress(lan), true, lan);
  for (const away of [
    '/ip4/203.0.113.7/tcp/4001',
    '/ip4/172.32.0.1/tcp/4001',
    '/ip4/100.64.0.1/tcp/4001',
    '/ip6/2001:db8::1/tcp/4001',
    '/dns4/example.org/tcp/4001',
    'not an address',
  ])
    assert.equal(isLanAddress(away), false, away);
});
