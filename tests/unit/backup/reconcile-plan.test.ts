/** The reconcile planner (electron/core/backup/reconcile-plan.ts): rows, version and time in, tasks out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../shared/crypto/bytes.ts';
import {
  planHealthChecks,
  planReconcile,
  pushesSettled,
} from '../../../electron/core/backup/reconcile-plan.ts';
import type { PlanInput, ReconcileTask } from '../../../electron/core/backup/reconcile-plan.ts';
import { NOW, OLD_SPLIT, SPLIT, custodian } from './rows.ts';

const HELD_MANIFEST = new Uint8Array(32).fill(3);

/** Version 4 of SPLIT is current; 2 of 3 pieces needed; everyone still a friend; no backoff. */
function input(patch: Partial<PlanInput> = {}): PlanInput {
  return {
    now: NOW,
    split: { splitId: SPLIT, threshold: 2 },
    custodians: [],
    retiring: [],
    current: { version: 4, splitId: SPLIT, hasManifest: true },
    friends: new Set(['ann', 'bob', 'cat', 'dan']),
    deltaBases: new Set([toHex(HELD_MANIFEST)]),
    notBefore: new Map(),
    ...patch,
  };
}

/** Tasks as `kind peer` strings (plus `ended` for deletions), the order kept. */
const summary = (tasks: ReconcileTask[]) =>
  tasks.map((t) => `${t.t} ${t.peerId}${t.t === 'forget' && t.ended ? ' ended' : ''}`);

test('a new custodian that has not answered yet is asked for consent, nothing else', () => {
  const tasks = planReconcile(
    input({
      custodians: [
        custodian('ann', {
          state: 'requested',
          envelopeDelivered: false,
          versionHeld: null,
          manifestHeld: null,
        }),
      ],
    }),
  );
  assert.deepEqual(summary(tasks), ['ask-consent ann']);
});

test('an accepted custodian without the envelope gets the version whole (the deposit carries the envelope)', () => {
  const row = custodian('ann', { envelopeDelivered: false, versionHeld: null, manifestHeld: null });
  const tasks = planReconcile(input({ custodians: [row] }));
  assert.deepEqual(summary(tasks), ['send-whole ann']);
  assert.equal(
    tasks[0]!.t === 'send-whole' && tasks[0]!.row,
    row,
    'the task carries the row it was planned on',
  );
});

test('a custodian one version behind gets edits to the manifest it holds, when that manifest is still known', () => {
  assert.deepEqual(summary(planReconcile(input({ custodians: [custodian('ann')] }))), ['send-delta ann']);
  // After a restart the owner no longer has the manifest they hold: the version goes whole.
  assert.deepEqual(summary(planReconcile(input({ custodians: [custodian('ann')], deltaBases: new Set() }))), [
    'send-whole ann',
  ]);
  // A failed data proof forgot the manifest they hold (health "mismatch"): whole again.
  const mismatch = custodian('ann', { health: 'mismatch', versionHeld: null, manifestHeld: null });
  assert.deepEqual(summary(planReconcile(input({ custodians: [mismatch] }))), ['send-whole ann']);
});

test('a custodian holding the current version is owed nothing', () => {
  const tasks = planReconcile(input({ custodians: [custodian('ann', { versionHeld: 4 })] }));
  assert.deepEqual(tasks, []);
});

test('nothing is pushed before a version of the active split exists', () => {
  const rows = [custodian('ann', { envelopeDelivered: false, versionHeld: null })];
  assert.deepEqual(
    planReconcile(input({ custodians: rows, current: { version: 0, splitId: null, hasManifest: false } })),
    [],
  );
  // The stored version belongs to the retired split (a re-share whose first build has not run yet).
  assert.deepEqual(
    planReconcile(
      input({ custodians: rows, current: { version: 4, splitId: OLD_SPLIT, hasManifest: true } }),
    ),
    [],
  );
});

test('consent pending: the next question waits for the poll; an expired request or a refusal is not asked again', () => {
  const pending = custodian('ann', { state: 'requested', envelopeDelivered: false, versionHeld: null });
  const tasks = planReconcile(input({ custodians: [pending], notBefore: new Map([['ann', NOW + 60_000]]) }));
  assert.deepEqual(tasks, [{ t: 'wait', peerId: 'ann', until: NOW + 60_000, owed: 'consent' }]);
  // The poll is over: asked again.
  assert.deepEqual(
    summary(planReconcile(input({ custodians: [pending], notBefore: new Map([['ann', NOW]]) }))),
    ['ask-consent ann'],
  );
  const expired = { ...pending, requestExpires: NOW };
  const declined = custodian('bob', { state: 'declined', envelopeDelivered: false, versionHeld: null });
  assert.deepEqual(planReconcile(input({ custodians: [expired, declined] })), []);
});

test('a custodian backing off after a failure waits; the others go ahead', () => {
  const tasks = planReconcile(
    input({
      custodians: [custodian('ann'), custodian('bob')],
      notBefore: new Map([['ann', NOW + 2_000]]),
    }),
  );
  assert.deepEqual(summary(tasks), ['wait ann', 'send-delta bob']);
  assert.deepEqual(tasks[0], { t: 'wait', peerId: 'ann', until: NOW + 2_000, owed: 'version' });
});

test('old pieces are forgotten only once the new split can recover the vault on its own', () => {
  const old = custodian('dan', { splitId: OLD_SPLIT, state: 'removing' });
  const notYet = planReconcile(
    input({
      custodians: [custodian('ann', { versionHeld: 4 }), custodian('bob', { envelopeDelivered: false })],
      retiring: [old],
    }),
  );
  assert.deepEqual(notYet.at(-1), { t: 'wait', peerId: 'dan', until: null, owed: 'deletion' });
  const ready = planReconcile(
    input({
      custodians: [custodian('ann', { versionHeld: 4 }), custodian('bob', { versionHeld: 4 })],
      retiring: [old],
    }),
  );
  assert.deepEqual(summary(ready), ['forget dan']);
  // A piece that failed a data proof does not count towards the threshold.
  const unproven = planReconcile(
    input({
      custodians: [
        custodian('ann', { versionHeld: 4 }),
        custodian('bob', { health: 'mismatch', manifestHeld: null }),
      ],
      retiring: [old],
    }),
  );
  assert.deepEqual(summary(unproven), ['send-whole bob', 'wait dan']);
});

test('a removed friend is asked to forget at once, told why, whatever the new split has reached', () => {
  const removed = custodian('eve', { state: 'removing' });
  const tasks = planReconcile(
    input({ custodians: [custodian('ann', { envelopeDelivered: false })], retiring: [removed] }),
  );
  assert.deepEqual(summary(tasks), ['send-whole ann', 'forget eve ended']);
});

test('with no active split (every split retired) old pieces are forgotten at once', () => {
  const tasks = planReconcile(
    input({ split: null, retiring: [custodian('ann', { splitId: OLD_SPLIT, state: 'removing' })] }),
  );
  assert.deepEqual(summary(tasks), ['forget ann']);
});

test('a peer both owed a version and a deletion of an old piece gets both, in that order', () => {
  const tasks = planReconcile(
    input({
      split: { splitId: SPLIT, threshold: 1 },
      custodians: [custodian('ann', { versionHeld: 4 }), custodian('bob')],
      retiring: [custodian('bob', { splitId: OLD_SPLIT, state: 'removing' })],
    }),
  );
  assert.deepEqual(summary(tasks), ['send-delta bob', 'forget bob']);
});

test('health checks: every custodian holding the envelope; chunks only of those that confirmed the current version', () => {
  const checks = planHealthChecks({
    custodians: [
      custodian('ann', { versionHeld: 4 }),
      custodian('bob'),
      custodian('cat', { envelopeDelivered: false }),
      custodian('dan', { state: 'requested', envelopeDelivered: false }),
    ],
    currentVersion: 4,
  });
  assert.deepEqual(
    checks.map((c) => [c.peerId, c.withChunks]),
    [
      ['ann', true],
      ['bob', false],
    ],
  );
});

test('pushes are settled when every custodian has the version, declined, or let the request expire', () => {
  const base = {
    now: NOW,
    split: { splitId: SPLIT },
    current: { version: 4, splitId: SPLIT, hasManifest: true },
  };
  const declined = custodian('bob', { state: 'declined', envelopeDelivered: false });
  const asked = custodian('cat', { state: 'requested', envelopeDelivered: false });
  assert.equal(
    pushesSettled({ ...base, custodians: [custodian('ann', { versionHeld: 4 }), declined] }),
    true,
  );
  assert.equal(pushesSettled({ ...base, custodians: [custodian('ann'), declined] }), false, 'ann is behind');
  assert.equal(pushesSettled({ ...base, custodians: [asked] }), false, 'cat may still accept');
  assert.equal(pushesSettled({ ...base, custodians: [{ ...asked, requestExpires: NOW }] }), true);
  assert.equal(pushesSettled({ ...base, split: null, custodians: [custodian('ann')] }), true);
});
