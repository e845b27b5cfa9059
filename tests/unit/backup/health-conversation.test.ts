/**
 * The owner's side of a health check (electron/core/backup/health-conversation.ts): the challenge over an in-memory
 * link, and what each kind of proof means for the custodian's row, with the real HMACs.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { askProof, judgeProof } from '../../../electron/core/backup/health-conversation.ts';
import type { Proof } from '../../../electron/core/backup/health-conversation.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { healthDataProof } from '../../../shared/protocol/health-proof.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { counterRandom } from '../shared/helpers.ts';
import { scriptedCustodian } from './fake-link.ts';
import { realCustodian } from './real-custodian.ts';

const owner = generateIdentity(counterRandom(91));
const custodianKeys = generateIdentity(counterRandom(92));
const OWNER = peerIdOf(owner.signPublic);
const CUSTODIAN = peerIdOf(custodianKeys.signPublic);
const NOW = 1_700_000_000_000;
const nonce = new Uint8Array(32).fill(3);
const envelope = new Uint8Array([4, 5, 6, 7]);
const sample = [
  { id: new Uint8Array(32).fill(1), data: new Uint8Array([10, 11]) },
  { id: new Uint8Array(32).fill(2), data: new Uint8Array([12]) },
];
const row = { sealedEnvelope: envelope, health: 'ok' as const };
const asked = { nonce, sample, legacy: false, name: 'Cyril', now: NOW };
const envelopeMac = hmac(sha256, nonce, envelope);
const proof = (patch: Partial<Proof> = {}): Proof => ({
  t: 'proof',
  held: true,
  version: 4,
  mac: envelopeMac,
  data: healthDataProof(nonce, sample),
  ...patch,
});

test('a custodian that proves the envelope and the chunks is ok, at the version it holds', () => {
  assert.deepEqual(judgeProof(row, proof(), asked), {
    health: 'ok',
    lastConfirmed: NOW,
    versionHeld: 4,
    lastError: null,
  });
});

test('a lost envelope (or a wrong MAC over it) is missing, and sent again', () => {
  for (const bad of [
    proof({ held: false }),
    proof({ mac: hmac(sha256, nonce, new Uint8Array([4, 5, 6])) }),
  ]) {
    assert.deepEqual(judgeProof(row, bad, asked), {
      health: 'missing',
      envelopeDelivered: false,
      versionHeld: null,
      lastError: 'Cyril no longer holds your piece; sending it again.',
    });
  }
});

test('chunks it cannot prove make a mismatch: the version goes again, whole', () => {
  const patch = judgeProof(row, proof({ data: healthDataProof(nonce, sample.slice(1)) }), asked);
  assert.equal(patch?.health, 'mismatch');
  assert.deepEqual([patch?.versionHeld, patch?.manifestHeld], [null, null]);
  assert.match(patch?.lastError ?? '', /a check of 2 chunks failed/);
  assert.equal(
    judgeProof(row, proof({ data: undefined }), asked)?.health,
    'mismatch',
    'no data proof at all',
  );
});

test('an older custodian asked without chunks proves the envelope only: not ok, and told to update', () => {
  const patch = judgeProof(row, proof({ data: undefined, version: 3 }), { ...asked, legacy: true });
  assert.deepEqual([patch?.health, patch?.versionHeld], [null, 3]);
  assert.match(patch?.lastError ?? '', /could not prove it holds your backup's data/);
});

test('only a new receipt clears a mismatch: a proof of the envelope alone changes nothing', () => {
  const unproven = { sealedEnvelope: envelope, health: 'mismatch' as const };
  assert.equal(judgeProof(unproven, proof({ data: undefined }), { ...asked, sample: null }), null);
  assert.equal(judgeProof(row, proof({ data: undefined }), { ...asked, sample: null })?.health, 'ok');
});

test('the challenge names the chunks; a custodian holding nothing of ours says so', async (t) => {
  const { conv, sent } = scriptedCustodian(CUSTODIAN, () => [proof()]);
  assert.deepEqual(
    await askProof(
      conv,
      nonce,
      sample.map((c) => c.id),
      'Cyril',
    ),
    proof(),
  );
  assert.deepEqual(sent, [{ t: 'challenge', nonce, chunks: sample.map((c) => c.id) }]);
  const custodian = realCustodian(
    t as TestContext,
    { keys: custodianKeys, peerId: CUSTODIAN },
    { peerId: OWNER, name: 'Olivia' },
    NOW,
  );
  const answer = await custodian.talk((c) => askProof(c, nonce, undefined, 'Cyril'));
  assert.equal(answer.held, false);
  assert.equal(judgeProof(row, answer, { ...asked, sample: null })?.health, 'missing');
});

test('a refusal is RefusedError; a reply of another step is malformed', async () => {
  const refused = scriptedCustodian(CUSTODIAN, () => [{ t: 'refused', reason: 'We are not friends.' }]);
  await assert.rejects(askProof(refused.conv, nonce, undefined, 'Cyril'), RefusedError);
  const wrong = scriptedCustodian(CUSTODIAN, () => [{ t: 'ack' }]);
  await assert.rejects(askProof(wrong.conv, nonce, undefined, 'Cyril'), MalformedDataError);
});
