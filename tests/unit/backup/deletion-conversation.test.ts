/**
 * The owner's deletion request (electron/core/backup/deletion-conversation.ts) over an in-memory link, answered by
 * the real custodian service (which checks the signature and spends the nonce) and by scripted custodians.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  askToDelete,
  checkDeletionReceipt,
  deletionRequest,
} from '../../../electron/core/backup/deletion-conversation.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { counterRandom } from '../shared/helpers.ts';
import { scriptedCustodian } from './fake-link.ts';
import { realCustodian } from './real-custodian.ts';

const owner = generateIdentity(counterRandom(81));
const custodianKeys = generateIdentity(counterRandom(82));
const stranger = generateIdentity(counterRandom(83));
const OWNER = peerIdOf(owner.signPublic);
const CUSTODIAN = peerIdOf(custodianKeys.signPublic);
const SPLIT = new Uint8Array(16).fill(6);
const NOW = 1_700_000_000_000;

const cyril = (t: TestContext) =>
  realCustodian(t, { keys: custodianKeys, peerId: CUSTODIAN }, { peerId: OWNER, name: 'Olivia' }, NOW);
const expected = { custodian: CUSTODIAN, owner: owner.signPublic, split: SPLIT };
const request = (ended: boolean, signed = true, keys = owner) =>
  deletionRequest({ split: SPLIT, custodian: CUSTODIAN, ended, now: NOW, signed }, keys);

test('a signed request is accepted by the custodian, and its deletion receipt checks out', async (t) => {
  const custodian = cyril(t);
  const receipt = await custodian.talk((conv) => askToDelete(conv, request(false), 'Cyril'));
  assert.doesNotThrow(() => checkDeletionReceipt(receipt, expected, 'Cyril'));
  // The receipt is for this split only.
  assert.throws(
    () => checkDeletionReceipt(receipt, { ...expected, split: new Uint8Array(16) }, 'Cyril'),
    (err: unknown) => err instanceof TesseraError && err.code === 'VERIFICATION_FAILED',
  );
});

test('an `ended` request tells a custodian who had agreed to hold that they were removed as a friend', async (t) => {
  const custodian = cyril(t);
  custodian.store.putRequest({
    ownerPeerId: OWNER,
    threshold: 2,
    custodians: 3,
    nonce: new Uint8Array(32).fill(1),
    expiresAt: NOW + 60_000,
    state: 'accepted',
    createdAt: NOW - 1_000,
  });
  await custodian.talk((conv) => askToDelete(conv, request(true), 'Cyril'));
  assert.deepEqual(custodian.notices, ['Olivia removed you as a friend']);
  assert.equal(custodian.store.request(OWNER), null, 'nothing of theirs is kept, not even the consent');
});

test("a request signed by someone else, or sent twice, is refused with the custodian's reason", async (t) => {
  const custodian = cyril(t);
  await assert.rejects(
    custodian.talk((conv) => askToDelete(conv, request(false, true, stranger), 'Cyril')),
    (err: unknown) => {
      assert.ok(err instanceof RefusedError);
      assert.equal(err.message, 'Cyril refused: The deletion request is not signed by you.');
      return true;
    },
  );
  const once = request(false);
  await custodian.talk((conv) => askToDelete(conv, once, 'Cyril'));
  await assert.rejects(
    custodian.talk((conv) => askToDelete(conv, once, 'Cyril')),
    /Cyril refused: This request was already used \(replay\)\./,
  );
});

test('the unsigned form, for custodians that predate signed requests, carries no `ended` and no signature', () => {
  const unsigned = request(true, false);
  assert.deepEqual(Object.keys(unsigned).sort(), ['expires', 'nonce', 'split', 't']);
  const signed = request(true);
  assert.deepEqual(Object.keys(signed).sort(), ['ended', 'expires', 'nonce', 'sig', 'split', 't']);
  assert.equal(signed.expires, NOW + 10 * 60_000);
  assert.notDeepEqual(request(false).nonce, request(false).nonce, 'a fresh nonce each time');
});

test('a reply of the wrong step is malformed', async () => {
  const { conv } = scriptedCustodian(CUSTODIAN, () => [{ t: 'need', ids: [] }]);
  await assert.rejects(askToDelete(conv, request(false), 'Cyril'), MalformedDataError);
});
