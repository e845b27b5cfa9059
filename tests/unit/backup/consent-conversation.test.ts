/**
 * The owner's holding request (electron/core/backup/consent-conversation.ts) over an in-memory link, answered by the
 * real custodian service on a real SQLite store, and by a scripted custodian for the replies it would never send.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { askToHold } from '../../../electron/core/backup/consent-conversation.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { counterRandom } from '../shared/helpers.ts';
import { scriptedCustodian } from './fake-link.ts';
import { realCustodian } from './real-custodian.ts';
import type { RealCustodian } from './real-custodian.ts';

const owner = generateIdentity(counterRandom(61));
const custodianKeys = generateIdentity(counterRandom(62));
const OWNER = peerIdOf(owner.signPublic);
const CUSTODIAN = peerIdOf(custodianKeys.signPublic);
const NOW = 1_700_000_000_000;

const request = { threshold: 2, custodians: 3, nonce: new Uint8Array(32).fill(5), expires: NOW + 60_000 };

const cyril = (t: TestContext) =>
  realCustodian(t, { keys: custodianKeys, peerId: CUSTODIAN }, { peerId: OWNER, name: 'Olivia' }, NOW);

/** One holding request from the owner, served by the real custodian at the other end of the link. */
const ask = (custodian: RealCustodian) => custodian.talk((conv) => askToHold(conv, request, 'Cyril'));

test('a friend who has not decided yet says pending; asked again after accepting, accepted', async (t) => {
  const custodian = cyril(t);
  assert.equal(await ask(custodian), 'pending');
  assert.deepEqual(custodian.notices, ['A friend asks for your help'], 'the person is asked');
  custodian.service.answer(OWNER, true);
  assert.equal(await ask(custodian), 'accepted');
});

test('a friend who declined says so', async (t) => {
  const custodian = cyril(t);
  await ask(custodian);
  custodian.service.answer(OWNER, false);
  assert.equal(await ask(custodian), 'declined');
});

test('the request on the wire carries the split, the nonce and the expiry', async () => {
  const { conv, sent } = scriptedCustodian(CUSTODIAN, () => [{ t: 'hold-reply', state: 'pending' }]);
  assert.equal(await askToHold(conv, request, 'Cyril'), 'pending');
  assert.deepEqual(sent, [{ t: 'hold-request', ...request }]);
});

test('a refusal becomes RefusedError naming the friend and their reason', async () => {
  const { conv } = scriptedCustodian(CUSTODIAN, () => [{ t: 'refused', reason: 'We are not friends.' }]);
  await assert.rejects(askToHold(conv, request, 'Cyril'), (err: unknown) => {
    assert.ok(err instanceof RefusedError);
    assert.equal(err.message, 'Cyril refused: We are not friends.');
    return true;
  });
});

test('a reply of the wrong step, or bytes that are no message, is malformed', async () => {
  const wrongStep = scriptedCustodian(CUSTODIAN, () => [{ t: 'ack' }]);
  await assert.rejects(askToHold(wrongStep.conv, request, 'Cyril'), MalformedDataError);
  const garbage = scriptedCustodian(CUSTODIAN, () => [new Uint8Array([0xff, 0x00, 0x13])]);
  await assert.rejects(askToHold(garbage.conv, request, 'Cyril'), MalformedDataError);
});
