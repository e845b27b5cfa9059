/**
 * Child process for tests/unit/core/gc-tuning.test.ts: allocates short-lived objects beside a kept heap for a while,
 * as loading modules or 10,000 held owners does, and prints the size of V8's new space afterwards. With the argument
 * `tuned`, tuneGarbageCollection() runs first.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { tuneGarbageCollection } from '../../electron/core/gc-tuning.ts';

if (process.argv[2] === 'tuned') tuneGarbageCollection();
const kept: { id: string; values: number[] }[] = [];
for (let i = 0; i < 200_000; i++) kept.push({ id: `owner ${i}`, values: [i, i + 1, i + 2] });
let sink: unknown = null;
for (let i = 0; i < 3_000_000; i++) sink = { i, pair: [i, i + 1], text: `x${i}` };
const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
process.stdout.write(`${JSON.stringify({ newSpace, kept: kept.length, sink: sink !== null })}\n`);
