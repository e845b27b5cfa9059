/**
 * The friend directory (electron/core/mesh/friend-directory.ts) over a real friends store (SQLite, every migration):
 * friends as the API shows them (names, nicknames, compared code and verified state, addresses, how reached), the
 * gate it keeps in step with the store, the contact-list listeners and the events it sends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { fingerprintOf, generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import type { TesseraEvent, Topic } from '../../../shared/api/events.ts';
import { FriendDirectory, NoSuchFriendError } from '../../../electron/core/mesh/friend-directory.ts';
import { FriendsStore } from '../../../electron/core/mesh/friends-store.ts';
import { PeerGate } from '../../../electron/core/mesh/gater.ts';
import { FriendVersions } from '../../../electron/core/mesh/friend-versions.ts';
import { PROTOCOLS } from '../../../shared/protocol/protocols.ts';
import type { FriendPath } from '../../../electron/core/mesh/reachability.ts';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index.ts';
import { counterRandom } from '../shared/helpers.ts';

const BOB = generateIdentity(counterRandom(41));
const CAROL = generateIdentity(counterRandom(42));
const DAN = generateIdentity(counterRandom(43));
const bob = peerIdOf(BOB.signPublic);
const carol = peerIdOf(CAROL.signPublic);
const dan = peerIdOf(DAN.signPublic);

function setup() {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) migration.up(db);
  const clock = { now: 1_000 };
  const friends = new FriendsStore(db, () => clock.now);
  const gate = new PeerGate(() => clock.now);
  const topics: Topic[][] = [];
  const notices: TesseraEvent[] = [];
  const connected = new Set<string>();
  const viaFriend = new Set<string>();
  const versions = new FriendVersions();
  const directory = new FriendDirectory({
    friends,
    gate,
    versions,
    // How the node would report them: connected ones directly, others via a carrier or not at all.
    presence: {
      isConnected: (peerId) => connected.has(peerId),
      pathOf: (peerId): FriendPath =>
        connected.has(peerId) ? 'direct' : viaFriend.has(peerId) ? 'via-friend' : 'unreachable',
    },
    events: { changed: (...t) => void topics.push(t), emit: (e) => void notices.push(e) },
    now: () => clock.now,
  });
  let contacts = 0;
  directory.onContactsChanged(() => void contacts++);
  return {
    friends,
    gate,
    directory,
    clock,
    topics,
    notices,
    connected,
    viaFriend,
    versions,
    contacts: () => contacts,
  };
}

function befriend(friends: FriendsStore, id: typeof BOB, name: string, addedAt: number): void {
  friends.addFriend({
    peerId: peerIdOf(id.signPublic),
    name,
    signPublic: id.signPublic,
    boxPublic: id.boxPublic,
    boxSignature: id.boxSignature,
    addresses: ['/ip4/192.168.1.7/tcp/4001'],
    ownInviteHash: new Uint8Array(32).fill(1),
    theirInviteHash: new Uint8Array(32).fill(2),
    addedAt,
    lastSeen: addedAt,
  });
}

test('friends as the API shows them: names, nickname, fingerprint, compared code, verified state, path', () => {
  const t = setup();
  befriend(t.friends, BOB, 'Bob', 10);
  befriend(t.friends, CAROL, 'Carol', 20);
  t.connected.add(bob);
  t.viaFriend.add(carol);
  t.friends.setComparison(bob, '123456', 30);
  t.friends.judgeComparison(bob, true, 31);

  const [b, c] = t.directory.list();
  assert.deepEqual(b, {
    name: 'Bob',
    chosenName: 'Bob',
    nickname: null,
    peerId: bob,
    fingerprint: fingerprintOf(BOB.signPublic),
    comparisonCode: '123456',
    verified: true,
    addresses: ['/ip4/192.168.1.7/tcp/4001'],
    addedAt: 10,
    lastSeen: 10,
    reachable: true,
    path: 'direct',
  });
  assert.equal(c?.peerId, carol, 'in the order they became friends');
  assert.equal(c?.verified, false, 'no confirmed comparison: not verified');
  assert.equal(c?.comparisonCode, '');
  assert.equal(c?.reachable, false);
  assert.equal(c?.path, 'via-friend');

  const renamed = t.directory.rename(carol, 'Caz');
  assert.equal(renamed.name, 'Caz', 'the nickname is the name shown here');
  assert.equal(renamed.chosenName, 'Carol');
  assert.deepEqual(t.topics.at(-1), ['friends', 'backup', 'held', 'requests', 'recovery']);
  assert.equal(t.directory.rename(carol, null).name, 'Carol', 'a cleared nickname shows the chosen name');
  assert.throws(() => t.directory.rename(dan, 'X'), NoSuchFriendError);
  assert.throws(() => t.directory.friend(dan), /No friend with that peer ID/);
});

test('the gate follows the store: friends, pending pairings, and removed friends still owed a deletion', () => {
  const t = setup();
  befriend(t.friends, BOB, 'Bob', 10);
  t.friends.putPending({
    peerId: dan,
    name: 'Dan',
    signPublic: DAN.signPublic,
    boxPublic: DAN.boxPublic,
    boxSignature: DAN.boxSignature,
    addresses: [],
    inviteHash: new Uint8Array(32).fill(3),
    acceptedAt: 5,
    giveUpAt: 500,
  });
  assert.equal(t.gate.reason(bob), null, 'the gate is set from the store only when told');
  t.directory.refreshGate();
  assert.equal(t.gate.reason(bob), 'friend');
  assert.equal(t.gate.reason(dan), 'pairing');
  assert.deepEqual(t.directory.pending(), [
    { name: 'Dan', peerId: dan, comparisonCode: '', since: 5, giveUpAt: 500 },
  ]);

  let owed = [bob];
  t.directory.setRetiring(() => owed);
  t.directory.remove(bob);
  assert.equal(t.gate.reason(bob), 'retiring', 'removed, but still owed a deletion request (PROTOCOL §8.1)');
  assert.equal(t.contacts(), 1, 'removing a friend changes the contact list');
  assert.equal(t.friends.nameOf(bob), 'Bob', 'a former friend keeps the name this person knew');
  owed = [];
  t.directory.refreshGate();
  assert.equal(t.gate.reason(bob), null);

  t.directory.remove(dan);
  assert.equal(t.gate.reason(dan), null);
  assert.equal(t.contacts(), 1, 'a pending pairing is no contact');
  assert.deepEqual(t.topics.at(-1), ['friends', 'status']);
  assert.throws(() => t.directory.remove(dan), /No friend or pending pairing with that peer ID/);
});

test('connections and identify keep the address book and last seen; only a move changes the contact list', () => {
  const t = setup();
  befriend(t.friends, BOB, 'Bob', 10);
  t.clock.now = 2_000;
  t.directory.seen(bob);
  assert.equal(t.directory.friend(bob).lastSeen, 2_000);
  assert.deepEqual(t.topics.at(-1), ['friends']);

  t.clock.now = 3_000;
  t.directory.identified(bob, ['/ip4/192.168.1.7/tcp/4001']);
  assert.equal(t.contacts(), 0, 'the same addresses are no change of contact');
  t.directory.identified(bob, ['/ip4/10.1.2.3/tcp/4001', '/ip6/fd00::3/tcp/4001']);
  assert.equal(t.contacts(), 1);
  const friend = t.directory.friend(bob);
  assert.deepEqual(friend.addresses, ['/ip4/10.1.2.3/tcp/4001', '/ip6/fd00::3/tcp/4001']);
  assert.equal(friend.lastSeen, 3_000);
});

test('a new friend is announced with what to do next, and the notice is withdrawn once the code is judged', () => {
  const t = setup();
  befriend(t.friends, BOB, 'Bob', 10);
  t.directory.changed(true);
  assert.equal(t.contacts(), 1);
  t.directory.announcePaired(bob);
  t.directory.judged(bob);
  assert.deepEqual(t.notices, [
    {
      type: 'notice',
      key: `paired:${bob}`,
      title: 'Bob is now your friend',
      body: 'Under Friends, check with Bob that both screens show the same code before you ask them to keep a piece.',
    },
    { type: 'notice-withdrawn', key: `paired:${bob}` },
  ]);
  const view = t.directory.paired({ name: 'Bob', peerId: bob, comparisonCode: '' }, bob);
  assert.equal(view.state, 'paired');
  assert.equal(view.friend?.peerId, bob);
  assert.deepEqual(t.directory.paired({ name: 'Dan', peerId: dan, comparisonCode: '' }, dan), {
    name: 'Dan',
    peerId: dan,
    comparisonCode: '',
    state: 'paired',
  });
});

test('an unverified friend whose Tessera cannot compare codes is listed as needing to update', () => {
  const t = setup();
  befriend(t.friends, BOB, 'Bob', 10);
  befriend(t.friends, CAROL, 'Carol', 20);
  befriend(t.friends, DAN, 'Dan', 30);
  // What identify reports: Bob's device predates code comparisons (PROTOCOL §8.5), Carol's does not.
  const older = [PROTOCOLS.pair, PROTOCOLS.backup, PROTOCOLS.forward];
  t.versions.identified(bob, older);
  t.versions.identified(carol, [...older, PROTOCOLS.verify, PROTOCOLS.profile]);
  // Dan's identify said nothing yet, but a comparison failed negotiation.
  t.versions.unsupported(dan, PROTOCOLS.verify);
  const [b, c, d] = t.directory.list();
  assert.deepEqual(b?.needsUpdate, {
    message: 'Bob needs to update Tessera. Waiting for it: comparing codes, keeping a piece of your backup.',
    waiting: ['comparing-codes', 'holding-for-you'],
  });
  assert.equal(c && 'needsUpdate' in c, false, 'the field is absent when nothing waits');
  assert.equal(d?.needsUpdate?.waiting[0], 'comparing-codes');
  assert.equal(b?.verified, false, 'being told changes nothing that is accepted');

  // Bob updated: the next identify lists the comparison, and the state is gone.
  t.versions.identified(bob, [...older, PROTOCOLS.verify, PROTOCOLS.profile]);
  assert.equal('needsUpdate' in (t.directory.friend(bob) as object), false);
});
