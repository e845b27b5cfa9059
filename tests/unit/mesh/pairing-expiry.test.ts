/**
 * Invites expire on the issuer's side too (docs/PROTOCOL.md §8.3–8.4): the real dialer and listener functions of
 * electron/core/mesh/pairing.ts, each with its own friends store (real SQLite, migration 002), refuse a pairing that names
 * an own invite past the expiry written in it, and both people get a message saying so. First over an in-memory
 * conversation, then over two real libp2p nodes (the refusal must arrive before the listener's error aborts the
 * stream).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { inviteBytes, inviteHash } from '../../../shared/protocol/invite.ts';
import { migration001Vault } from '../../../electron/core/store/migrations/001_vault.ts';
import { migration002Friends } from '../../../electron/core/store/migrations/002_friends.ts';
import { migration009FriendNames } from '../../../electron/core/store/migrations/009_friend_names.ts';
import { FriendsStore, OwnInviteExpiredError } from '../../../electron/core/mesh/friends-store.ts';
import { connectionGater, PeerGate } from '../../../electron/core/mesh/gater.ts';
import { createMeshNode } from '../../../electron/core/mesh/node.ts';
import {
  PairingRefusedError,
  runPairingDialer,
  runPairingListener,
} from '../../../electron/core/mesh/pairing.ts';
import { openConversation, serveProtocol } from '../../../electron/core/mesh/rpc.ts';
import { counterRandom } from '../shared/helpers.ts';
import { conversationPair } from './fake-link.ts';

const T0 = 1_700_000_000_000;
const TTL = 24 * 60 * 60 * 1000;

interface Person {
  keys: IdentityKeys;
  peerId: string;
  store: FriendsStore;
  clock: { now: number };
  /** H(this person's invite). */
  invite: Uint8Array;
}

function person(seed: number, name: string): Person {
  const keys = generateIdentity(counterRandom(seed));
  const db = new Database(':memory:');
  migration001Vault.up(db);
  migration002Friends.up(db);
  migration009FriendNames.up(db); // friends as the app stores them (nicknames, former friends)
  const clock = { now: T0 };
  const store = new FriendsStore(db, () => clock.now);
  const invite = inviteHash(
    inviteBytes({
      signPublic: keys.signPublic,
      boxPublic: keys.boxPublic,
      boxSignature: keys.boxSignature,
      name,
      addresses: [],
      expiresAt: T0 + TTL,
      secret: new Uint8Array(16).fill(seed),
    }),
  );
  store.addOwnInvite(invite, T0, T0 + TTL);
  return { keys, peerId: peerIdOf(keys.signPublic), store, clock, invite };
}

/** Each accepts the other's invite, as `friends.pair` does (a pending pairing naming H(their invite)). */
function acceptEachOther(a: Person, b: Person): void {
  for (const [self, other, name] of [
    [a, b, 'B'],
    [b, a, 'A'],
  ] as const)
    self.store.putPending({
      peerId: other.peerId,
      name,
      signPublic: other.keys.signPublic,
      boxPublic: other.keys.boxPublic,
      boxSignature: other.keys.boxSignature,
      addresses: [],
      inviteHash: other.invite,
      acceptedAt: T0,
      giveUpAt: T0 + 7 * TTL,
    });
}

/** B dials A. Returns both outcomes (a friend record, null, or the error thrown). */
async function pair(dialer: Person, listener: Person): Promise<{ dialer: unknown; listener: unknown }> {
  const [d, l] = conversationPair(dialer.peerId, listener.peerId);
  const [dr, lr] = await Promise.allSettled([
    runPairingDialer(d, dialer.keys, dialer.store, () => dialer.clock.now).catch((err: unknown) => {
      d.abort(String(err));
      throw err;
    }),
    runPairingListener(l, listener.keys, listener.store, () => listener.clock.now),
  ]);
  return {
    dialer: dr.status === 'fulfilled' ? dr.value : dr.reason,
    listener: lr.status === 'fulfilled' ? lr.value : lr.reason,
  };
}

test('friends store: an own invite counts until the expiry written in it, then says when it expired', () => {
  const a = person(1, 'A');
  assert.equal(a.store.hasOwnInvite(a.invite), true);
  assert.equal(a.store.expiredOwnInvite(a.invite), null);
  a.clock.now = T0 + TTL; // the invite's `x`: expired from this instant, as checkInviteFresh has it
  assert.equal(a.store.hasOwnInvite(a.invite), false);
  const err = a.store.expiredOwnInvite(a.invite);
  assert.ok(err instanceof OwnInviteExpiredError);
  assert.equal(err.code, 'EXPIRED');
  assert.match(err.message, /expired at \d{4}-\d\d-\d\dT.*Make a new invite code/);
  assert.ok(err.peerReason.length <= 200, 'the refusal fits the pairing message cap');
  assert.equal(a.store.expiredOwnInvite(new Uint8Array(32)), null, 'an unknown hash is not "expired"');
  a.store.pruneOwnInvites(T0 + TTL + 1);
  assert.equal(a.store.expiredOwnInvite(a.invite), null, 'purged');
});

test('pairing succeeds before the invites expire and a friend re-pairs after they did', async () => {
  const a = person(1, 'A');
  const b = person(2, 'B');
  acceptEachOther(a, b);
  const first = await pair(b, a);
  assert.equal((first.dialer as { peerId: string }).peerId, a.peerId);
  assert.equal((first.listener as { peerId: string }).peerId, b.peerId);
  // The friendship is made: re-running the protocol later names the invites it was made with, and still works.
  a.clock.now = b.clock.now = T0 + 3 * TTL;
  const again = await pair(b, a);
  assert.equal((again.dialer as { peerId: string }).peerId, a.peerId);
});

test('the listener refuses its own expired invite; both sides are told it expired', async () => {
  const a = person(3, 'A');
  const b = person(4, 'B');
  acceptEachOther(a, b);
  a.clock.now = T0 + TTL + 1; // A's invite has expired on A's side (B's clock says it has not)
  const { dialer, listener } = await pair(b, a);
  assert.ok(listener instanceof OwnInviteExpiredError, 'the issuer (listener) reports the expired invite');
  assert.match(listener.message, /invite code of yours that expired at/);
  assert.ok(dialer instanceof PairingRefusedError, String(dialer));
  assert.match(
    dialer.message,
    /refused the pairing: the invite code you accepted from me expired at .*new one/,
  );
  assert.equal(a.store.getFriend(b.peerId), null);
  assert.equal(b.store.getFriend(a.peerId), null);
  assert.ok(b.store.getPending(a.peerId), 'B keeps its pending pairing (a new invite from A replaces it)');
});

test('the dialer refuses its own expired invite; both sides are told it expired', async () => {
  const a = person(5, 'A');
  const b = person(6, 'B');
  acceptEachOther(a, b);
  b.clock.now = T0 + TTL + 1; // B dials; B's own invite, named in A's challenge, has expired on B's side
  const { dialer, listener } = await pair(b, a);
  assert.ok(dialer instanceof OwnInviteExpiredError, String(dialer));
  assert.equal(listener, null, 'the listener got the refusal and stored nothing');
  assert.equal(a.store.getFriend(b.peerId), null);
  assert.equal(b.store.getFriend(a.peerId), null);
});

test('over real libp2p streams the dialer gets the refusal although the listener ends with an error', async (t) => {
  const a = person(7, 'A');
  const b = person(8, 'B');
  acceptEachOther(a, b);
  a.clock.now = T0 + TTL + 1;
  const nodeFor = async (p: Person, other: Person) => {
    const gate = new PeerGate();
    gate.setPairing([other.peerId]);
    const node = await createMeshNode({
      signSeed: p.keys.signSeed,
      signPublic: p.keys.signPublic,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      gater: connectionGater(gate, { loopbackOnly: true }),
      mdns: false,
      loopbackOnly: true,
    });
    t.after(() => node.stop());
    return { node, gate };
  };
  const la = await nodeFor(a, b);
  const lb = await nodeFor(b, a);
  const listenerErrors: unknown[] = [];
  await serveProtocol(
    la.node,
    la.gate,
    'pair',
    async (conv) => {
      await runPairingListener(conv, a.keys, a.store, () => a.clock.now);
    },
    { onError: (err) => listenerErrors.push(err) },
  );
  await lb.node.peerStore.merge(la.node.peerId, { multiaddrs: la.node.getMultiaddrs() });
  for (let attempt = 0; attempt < 3; attempt++) {
    const conv = await openConversation(lb.node, a.peerId, 'pair', { timeoutMs: 5000 });
    await assert.rejects(
      runPairingDialer(conv, b.keys, b.store, () => b.clock.now),
      (err: unknown) =>
        err instanceof PairingRefusedError &&
        /the invite code you accepted from me expired at/.test(err.message),
    );
    conv.abort('done');
  }
  assert.equal(listenerErrors.length, 3);
  assert.ok(listenerErrors.every((e) => e instanceof OwnInviteExpiredError));
});
