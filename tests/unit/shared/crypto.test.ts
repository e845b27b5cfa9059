import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareBytes,
  equalBytes,
  fromBase58btc,
  fromBase64,
  fromHex,
  fromUtf8,
  sameBytes,
  toBase58btc,
  toHex,
  u64be,
} from '../../../shared/crypto/bytes.ts';
import { aeadOpenRandomNonce, aeadSealRandomNonce } from '../../../shared/crypto/aead.ts';
import { openSealed, sealTo } from '../../../shared/crypto/box.ts';
import { sasCode, sasCommit, sasCommitmentHolds } from '../../../shared/crypto/sas.ts';
import { DecryptionError, InvalidArgumentError, MalformedDataError } from '../../../shared/crypto/errors.ts';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { SIGN_CONTEXTS, signWithContext, verifyWithContext } from '../../../shared/crypto/sign.ts';
import { atOffset, counterRandom, fcRuns } from './helpers.ts';

test('byte helpers: equality, ordering, base58 leading zeros, strict decoders', () => {
  assert.ok(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(!equalBytes(new Uint8Array([1]), new Uint8Array([1, 0])));
  assert.ok(compareBytes(new Uint8Array([1]), new Uint8Array([1, 0])) < 0);
  assert.equal(toBase58btc(new Uint8Array([0, 0, 1])), '112');
  assert.deepEqual(fromBase58btc('112'), new Uint8Array([0, 0, 1]));
  assert.deepEqual(u64be(2 ** 40 + 5), new Uint8Array([0, 0, 1, 0, 0, 0, 0, 5]));
  assert.throws(() => fromBase64('AB=='), MalformedDataError); // non-canonical trailing bits
  assert.throws(() => fromUtf8(new Uint8Array([0xff])), MalformedDataError);
});

test('hex: lowercase out, either case in, anything else is a typed error', () => {
  assert.equal(toHex(new Uint8Array([0, 0x0f, 0xa0, 0xff])), '000fa0ff');
  assert.deepEqual(fromHex('000FA0ff'), new Uint8Array([0, 0x0f, 0xa0, 0xff]));
  assert.deepEqual(fromHex(''), new Uint8Array());
  for (const bad of ['0', '0x00', 'zz', 'ab cd', '12\u0661\u0662'])
    assert.throws(() => fromHex(bad), MalformedDataError, JSON.stringify(bad));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => assert.deepEqual(fromHex(toHex(b)), b)),
    { numRuns: fcRuns(200) },
  );
  // Short input (ids) and long input take different paths; both match Node's own hex.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) =>
      assert.equal(toHex(b), Buffer.from(b).toString('hex')),
    ),
    { numRuns: fcRuns(200) },
  );
});

test('sameBytes agrees with equalBytes, across its 4 KiB blocks and at any offset', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) =>
      assert.equal(sameBytes(a, b), equalBytes(a, b)),
    ),
    { numRuns: fcRuns(300) },
  );
  const big = counterRandom(11)(3 * 4096 + 17);
  for (const at of [0, 4095, 4096, 8191, 3 * 4096, big.length - 1]) {
    const other = Uint8Array.from(big);
    assert.ok(sameBytes(big, other));
    other[at]! ^= 1;
    assert.ok(!sameBytes(big, other), `a difference at byte ${at}`);
    // The same bytes seen through views that start elsewhere in their buffers.
    const shifted = new Uint8Array(other.length + 3);
    shifted.set(other, 3);
    assert.ok(!sameBytes(big, shifted.subarray(3)));
  }
  assert.ok(!sameBytes(big, big.subarray(1)));
  assert.ok(sameBytes(new Uint8Array(), new Uint8Array()));
});

test('sameBytes finds any one changed byte whatever the offsets of the two views (word and byte paths)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.nat(3),
      fc.nat(3),
      fc.nat(),
      (bytes, offsetA, offsetB, where) => {
        const a = atOffset(bytes, offsetA);
        const b = atOffset(bytes, offsetB);
        assert.ok(sameBytes(a, b));
        b[where % b.length]! ^= 0x80;
        assert.ok(!sameBytes(a, b), `offsets ${offsetA}/${offsetB}, byte ${where % b.length}`);
      },
    ),
    { numRuns: fcRuns(400) },
  );
  // Every byte of a large aligned pair: the first and last of each word and block.
  const big = counterRandom(12)(2 * 4096 + 13);
  for (const offset of [0, 1, 2, 3]) {
    const a = atOffset(big, offset);
    for (const i of [0, 1, 2, 3, 4, 4095, 4096, 4097, 8191, 8192, big.length - 2, big.length - 1]) {
      const b = atOffset(big, offset);
      b[i]! ^= 1;
      assert.ok(!sameBytes(a, b), `offset ${offset}, byte ${i}`);
    }
  }
});

test('signatures are bound to their context', () => {
  const id = generateIdentity(counterRandom(3));
  const msg = new Uint8Array([1, 2, 3]);
  const sig = signWithContext(SIGN_CONTEXTS.shardEnvelope, msg, id.signSeed);
  assert.ok(verifyWithContext(SIGN_CONTEXTS.shardEnvelope, msg, sig, id.signPublic));
  assert.ok(!verifyWithContext(SIGN_CONTEXTS.backupManifest, msg, sig, id.signPublic));
  assert.ok(!verifyWithContext(SIGN_CONTEXTS.shardEnvelope, new Uint8Array([1, 2, 4]), sig, id.signPublic));
  assert.ok(!verifyWithContext(SIGN_CONTEXTS.shardEnvelope, msg, sig.subarray(1), id.signPublic));
});

test('AEAD with random nonce: round-trip; wrong key, AAD or a flipped byte fail', () => {
  const key = counterRandom(4)(32);
  const sealed = aeadSealRandomNonce(key, new Uint8Array([9, 9]), new Uint8Array([1]), counterRandom(5));
  assert.deepEqual(aeadOpenRandomNonce(key, sealed, new Uint8Array([1]), 'x'), new Uint8Array([9, 9]));
  assert.throws(() => aeadOpenRandomNonce(key, sealed, new Uint8Array([2]), 'x'), DecryptionError);
  assert.throws(
    () => aeadOpenRandomNonce(counterRandom(6)(32), sealed, new Uint8Array([1]), 'x'),
    DecryptionError,
  );
  const flipped = Uint8Array.from(sealed);
  flipped[30]! ^= 4;
  assert.throws(() => aeadOpenRandomNonce(key, flipped, new Uint8Array([1]), 'x'), DecryptionError);
  assert.throws(() => aeadOpenRandomNonce(key, new Uint8Array(10), new Uint8Array(), 'x'), DecryptionError);
});

test('sealed box refuses low-order recipient keys and is deterministic given the ephemeral key', () => {
  assert.throws(() => sealTo(new Uint8Array(32), new Uint8Array([1]), 'c'), InvalidArgumentError);
  const r = generateIdentity(counterRandom(7));
  const a = sealTo(r.boxPublic, new Uint8Array([5]), 'c', counterRandom(8));
  const b = sealTo(r.boxPublic, new Uint8Array([5]), 'c', counterRandom(8));
  assert.deepEqual(a, b);
  assert.deepEqual(openSealed(r.boxSecret, r.boxPublic, a, 'c'), new Uint8Array([5]));
  // Opening with the right secret but claiming a different public key fails (both keys are bound).
  assert.throws(() => openSealed(r.boxSecret, generateIdentity().boxPublic, a, 'c'), DecryptionError);
});

test('SAS: six digits; a commitment holds only for its own nonce, keys and context', () => {
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
  fc.assert(
    fc.property(key, key, key, key, key, fc.string(), (kI, kR, nI, nR, other, ctx) => {
      const keys = { initiator: kI, responder: kR };
      assert.match(sasCode(ctx, keys, nI, nR), /^\d{6}$/);
      const c = sasCommit(ctx, keys, nR);
      assert.ok(sasCommitmentHolds(ctx, keys, c, nR));
      if (!equalBytes(other, nR)) assert.ok(!sasCommitmentHolds(ctx, keys, c, other));
      if (!equalBytes(kI, kR)) assert.ok(!sasCommitmentHolds(ctx, { initiator: kR, responder: kI }, c, nR));
      assert.ok(!sasCommitmentHolds(`${ctx}x`, keys, c, nR));
    }),
    { numRuns: fcRuns() },
  );
  const keys = { initiator: new Uint8Array(32).fill(1), responder: new Uint8Array(32).fill(2) };
  const nR = new Uint8Array(32).fill(3);
  const codes = new Set(
    Array.from({ length: 200 }, (_, i) => sasCode('pair', keys, new Uint8Array(32).fill(i), nR)),
  );
  assert.ok(codes.size >= 198); // each initiator nonce gives (almost always) another code
  assert.throws(() => sasCode('pair', keys, new Uint8Array(31), nR), /32 bytes/);
});
