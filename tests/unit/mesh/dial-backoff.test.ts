/**
 * electron/core/mesh/dial-backoff.ts: an absent friend is dialed again after one tick, then two, four… up to the cap,
 * and a connection starts the count over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAL_BACKOFF_MAX_TICKS, DialBackoff } from '../../../electron/core/mesh/dial-backoff.ts';

const TICK = 15_000;

/** The waits between dials of a friend whose every dial fails, in ticks, dialing as soon as it is due. */
function waits(backoff: DialBackoff, peerId: string, dials: number): number[] {
  const out: number[] = [];
  let now = 0;
  for (let i = 0; i < dials; i++) {
    let t = now;
    while (!backoff.due(peerId, t)) t += TICK;
    if (i > 0) out.push((t - now) / TICK);
    backoff.failure(peerId, t);
    now = t;
  }
  return out;
}

test('a friend whose dials keep failing waits one tick, then twice as long each time, up to the cap', () => {
  const backoff = new DialBackoff(TICK);
  assert.equal(backoff.due('kim', 0), true, 'never dialed: due at once');
  assert.deepEqual(waits(backoff, 'kim', 9), [1, 2, 4, 8, 16, 32, 32, 32]);
  assert.equal(DIAL_BACKOFF_MAX_TICKS, 32);
  assert.equal(backoff.failures('kim'), 9);
});

test('a connection, or a friend removed, starts the back-off over; other friends keep theirs', () => {
  const backoff = new DialBackoff(TICK);
  for (let i = 0; i < 5; i++) backoff.failure('kim', 0);
  backoff.failure('rita', 0);
  assert.equal(backoff.due('kim', 15 * TICK), false);
  backoff.clear('kim');
  assert.equal(backoff.due('kim', 0), true);
  assert.equal(backoff.failures('kim'), 0);
  assert.equal(backoff.due('rita', TICK - 1), false);
  assert.equal(backoff.due('rita', TICK), true);
});
