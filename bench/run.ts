/**
 * `npm run bench`: Tessera's performance figures (docs/PERFORMANCE.md), each beside a baseline from the same run.
 * Real `tessera serve` processes on loopback with temp data dirs, real crypto and SQLite. Prints a table and writes
 * bench/results.json. BENCH_ONLY=incremental,recovery,custodian,bulk,startup,items,idle runs a subset
 * (first-backup: the bulk section's first full backup alone) (the JSON is then not
 * written unless BENCH_WRITE=1); the other BENCH_* knobs are in each module.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { incremental } from './incremental.ts';
import { recovery } from './recovery.ts';
import { custodianScale } from './custodian-scale.ts';
import type { CustodianMeasures } from './custodian-scale.ts';
import { encryption, fanOut } from './bulk.ts';
import { startup } from './startup.ts';
import { idle } from './idle.ts';
import { items } from './items.ts';
import { log, machine } from './lib.ts';
import { BUILT_CLI, useServeEntry } from '../tests/helpers/serve-process.ts';
import type { Figure } from './lib.ts';

// Measure what people run: the built `tessera` (npm run bench builds first), not the TypeScript sources.
if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first.`);
useServeEntry(BUILT_CLI);

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (name: string) => !only || only.includes(name);
const started = performance.now();
const info = machine();
log(`machine: ${info.cpu}, ${info.cores} cores, Node ${info.node}, load ${info.loadBefore.join(' ')}`);

const results: Figure[] = [];
const failures: string[] = [];

async function section(name: string, run: () => Promise<Figure[]> | Figure[]): Promise<void> {
  if (!wanted(name)) return;
  const t0 = performance.now();
  log(`${name}…`);
  try {
    results.push(...(await run()));
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    failures.push(`${name}: ${message}`);
    log(`${name} FAILED: ${message}`);
  }
  log(`${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

let big: CustodianMeasures | null = null;
await section('incremental', incremental);
await section('recovery', recovery);
await section('custodian', async () => {
  const r = await custodianScale();
  big = r.big;
  return r.figures;
});
await section('bulk', async () => [...(await encryption()), ...(await fanOut())]);
// Only on request: the first full backup alone (the bulk section measures it too).
if (only?.includes('first-backup'))
  await section('first-backup', () => fanOut(Number(process.env.BENCH_FANOUT_RUNS ?? 0)));
await section('startup', () => startup(big));
await section('items', items);
// Last: its 60 s window wants the machine as quiet as the run can make it (BENCH_FULL=1 adds the 10-minute soak).
await section('idle', idle);

const totalS = (performance.now() - started) / 1000;
const fmt = (n: number | null, unit = '') =>
  n === null ? '—' : `${n.toLocaleString('en', { maximumFractionDigits: 2 })}${unit}`;
const rows = results.map((r) => [
  r.figure,
  fmt(r.value, ` ${r.unit}`),
  `${fmt(r.baselineValue, ` ${r.unit}`)} (${r.baseline})`,
  r.ratio === null ? '—' : `${r.ratio.toLocaleString('en', { maximumFractionDigits: 4 })}×`,
  r.target,
  r.met === null ? '—' : r.met ? 'yes' : 'NO',
]);
const header = ['Figure', 'Value', 'Baseline (same run)', 'Ratio', 'Target', 'Met'];
const widths = header.map((h, i) => Math.min(70, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(
  `\nTessera bench — ${info.cpu}, ${info.cores} cores, Node ${info.node}; load ${info.loadBefore.join(' ')}`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));
console.log(
  `\n${results.length} figures in ${totalS.toFixed(0)} s${failures.length ? `; ${failures.length} section(s) failed` : ''}`,
);

let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a checkout
}
if (!only || process.env.BENCH_WRITE === '1') {
  const out = {
    machine: {
      ...info,
      loadAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      commit,
      totalSeconds: Math.round(totalS),
    },
    results,
    failures,
  };
  writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  log('wrote bench/results.json');
}
if (failures.length > 0) process.exitCode = 1;
