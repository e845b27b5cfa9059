/** When versions are built (electron/core/backup/rebuild-scheduler.ts), driven by a fake clock: no real waiting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REBUILD_DELAY_MS, RebuildScheduler } from '../../../electron/core/backup/rebuild-scheduler.ts';
import type { TimerClock } from '../../../electron/core/backup/rebuild-scheduler.ts';
import { BuiltChunks, KEEP_BUILT_CHUNKS_MS } from '../../../electron/core/backup/built-chunks.ts';

/** A clock whose time moves only when the test says, running the timers that come due. */
class FakeClock implements TimerClock {
  time = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, running each timer that comes due in order, and lets promises settle. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const next = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
      await settle();
    }
    this.time = until;
    await settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A scheduler whose builds record the reasons they were given. */
function scheduler(clock: FakeClock, build?: (reasons: string[]) => Promise<void>) {
  const builds: string[][] = [];
  const errors: unknown[] = [];
  const s: RebuildScheduler = new RebuildScheduler(
    clock,
    async () => {
      const reasons = s.takeReasons();
      builds.push(reasons);
      try {
        await build?.(reasons);
      } catch (err) {
        s.restoreReasons(reasons);
        throw err;
      }
    },
    (err) => errors.push(err),
  );
  return { s, builds, errors };
}

test('changes in a burst make one build, a moment after the last of them, saying every reason', async () => {
  const clock = new FakeClock();
  const { s, builds } = scheduler(clock);
  s.schedule('items changed');
  await clock.advance(600);
  s.schedule('settings changed');
  assert.equal(s.dueAt(), clock.now() + REBUILD_DELAY_MS, 'the last change moves the build');
  await clock.advance(600);
  s.schedule('items changed');
  await clock.advance(REBUILD_DELAY_MS - 1);
  assert.deepEqual(builds, [], 'not while changes keep coming');
  await clock.advance(1);
  assert.deepEqual(builds, [['items changed', 'settings changed']]);
  assert.equal(s.dueAt(), null);
  assert.equal(clock.pending, 0);
});

test('a later change makes another build; a delay of its own is honoured', async () => {
  const clock = new FakeClock();
  const { s, builds } = scheduler(clock);
  s.schedule('items changed');
  await clock.advance(REBUILD_DELAY_MS);
  s.schedule('friends changed', 5_000);
  await clock.advance(4_999);
  assert.equal(builds.length, 1);
  await clock.advance(1);
  assert.deepEqual(builds, [['items changed'], ['friends changed']]);
});

test('builds run one at a time, in order, even when asked for while one is under way', async () => {
  const clock = new FakeClock();
  let running = 0;
  let most = 0;
  const gates: (() => void)[] = [];
  const { s, builds } = scheduler(clock, async () => {
    running++;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
  });
  s.note('a new backup key');
  const first = s.now();
  const second = s.now();
  await settle();
  assert.equal(gates.length, 1, 'the second waits for the first');
  gates.shift()!();
  await first;
  await settle();
  gates.shift()!();
  await second;
  assert.equal(most, 1);
  assert.deepEqual(builds, [['a new backup key'], []]);
});

test('a build that fails keeps its reasons for the next one, and a scheduled failure is reported', async () => {
  const clock = new FakeClock();
  let fail = true;
  const { s, builds, errors } = scheduler(clock, async () => {
    if (fail) throw new Error('locked out');
  });
  s.schedule('items changed');
  await clock.advance(REBUILD_DELAY_MS);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /locked out/);
  fail = false;
  s.schedule('settings changed');
  await clock.advance(REBUILD_DELAY_MS);
  assert.deepEqual(builds, [['items changed'], ['items changed', 'settings changed']]);
  // Asked for directly, the failure goes to the caller.
  fail = true;
  await assert.rejects(s.now(), /locked out/);
});

test('once closed nothing is scheduled and a pending build never runs', async () => {
  const clock = new FakeClock();
  const { s, builds } = scheduler(clock);
  s.schedule('items changed');
  s.close();
  assert.equal(clock.pending, 0);
  s.schedule('settings changed');
  await clock.advance(10 * REBUILD_DELAY_MS);
  assert.deepEqual(builds, []);
});

test("a build's chunks stay in memory for a minute at most, and a newer build restarts the minute", async () => {
  const clock = new FakeClock();
  const kept = new BuiltChunks(clock);
  kept.keep(new Map([['aa', new Uint8Array([1])]]));
  await clock.advance(KEEP_BUILT_CHUNKS_MS - 1);
  kept.keep(new Map([['bb', new Uint8Array([2])]]));
  assert.equal(kept.get('aa'), undefined, 'the newer build replaces the older');
  await clock.advance(KEEP_BUILT_CHUNKS_MS - 1);
  assert.deepEqual(kept.get('bb'), new Uint8Array([2]));
  await clock.advance(1);
  assert.equal(kept.held, false);
  assert.equal(clock.pending, 0);
});
