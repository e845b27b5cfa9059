/**
 * The byte formats of remote recovery (PROTOCOL §11.7): the reply code, the remote flag of the recovery code, the
 * waiting period in the shard envelope, the `waiting`/`standing` frames, and the signed notices and cancels that
 * custodians and the owner pass between them. Every decoder refuses what it was not made for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { decodeReplyCode, encodeReplyCode } from '../../../shared/protocol/reply-code.ts';
import { decodeRecoveryCode, encodeRecoveryCode } from '../../../shared/protocol/recovery-code.ts';
import { decodeRecoveryMessage, encodeRecoveryMessage } from '../../../shared/protocol/recovery.ts';
import {
  decodeWatchMessage,
  encodeWatchMessage,
  openRecoveryCancel,
  openRecoveryNotice,
  packSigned,
  signRecoveryCancel,
  signRecoveryNotice,
  unpackSigned,
} from '../../../shared/protocol/recovery-watch.ts';
import {
  createShardEnvelopes,
  DEFAULT_WAITING_PERIOD_MS,
  openShardEnvelope,
  waitingPeriodOf,
} from '../../../shared/shards/envelope.ts';
import { splitKey } from '../../../shared/shards/split.ts';
import { encodeCanonical } from '../../../shared/formats/cbor.ts';
import { counterRandom } from './helpers.ts';

const custodian = generateIdentity(counterRandom(71));
const owner = generateIdentity(counterRandom(72));
const session = generateIdentity(counterRandom(73));
const RELAY = `/ip4/203.0.113.7/tcp/4001/p2p/${peerIdOf(generateIdentity(counterRandom(74)).signPublic)}/p2p-circuit`;

test('a reply code carries the custodian key and addresses, pinned, and is short enough to read out', () => {
  const text = encodeReplyCode({
    signPublic: custodian.signPublic,
    addresses: ['/ip4/198.51.100.4/tcp/4001', RELAY],
  });
  assert.match(text, /^TESSERA-REPLY:[0-9A-Z]+$/);
  assert.ok(text.length < 220, `${text.length} characters`);
  const back = decodeReplyCode(text.toLowerCase().replace(/(.{4})/g, '$1-'));
  assert.equal(back.peerId, peerIdOf(custodian.signPublic));
  assert.deepEqual(back.addresses, ['/ip4/198.51.100.4/tcp/4001', RELAY]);
});

test('a mistyped, truncated or wrong-kind reply code says what is wrong', () => {
  const text = encodeReplyCode({ signPublic: custodian.signPublic, addresses: [RELAY] });
  const typo = text.slice(0, 30) + (text[30] === 'A' ? 'B' : 'A') + text.slice(31);
  assert.throws(() => decodeReplyCode(typo), /check digits do not match/);
  assert.throws(() => decodeReplyCode(text.slice(0, 20)), /too short|check digits/);
  const recovery = encodeRecoveryCode({
    signPublic: session.signPublic,
    boxPublic: session.boxPublic,
    boxSignature: session.boxSignature,
    addresses: [],
    expiresAt: 1,
    secret: new Uint8Array(16),
  });
  assert.throws(() => decodeReplyCode(recovery), /recovery code, the one this device shows/);
  assert.throws(
    () => encodeReplyCode({ signPublic: custodian.signPublic, addresses: [] }),
    MalformedDataError,
  );
});

test('a remote recovery code says so; a LAN code does not, and both decode', () => {
  const base = {
    signPublic: session.signPublic,
    boxPublic: session.boxPublic,
    boxSignature: session.boxSignature,
    addresses: ['/ip4/192.168.1.5/tcp/4100'],
    expiresAt: 1_000,
    secret: new Uint8Array(16).fill(3),
  };
  assert.equal(decodeRecoveryCode(encodeRecoveryCode(base)).remote, undefined);
  assert.equal(decodeRecoveryCode(encodeRecoveryCode({ ...base, remote: true })).remote, true);
});

test('the waiting period travels in the signed envelope; an envelope without it means 48 hours', async () => {
  const split = await splitKey(2, 2);
  const other = generateIdentity(counterRandom(75));
  const keys = [custodian, other].map((c) => ({
    signPublic: c.signPublic,
    boxPublic: c.boxPublic,
    boxSignature: c.boxSignature,
  }));
  const withWait = createShardEnvelopes(split, owner, keys, 5, undefined, 3 * 60 * 60_000);
  const opened = openShardEnvelope(withWait[0]!, custodian, owner.signPublic).envelope;
  assert.equal(waitingPeriodOf(opened), 3 * 60 * 60_000);
  const without = createShardEnvelopes(split, owner, keys, 5);
  const old = openShardEnvelope(without[0]!, custodian, owner.signPublic).envelope;
  assert.equal(old.waitingPeriodMs, undefined);
  assert.equal(waitingPeriodOf(old), DEFAULT_WAITING_PERIOD_MS);
});

test('waiting and standing frames round-trip; withdraw says why, including during the wait and stopped', () => {
  const q = new Uint8Array(32).fill(9);
  assert.deepEqual(decodeRecoveryMessage(encodeRecoveryMessage({ t: 'waiting', q, until: 123 })), {
    t: 'waiting',
    q,
    until: 123,
  });
  assert.deepEqual(decodeRecoveryMessage(encodeRecoveryMessage({ t: 'standing', names: ['Kim', 'Lee'] })), {
    t: 'standing',
    names: ['Kim', 'Lee'],
  });
  for (const why of ['declined', 'expired', 'withdrew', 'stopped'] as const)
    assert.equal(
      (decodeRecoveryMessage(encodeRecoveryMessage({ t: 'withdraw', q, why })) as { why: string }).why,
      why,
    );
  const tooMany = encodeCanonical({ v: 2, t: 15, names: Array.from({ length: 33 }, () => 'x') });
  assert.throws(() => decodeRecoveryMessage(tooMany), /at most 32/);
  const badWhy = encodeCanonical({ v: 2, t: 13, q, why: 5 });
  assert.throws(() => decodeRecoveryMessage(badWhy), /unknown withdrawal reason/);
});

test('notices are signed by the custodian and cancels by the owner; a forged or swapped one is refused', () => {
  const notice = signRecoveryNotice(
    {
      owner: owner.signPublic,
      session: session.signPublic,
      custodian: custodian.signPublic,
      state: 'approved',
      until: 99,
      path: 'relayed',
      at: 7,
    },
    custodian.signSeed,
  );
  const opened = openRecoveryNotice(notice.body, notice.sig);
  assert.deepEqual([opened.state, opened.path, opened.until], ['approved', 'relayed', 99]);
  // Passed on by a friend: the blob keeps the custodian's signature.
  const relayed = unpackSigned(packSigned(notice));
  assert.equal(openRecoveryNotice(relayed.body, relayed.sig).at, 7);
  // A notice "signed" by someone else than the custodian it names.
  const forged = signRecoveryNotice({ ...opened, custodian: custodian.signPublic }, owner.signSeed);
  assert.throws(() => openRecoveryNotice(forged.body, forged.sig), /signature does not verify/);

  const cancel = signRecoveryCancel(
    { owner: owner.signPublic, session: session.signPublic, at: 8 },
    owner.signSeed,
  );
  assert.equal(openRecoveryCancel(cancel.body, cancel.sig).at, 8);
  // A custodian cannot cancel in the owner's name, and a notice signature does not open as a cancel.
  const fake = signRecoveryCancel(
    { owner: owner.signPublic, session: session.signPublic, at: 8 },
    custodian.signSeed,
  );
  assert.throws(() => openRecoveryCancel(fake.body, fake.sig), /signature does not verify/);
  assert.throws(() => openRecoveryCancel(notice.body, notice.sig), TesseraError);

  const wire = decodeWatchMessage(encodeWatchMessage({ t: 'cancel', ...cancel }));
  assert.equal(wire.t, 'cancel');
  assert.equal(decodeWatchMessage(encodeWatchMessage({ t: 'ok' })).t, 'ok');
  assert.throws(() => decodeWatchMessage(encodeCanonical({ v: 1, t: 9 })), /unknown message type/);
  assert.throws(() => decodeWatchMessage(encodeCanonical({ v: 2, t: 1 })), /version/);
});
