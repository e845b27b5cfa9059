/**
 * Child process for tests/unit/core/gc-tuning.test.ts: keeps a ~40 MB heap, allocates 1 GiB in 512 KiB buffers it
 * drops at once (as a transfer does with frames), and prints the number of mark-compacts V8 ran meanwhile. With the
 * argument `tuned`, tuneGarbageCollection() runs first.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { tuneGarbageCollection } from '../../electron/core/gc-tuning.ts';

if (process.argv[2] === 'tuned') tuneGarbageCollection();
const kept: { id: number; name: string; data: number[] }[] = [];
for (let i = 0; i < 200_000; i++) kept.push({ id: i, name: `entry ${i}`, data: [i, i + 1, i + 2] });
let majors = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
      majors++;
});
observer.observe({ entryTypes: ['gc'] });
let sum = 0;
for (let i = 0; i < 2048; i++) {
  const frame = new Uint8Array(512 * 1024);
  frame[0] = 1;
  sum += frame[0]!;
  // Yield now and then, as a process receiving frames does, so GC observers and finalizers run.
  if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
}
await new Promise((resolve) => setImmediate(resolve));
observer.disconnect();
process.stdout.write(`${JSON.stringify({ majors, kept: kept.length, sum })}\n`);
