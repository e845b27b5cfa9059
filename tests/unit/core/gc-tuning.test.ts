/**
 * electron/core/gc-tuning.ts: the external-memory flag is asked for only on V8 before 14.8, and with it a process that
 * churns large buffers beside a kept heap runs far fewer mark-compacts; the young generation does not grow under a
 * burst of allocation (both measured in child processes, each with its own V8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  GROWN_HEAP_BYTES,
  needsExternalMemoryFlag,
  QuietCollector,
} from '../../../electron/core/gc-tuning.ts';

const MIB = 1024 * 1024;

/** Runs tests/helpers/`helper` in a process of its own (its own V8) and returns the JSON line it prints. */
function child<T>(helper: string, mode: string): T {
  const path = join(import.meta.dirname, '..', '..', 'helpers', helper);
  return JSON.parse(execFileSync(process.execPath, [path, mode], { encoding: 'utf8' })) as T;
}

test('the external-memory flag is asked for on V8 before 14.8 only (it is the default from 14.8)', () => {
  for (const version of ['13.6.233.17-node.44', '14.6.202.31', '14.7.0', '12.4.254.21-node.33'])
    assert.equal(needsExternalMemoryFlag(version), true, version);
  for (const version of ['14.8.0', '14.10.1', '15.0.12'])
    assert.equal(needsExternalMemoryFlag(version), false, version);
});

test('with the tuning, 1 GiB of dropped 512 KiB buffers beside a kept heap costs a third of the mark-compacts or fewer', () => {
  const churn = (mode: string) => child<{ majors: number }>('gc-churn.ts', mode).majors;
  const plain = churn('plain');
  const tuned = churn('tuned');
  if (!needsExternalMemoryFlag(process.versions.v8)) {
    // A V8 that counts external memory this way by default: the tuning sets nothing and changes nothing.
    assert.ok(Math.abs(plain - tuned) <= 2, `plain ${plain}, tuned ${tuned}`);
    return;
  }
  // This churn makes an untuned V8 collect many times and a tuned one about once; the bounds leave room for noise.
  assert.ok(plain >= 4, `without the flag V8 should collect often here (ran ${plain})`);
  assert.ok(tuned * 3 <= plain, `with the flag: ${tuned} mark-compacts, against ${plain} without`);
});

test("with the tuning, V8's young generation stays at its first size under a burst of allocation", () => {
  const newSpace = (mode: string) => child<{ newSpace: number }>('young-generation.ts', mode).newSpace;
  const plain = newSpace('plain');
  const tuned = newSpace('tuned');
  // Untuned, V8 doubles the semi-spaces under this burst (to 16 MiB or more here); tuned, it never grows them.
  assert.ok(plain >= 8 * MIB, `without the flag new space should grow here (it is ${plain / MIB} MiB)`);
  assert.ok(
    tuned <= 2 * MIB,
    `with the flag new space is ${tuned / MIB} MiB, against ${plain / MIB} MiB without`,
  );
});

test('the quiet collector shrinks a grown young generation when the event loop was quiet, and never in vain twice', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const kinds: string[] = [];
  let size = 64 * MIB;
  let afterCollection = 1 * MIB;
  let busy = 0.5;
  const quiet = new QuietCollector({
    quietMs: 1000,
    newSpaceBytes: () => size,
    heapBytes: () => 0,
    collect: (kind) => {
      kinds.push(kind);
      size = afterCollection;
    },
    busyShare: () => busy,
  });
  t.mock.timers.tick(1000); // busy: nothing
  assert.deepEqual(kinds, []);
  busy = 0.001;
  t.mock.timers.tick(1000);
  assert.deepEqual(kinds, ['shrink']);
  // Not grown: nothing collected.
  t.mock.timers.tick(5000);
  assert.equal(kinds.length, 1);
  // Grown again: collected again.
  size = 8 * MIB;
  t.mock.timers.tick(1000);
  assert.equal(kinds.length, 2);
  // A collection that shrinks nothing is not repeated until new space grows past what it left.
  size = 16 * MIB;
  afterCollection = 16 * MIB;
  t.mock.timers.tick(1000);
  assert.equal(kinds.length, 3);
  t.mock.timers.tick(5000);
  assert.equal(kinds.length, 3);
  size = 32 * MIB;
  t.mock.timers.tick(1000);
  assert.deepEqual(kinds, ['shrink', 'shrink', 'shrink', 'shrink']);
  quiet.close();
  size = 64 * MIB;
  t.mock.timers.tick(5000);
  assert.equal(kinds.length, 4);
});

test('the quiet collector runs a plain full collection once the heap grew since its last, and only when quiet', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const kinds: string[] = [];
  let heap = 40 * MIB;
  let busy = 0.5;
  const quiet = new QuietCollector({
    quietMs: 1000,
    newSpaceBytes: () => 1 * MIB,
    heapBytes: () => heap,
    collect: (kind) => {
      kinds.push(kind);
      heap = 32 * MIB;
    },
    busyShare: () => busy,
  });
  t.mock.timers.tick(3000); // start-up's garbage, but busy: nothing
  assert.deepEqual(kinds, []);
  busy = 0.01;
  t.mock.timers.tick(1000);
  assert.deepEqual(kinds, ['plain']);
  heap = 32 * MIB + GROWN_HEAP_BYTES - 1; // grown less than GROWN_HEAP_BYTES since: nothing
  t.mock.timers.tick(5000);
  assert.equal(kinds.length, 1);
  heap = 32 * MIB + GROWN_HEAP_BYTES;
  busy = 0.2;
  t.mock.timers.tick(1000); // grown, but busy
  assert.equal(kinds.length, 1);
  busy = 0;
  t.mock.timers.tick(1000);
  assert.deepEqual(kinds, ['plain', 'plain']);
  quiet.close();
});

test("the quiet collector's own collection runs (a full collection, without --expose-gc)", () => {
  const quiet = new QuietCollector({ quietMs: 5, newSpaceBytes: () => 64 * 1024 * 1024, busyShare: () => 0 });
  return new Promise<void>((resolve) => {
    setTimeout(() => {
      quiet.close();
      assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
      resolve();
    }, 30);
  });
});
