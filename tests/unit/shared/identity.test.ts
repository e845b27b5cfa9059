import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import {
  checkIdentity,
  fingerprintOf,
  generateIdentity,
  identityFromSecrets,
  peerIdOf,
  signPublicFromPeerId,
  verifyBoxKey,
} from '../../../shared/crypto/identity.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { counterRandom } from './helpers.ts';

test('generateIdentity yields 32-byte keys and a valid box signature', () => {
  const id = generateIdentity();
  assert.equal(id.signSeed.length, 32);
  assert.equal(id.signPublic.length, 32);
  assert.equal(id.boxSecret.length, 32);
  assert.equal(id.boxPublic.length, 32);
  assert.equal(id.boxSignature.length, 64);
  assert.ok(verifyBoxKey(id.signPublic, id.boxPublic, id.boxSignature));
  assert.ok(checkIdentity(id));
});

test('generateIdentity is deterministic under injected randomness', () => {
  const a = generateIdentity(counterRandom(1));
  const b = generateIdentity(counterRandom(1));
  assert.deepEqual(a, b);
  assert.deepEqual(identityFromSecrets(a.signSeed, a.boxSecret), a);
});

test('verifyBoxKey rejects a box key not signed by the identity', () => {
  const a = generateIdentity();
  const b = generateIdentity();
  assert.equal(verifyBoxKey(a.signPublic, b.boxPublic, a.boxSignature), false);
  assert.equal(verifyBoxKey(b.signPublic, a.boxPublic, a.boxSignature), false);
  const flipped = Uint8Array.from(a.boxSignature);
  flipped[10]! ^= 1;
  assert.equal(verifyBoxKey(a.signPublic, a.boxPublic, flipped), false);
  assert.equal(verifyBoxKey(a.signPublic, a.boxPublic, new Uint8Array(3)), false);
  assert.equal(checkIdentity({ ...a, boxPublic: b.boxPublic }), false);
});

test('peerIdOf equals what libp2p computes, and round-trips', () => {
  for (let i = 0; i < 20; i++) {
    const id = generateIdentity();
    const expected = peerIdFromPublicKey(publicKeyFromRaw(id.signPublic)).toString();
    const got = peerIdOf(id.signPublic);
    assert.equal(got, expected);
    assert.ok(got.startsWith('12D3KooW'));
    assert.deepEqual(signPublicFromPeerId(got), id.signPublic);
  }
  assert.throws(
    () => signPublicFromPeerId('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'),
    MalformedDataError,
  );
  assert.throws(() => signPublicFromPeerId('0OIl'), MalformedDataError);
  assert.throws(() => peerIdOf(new Uint8Array(31)), MalformedDataError);
});

test('fingerprintOf gives six groups of five digits, distinct per key', () => {
  const a = generateIdentity();
  const b = generateIdentity();
  const fa = fingerprintOf(a.signPublic);
  assert.match(fa, /^\d{5}( \d{5}){5}$/);
  assert.equal(fingerprintOf(a.signPublic), fa);
  assert.notEqual(fingerprintOf(b.signPublic), fa);
});
