/**
 * A friend relay's admission of strangers (PROTOCOL §11.7): the /tessera/relay-admit codec (strict decoding), the
 * book of admissions (time, bytes, per-friend and total caps) and the connection gate that asks it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peerIdFromString } from '@libp2p/peer-id';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { encodeCanonical } from '../../../shared/formats/cbor.ts';
import { MalformedDataError, UnsupportedFormatError } from '../../../shared/crypto/errors.ts';
import { fromBase58btc } from '../../../shared/crypto/bytes.ts';
import {
  decodeRelayAdmitMessage,
  encodeRelayAdmitMessage,
  MAX_RELAY_ADMIT_MESSAGE_BYTES,
} from '../../../shared/protocol/relay-admit.ts';
import { StrangerAdmissions } from '../../../electron/core/mesh/stranger-admission.ts';
import { connectionGater, PeerGate } from '../../../electron/core/mesh/gater.ts';
import { counterRandom } from '../shared/helpers.ts';

const id = (n: number): string => peerIdOf(generateIdentity(counterRandom(300 + n)).signPublic);
const [friendC, friendF, stranger1, stranger2] = [id(1), id(2), id(3), id(4)];
const MIB = 1024 * 1024;
const DAY = 24 * 60 * 60_000;

test('relay-admit messages round-trip', () => {
  const msgs = [
    { t: 1, peer: stranger1, until: 1_700_000_000_000 },
    { t: 2, until: 1_700_000_000_000, bytes: 512 * MIB },
    { t: 3, reason: 'This device does not relay for friends.' },
  ] as const;
  for (const m of msgs) assert.deepEqual(decodeRelayAdmitMessage(encodeRelayAdmitMessage(m)), m);
});

test('relay-admit decoding is strict', () => {
  const peer = fromBase58btc(stranger1);
  const bad: [string, unknown, typeof MalformedDataError | typeof UnsupportedFormatError][] = [
    ['unknown field', { v: 1, t: 1, peer, until: 1, extra: 1 }, MalformedDataError],
    ['field of another type', { v: 1, t: 2, until: 1, bytes: 1, peer }, MalformedDataError],
    ['missing until', { v: 1, t: 1, peer }, MalformedDataError],
    ['negative until', { v: 1, t: 1, peer, until: -1 }, MalformedDataError],
    ['short peer', { v: 1, t: 1, peer: peer.subarray(0, 37), until: 1 }, MalformedDataError],
    ['peer not Ed25519', { v: 1, t: 1, peer: new Uint8Array(38).fill(7), until: 1 }, MalformedDataError],
    ['peer as text', { v: 1, t: 1, peer: stranger1, until: 1 }, MalformedDataError],
    ['unknown type', { v: 1, t: 9 }, MalformedDataError],
    ['long reason', { v: 1, t: 3, reason: 'x'.repeat(301) }, MalformedDataError],
    ['newer version', { v: 2, t: 1 }, UnsupportedFormatError],
    ['not a map', [1, 1], MalformedDataError],
  ];
  for (const [what, value, error] of bad)
    assert.throws(() => decodeRelayAdmitMessage(encodeCanonical(value)), error, what);
  assert.throws(
    () => decodeRelayAdmitMessage(new Uint8Array(MAX_RELAY_ADMIT_MESSAGE_BYTES + 1)),
    MalformedDataError,
  );
  assert.throws(
    () => decodeRelayAdmitMessage(Uint8Array.of(0xa1, 0x61)),
    MalformedDataError,
    'truncated CBOR',
  );
  assert.throws(() => encodeRelayAdmitMessage({ t: 1, peer: 'not-a-peer', until: 1 }));
});

test('an admission lasts min(asked, now + max), and renewing never restores spent bytes', () => {
  let now = 1_000;
  const book = new StrangerAdmissions({ maxMs: 7 * DAY, maxBytes: 10 * MIB }, () => now);
  assert.deepEqual(book.admit(friendC, stranger1, now + 60_000), {
    ok: true,
    until: now + 60_000,
    bytes: 10 * MIB,
  });
  assert.equal(book.mayConnect(stranger1), true);
  assert.equal(book.mayRelay(stranger1, friendC), true);
  assert.equal(book.mayRelay(stranger1, friendF), false, 'only to the friend who announced it');
  assert.equal(book.mayConnect(stranger2), false, 'a stranger nobody announced');
  const far = book.admit(friendC, stranger1, now + 30 * DAY);
  assert.equal(far.ok && far.until, now + 7 * DAY, 'capped at 7 days');
  assert.equal(book.spend(stranger1, 4 * MIB), true);
  const renewed = book.admit(friendC, stranger1, now + DAY);
  assert.equal(renewed.ok && renewed.bytes, 6 * MIB, 'renewal keeps what was spent');
  assert.equal(book.spend(stranger1, 6 * MIB), false, 'budget spent');
  assert.equal(book.mayConnect(stranger1), false);
  assert.equal(book.mayRelay(stranger1, friendC), false);
  assert.equal(book.admit(friendC, stranger1, now + DAY).ok, false, 'a spent stranger is not admitted again');
  now += DAY;
  assert.deepEqual(book.prune(), [stranger1]);
  assert.equal(book.has(stranger1), false, 'forgotten once no admission stands');
  assert.equal(book.admit(friendC, stranger2, now - 1).ok, false, 'already over');
});

test('an admission ends at its time', () => {
  let now = 0;
  const book = new StrangerAdmissions({ maxMs: 1_000, maxBytes: MIB }, () => now);
  book.admit(friendC, stranger1, 10_000);
  assert.equal(book.nextEnd(), 1_000);
  now = 999;
  assert.equal(book.mayRelay(stranger1, friendC), true);
  now = 1_000;
  assert.equal(book.mayRelay(stranger1, friendC), false);
  assert.equal(book.mayConnect(stranger1), false);
});

test('at most 4 admissions per friend and 64 in all', () => {
  const book = new StrangerAdmissions({ maxMs: DAY, maxBytes: MIB }, () => 0);
  for (let i = 0; i < 4; i++) assert.equal(book.admit(friendC, id(10 + i), DAY).ok, true);
  const fifth = book.admit(friendC, id(14), DAY);
  assert.equal(fifth.ok, false);
  assert.match(!fifth.ok ? fifth.reason : '', /already lets 4 devices through/);
  assert.equal(book.admit(friendC, id(10), DAY).ok, true, 'renewing one of the four is fine');
  const all = new StrangerAdmissions({ maxMs: DAY, maxBytes: MIB }, () => 0);
  for (let f = 0; f < 16; f++)
    for (let s = 0; s < 4; s++) all.admit(`friend-${f}`, `stranger-${f}-${s}`, DAY);
  assert.equal(all.admit('friend-16', 'one-more', DAY).ok, false, 'the 65th is refused');
  assert.equal(book.admit(friendC, friendC, DAY).ok, false, 'a friend cannot announce itself');
});

test('the gate: an announced stranger may connect to the relay, never reserve, and be relayed to its friend only', async () => {
  let now = 0;
  const gate = new PeerGate(() => now);
  gate.setFriends([friendC, friendF]);
  const book = new StrangerAdmissions({ maxMs: 1_000, maxBytes: MIB }, () => now);
  gate.setStrangers(book);
  book.admit(friendC, stranger1, 10_000);
  const relayDenied: string[] = [];
  const g = connectionGater(gate, {
    loopbackOnly: false,
    relayForFriends: true,
    onRelayDeny: (a, b) => relayDenied.push(`${a}>${b}`),
  });
  const p = (x: string) => peerIdFromString(x);
  const maConn = {} as never;
  assert.equal(gate.reason(stranger1), 'announced');
  assert.equal(await g.denyInboundEncryptedConnection!(p(stranger1), maConn), false);
  assert.equal(await g.denyInboundEncryptedConnection!(p(stranger2), maConn), true, 'not announced');
  assert.equal(
    await g.denyOutboundEncryptedConnection!(p(stranger1), maConn),
    true,
    'the relay never dials it',
  );
  assert.equal(await g.denyDialPeer!(p(stranger1)), true);
  assert.equal(await g.denyInboundRelayReservation!(p(stranger1)), true, 'no reservation');
  assert.equal(await g.denyOutboundRelayedConnection!(p(stranger1), p(friendC)), false);
  assert.equal(await g.denyOutboundRelayedConnection!(p(stranger1), p(friendF)), true, 'another friend');
  assert.equal(await g.denyOutboundRelayedConnection!(p(stranger2), p(friendC)), true);
  assert.equal(
    await g.denyOutboundRelayedConnection!(p(friendF), p(stranger1)),
    true,
    'nobody is relayed to it',
  );
  assert.equal(await g.denyOutboundRelayedConnection!(p(friendF), p(friendC)), false, 'friends as before');
  assert.equal(
    await g.denyInboundRelayedConnection!(p(friendF), p(stranger1)),
    true,
    'not accepted through another relay',
  );
  book.spend(stranger1, MIB);
  assert.equal(await g.denyOutboundRelayedConnection!(p(stranger1), p(friendC)), true, 'bytes spent');
  assert.equal(await g.denyInboundEncryptedConnection!(p(stranger1), maConn), true);
  book.admit(friendC, stranger2, 10_000);
  now = 1_000;
  assert.equal(await g.denyOutboundRelayedConnection!(p(stranger2), p(friendC)), true, 'time over');
  assert.equal(await g.denyInboundEncryptedConnection!(p(stranger2), maConn), true);
  assert.equal(relayDenied.length, 5, 'every refusal is reported');
  const notRelay = connectionGater(gate, { loopbackOnly: false });
  now = 0;
  book.admit(friendC, id(20), 500);
  assert.equal(
    await notRelay.denyOutboundRelayedConnection!(p(id(20)), p(friendC)),
    true,
    'a node that does not relay',
  );
});
