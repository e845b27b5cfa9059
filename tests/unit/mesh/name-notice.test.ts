/**
 * Name notices (PROTOCOL §8.6): the codec is strict, only the friend's own identity key can sign their new name, and
 * a replayed older name is refused (judged against the last serial the friends store accepted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { MalformedDataError, UnsupportedFormatError } from '../../../shared/crypto/errors.ts';
import { encodeCanonical } from '../../../shared/formats/cbor.ts';
import { signWithContext } from '../../../shared/crypto/sign.ts';
import {
  decodeProfileMessage,
  encodeProfileMessage,
  judgeNameNotice,
  MAX_PROFILE_MESSAGE_BYTES,
  nextNameSerial,
  openNameNotice,
  PROFILE_NAME_CONTEXT,
  signNameNotice,
} from '../../../shared/protocol/profile.ts';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index.ts';
import { FriendsStore } from '../../../electron/core/mesh/friends-store.ts';

const alice = generateIdentity();
const mallory = generateIdentity();

test('a name notice round-trips, fits the message cap, and opens only under its signer', () => {
  const name = 'Ä'.repeat(64);
  const signed = signNameNotice({ key: alice.signPublic, name, serial: 1_700_000_000_000 }, alice.signSeed);
  const wire = encodeProfileMessage({ t: 1, ...signed });
  assert.ok(wire.length <= MAX_PROFILE_MESSAGE_BYTES, `${wire.length} bytes`);
  const msg = decodeProfileMessage(wire);
  assert.equal(msg.t, 1);
  if (msg.t !== 1) return;
  const opened = openNameNotice(msg.body, msg.sig, alice.signPublic);
  assert.deepEqual([opened.name, opened.serial], [name, 1_700_000_000_000]);
  // From another peer (the Noise-authenticated key differs): refused.
  assert.throws(() => openNameNotice(msg.body, msg.sig, mallory.signPublic), MalformedDataError);
  // Mallory signs a notice naming Alice's key: the signature does not verify under Alice's key.
  const forged = signNameNotice({ key: alice.signPublic, name: 'Mallory', serial: 9e15 }, mallory.signSeed);
  assert.throws(() => openNameNotice(forged.body, forged.sig, alice.signPublic), /signature/);
  // A flipped byte in the body breaks the signature.
  const flipped = Uint8Array.from(signed.body);
  flipped[flipped.length - 1]! ^= 1;
  assert.throws(() => openNameNotice(flipped, signed.sig, alice.signPublic), MalformedDataError);
  // Signed under another context (e.g. a deletion request's): refused.
  const otherContext = signWithContext('tessera/delete/v1', signed.body, alice.signSeed);
  assert.throws(() => openNameNotice(signed.body, otherContext, alice.signPublic), /signature/);
  assert.equal(PROFILE_NAME_CONTEXT, 'tessera/profile-name/v1');
});

test('the decoders are strict', () => {
  const sig = new Uint8Array(64);
  const badMessages = [
    { v: 1, t: 1, body: new Uint8Array(4) },
    { v: 1, t: 1, body: new Uint8Array(4), sig: new Uint8Array(63) },
    { v: 1, t: 1, body: new Uint8Array(257), sig },
    { v: 1, t: 2, extra: 1 },
    { v: 1, t: 9 },
  ];
  for (const m of badMessages)
    assert.throws(() => decodeProfileMessage(encodeCanonical(m)), MalformedDataError);
  assert.throws(() => decodeProfileMessage(encodeCanonical({ v: 2, t: 2 })), UnsupportedFormatError);
  const body = (fields: Record<string, unknown>) => {
    const b = encodeCanonical({ v: 1, key: alice.signPublic, name: 'Ally', serial: 5, ...fields });
    return { b, s: signWithContext(PROFILE_NAME_CONTEXT, b, alice.signSeed) };
  };
  for (const fields of [
    { name: '' },
    { name: ' Ally' },
    { name: 'x'.repeat(65) },
    { serial: 0 },
    { more: 1 },
  ]) {
    const { b, s } = body(fields);
    assert.throws(() => openNameNotice(b, s, alice.signPublic), MalformedDataError, JSON.stringify(fields));
  }
  assert.throws(() => signNameNotice({ key: alice.signPublic, name: 'Ally', serial: 0 }, alice.signSeed));
});

test('a replayed older name is refused; the same notice twice is taken as known', () => {
  const db = new Database(':memory:');
  for (const m of MIGRATIONS) m.up(db);
  const friends = new FriendsStore(db);
  const peerId = peerIdOf(alice.signPublic);
  friends.addFriend({
    peerId,
    name: 'Alice',
    signPublic: alice.signPublic,
    boxPublic: alice.boxPublic,
    boxSignature: alice.boxSignature,
    addresses: [],
    ownInviteHash: new Uint8Array(32),
    theirInviteHash: new Uint8Array(32),
    addedAt: 1,
    lastSeen: null,
  });
  friends.setNickname(peerId, 'Al');
  /** What the receiving side does (electron/core/mesh/name-notices.ts): open, judge against the store, store. */
  const receive = (name: string, serial: number) => {
    const s = signNameNotice({ key: alice.signPublic, name, serial }, alice.signSeed);
    const n = openNameNotice(s.body, s.sig, alice.signPublic);
    const verdict = judgeNameNotice(n, friends.nameSerial(peerId), friends.getFriend(peerId)!.name);
    if (verdict === 'accept') friends.acceptName(peerId, n.name, n.serial);
    return verdict;
  };
  assert.equal(friends.nameSerial(peerId), null);
  assert.equal(receive('Ally', 100), 'accept');
  assert.equal(receive('Ally B.', 200), 'accept');
  // Someone replays the first notice (a valid signature, an older serial): refused, the name stays.
  assert.equal(receive('Ally', 100), 'replay');
  assert.equal(receive('Ally B.', 200), 'same');
  assert.equal(receive('Eve', 200), 'replay', 'the same serial cannot carry another name');
  const f = friends.getFriend(peerId)!;
  assert.deepEqual([f.name, f.nickname, friends.nameSerial(peerId)], ['Ally B.', 'Al', 200]);
  // Removing the friend keeps the serial: a re-paired friend's old notices stay refused.
  friends.removeFriend(peerId);
  assert.equal(friends.nameSerial(peerId), 200);
});

test('serials only grow, even when the clock goes back', () => {
  assert.equal(nextNameSerial(0, 1_000), 1_000);
  assert.equal(nextNameSerial(1_000, 900), 1_001);
  assert.equal(nextNameSerial(1_000, 5_000.7), 5_000);
});
