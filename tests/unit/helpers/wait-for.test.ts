import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WaitTimeoutError, waitFor, waitForOrNull } from '../../helpers/wait-for.ts';

test('waitFor resolves with the first truthy value, and a check that throws only means "not yet"', async () => {
  let calls = 0;
  const value = await waitFor(
    'the third call',
    () => {
      calls++;
      if (calls === 1) throw new Error('not up yet');
      return calls === 3 ? { calls } : null;
    },
    5_000,
    1,
  );
  assert.deepEqual(value, { calls: 3 });
  assert.equal(calls, 3);
});

test('a wait that runs out names what it waited for, how long, and the last error', async () => {
  const started = Date.now();
  const err = await waitFor(
    'Bob to hold a piece',
    () => {
      throw new Error('connection refused');
    },
    50,
    5,
  ).then(
    () => assert.fail('expected a timeout'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WaitTimeoutError);
  assert.ok(Date.now() - started >= 50);
  assert.equal(err.what, 'Bob to hold a piece');
  assert.equal(
    err.message,
    'timed out after 50 ms waiting for Bob to hold a piece (last error: Error: connection refused)',
  );
  assert.equal((err.cause as Error).message, 'connection refused');
  const quiet = await waitFor('nothing', () => false, 10, 2).catch((e: unknown) => e);
  assert.equal((quiet as Error).message, 'timed out after 10 ms waiting for nothing');
});

test('between checks it awaits the pause given, for example the next change event', async () => {
  const log: string[] = [];
  let n = 0;
  await waitFor(
    'two pauses',
    () => {
      log.push('check');
      return ++n === 3;
    },
    5_000,
    async () => {
      log.push('pause');
    },
  );
  assert.deepEqual(log, ['check', 'pause', 'check', 'pause', 'check']);
});

test('waitForOrNull gives null when the time runs out, and the value otherwise', async () => {
  assert.equal(await waitForOrNull('never', () => false, 10, 2), null);
  assert.equal(await waitForOrNull('at once', () => 'ready', 10, 2), 'ready');
});
