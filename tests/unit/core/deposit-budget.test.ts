import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DepositBudget } from '../../../electron/core/backup/deposit-budget.ts';

/** Settles pending promise callbacks. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

test('deposits that fit run together; one that does not waits for room, in arrival order', async () => {
  const budget = new DepositBudget(100);
  const a = await budget.reserve(60);
  const b = await budget.reserve(40);
  assert.equal(budget.used, 100);

  const started: string[] = [];
  const c = budget.reserve(50).then((release) => (started.push('c'), release));
  const d = budget.reserve(10).then((release) => (started.push('d'), release));
  await tick();
  assert.deepEqual(started, [], 'no room: both wait, and the small one does not jump the queue');
  assert.equal(budget.queued, 2);

  a();
  await tick();
  assert.deepEqual(started, ['c', 'd'], '40 + 50 + 10 fit once 60 are given back');
  assert.equal(budget.used, 100);
  b();
  (await c)();
  (await d)();
  assert.equal(budget.used, 0);
});

test('a deposit larger than the whole budget runs when it is alone, and others wait for it', async () => {
  const budget = new DepositBudget(100);
  const big = await budget.reserve(500);
  assert.equal(budget.used, 500);
  let small = false;
  const next = budget.reserve(1).then((release) => ((small = true), release));
  await tick();
  assert.equal(small, false);
  big();
  big(); // giving back twice changes nothing
  await tick();
  assert.equal(small, true);
  (await next)();
  assert.equal(budget.used, 0);
  assert.equal(budget.queued, 0);
});
