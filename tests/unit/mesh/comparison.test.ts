/**
 * The code comparison (PROTOCOL §6.4, §8.5) and the recovery hello (§11.3) between two ends of an in-memory link:
 * honest ends agree on the code; an end in the middle that tries to choose its nonce after seeing the other's (the
 * grinding attack the commitment exists to stop) is caught, and nothing is accepted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { sasCommit } from '../../../shared/crypto/sas.ts';
import {
  decodeVerifyMessage,
  encodeVerifyMessage,
  VERIFY_SAS_CONTEXT,
} from '../../../shared/protocol/verify.ts';
import {
  decodeRecoveryMessage,
  encodeRecoveryMessage,
  RECOVERY_SAS_CONTEXT,
} from '../../../shared/protocol/recovery.ts';
import {
  BrokenCommitmentError,
  compareAsInitiator,
  compareAsResponder,
  ResponderBudget,
  RESPONDER_RUNS_PER_DAY,
} from '../../../electron/core/mesh/comparison.ts';
import { CommitmentMismatchError, sayHello } from '../../../electron/core/recovery/custodian-protocol.ts';
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';

/** Two ends of one in-memory link: what one sends, the other receives, in order. */
function link(): [Conversation, Conversation] {
  const inboxes: Uint8Array[][] = [[], []];
  const waiting: ((m: Uint8Array) => void)[][] = [[], []];
  const deliver = (to: number, m: Uint8Array) => {
    const w = waiting[to]!.shift();
    if (w) w(m);
    else inboxes[to]!.push(m);
  };
  const end = (me: number): Conversation => ({
    remotePeer: 'peer',
    signal: new AbortController().signal,
    send: async (message) => deliver(1 - me, message),
    receive: () =>
      new Promise<Uint8Array>((resolve) => {
        const next = inboxes[me]!.shift();
        if (next) resolve(next);
        else waiting[me]!.push(resolve);
      }),
    close: async () => {},
    abort: () => {},
  });
  return [end(0), end(1)];
}

const alice = generateIdentity();
const bob = generateIdentity();
const keys = { initiator: alice.signPublic, responder: bob.signPublic };

test('honest ends of a comparison show the same six digits', async () => {
  const [i, r] = link();
  const [codeI, codeR] = await Promise.all([compareAsInitiator(i, keys), compareAsResponder(r, keys, null)]);
  assert.match(codeI, /^\d{6}$/);
  assert.equal(codeI, codeR);
});

test('a responder that reveals another nonce than it committed to is caught; no code comes out', async () => {
  const [i, r] = link();
  const cheat = (async () => {
    decodeVerifyMessage(await r.receive());
    await r.send(encodeVerifyMessage({ t: 2, c: sasCommit(VERIFY_SAS_CONTEXT, keys, new Uint8Array(32)) }));
    decodeVerifyMessage(await r.receive()); // sees nI, and would now like to pick nR to hit a chosen code
    await r.send(encodeVerifyMessage({ t: 4, n: new Uint8Array(randomBytes(32)) }));
  })();
  await assert.rejects(compareAsInitiator(i, keys), BrokenCommitmentError);
  await cheat;
});

test('a refusing responder says why, and the initiator reports it', async () => {
  const [i, r] = link();
  const [result] = await Promise.allSettled([
    compareAsInitiator(i, keys),
    compareAsResponder(r, keys, 'too many comparisons today'),
  ]);
  assert.equal(result.status, 'rejected');
  assert.match(String((result as PromiseRejectedResult).reason), /too many comparisons today/);
});

test('a recovery session that breaks its commitment gets nothing: the custodian stops at the hello', async () => {
  const [c, s] = link();
  const sessionKeys = { initiator: alice.signPublic, responder: bob.signPublic };
  const session = (async () => {
    decodeRecoveryMessage(await s.receive());
    await s.send(
      encodeRecoveryMessage({
        t: 'commit',
        c: sasCommit(RECOVERY_SAS_CONTEXT, sessionKeys, new Uint8Array(32)),
      }),
    );
    decodeRecoveryMessage(await s.receive());
    await s.send(encodeRecoveryMessage({ t: 'reveal', n: new Uint8Array(32).fill(1) }));
  })();
  await assert.rejects(sayHello(c, new Uint8Array(32), 'Ana', sessionKeys), CommitmentMismatchError);
  await session;
});

test(`a device answers at most ${RESPONDER_RUNS_PER_DAY} comparisons per friend a day`, () => {
  let now = 0;
  const budget = new ResponderBudget(() => now);
  for (let n = 0; n < RESPONDER_RUNS_PER_DAY; n++) assert.ok(budget.take('friend'));
  assert.equal(budget.take('friend'), false);
  assert.ok(budget.take('another friend'), 'per friend');
  now += 24 * 60 * 60_000;
  assert.ok(budget.take('friend'), 'a day later');
});
