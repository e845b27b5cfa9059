/** The custodian telling an owner its consent answer (electron/core/backup/answer-conversation.ts), over a fake link. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tellAnswer } from '../../../electron/core/backup/answer-conversation.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { scriptedCustodian } from './fake-link.ts';

const nonce = new Uint8Array(32).fill(2);

// scriptedCustodian scripts the far end of any backup conversation: here it plays the owner.
test('the answer goes with the nonce of the request it answers, and the owner acknowledges it', async () => {
  const { conv, sent } = scriptedCustodian('owner', () => [{ t: 'ack' }]);
  await tellAnswer(conv, { accepted: true, nonce });
  assert.deepEqual(sent, [{ t: 'hold-answer', accepted: true, nonce }]);
});

test('an owner that refuses, or answers out of step, leaves the answer undelivered', async () => {
  const refused = scriptedCustodian('owner', () => [{ t: 'refused', reason: 'No such request.' }]);
  await assert.rejects(tellAnswer(refused.conv, { accepted: false, nonce }), (err: unknown) => {
    assert.ok(err instanceof RefusedError);
    assert.equal(err.message, 'No such request.');
    return true;
  });
  const wrong = scriptedCustodian('owner', () => [{ t: 'hold-reply', state: 'accepted' }]);
  await assert.rejects(tellAnswer(wrong.conv, { accepted: true, nonce }), MalformedDataError);
});
