/**
 * Renders bench/results.json as a Markdown table. `node bench/report.ts --readme` replaces the block between
 * `<!-- bench:start -->` and `<!-- bench:end -->` in README.md (the Performance section) and nothing else, and formats
 * the file as the lint expects.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { Figure, Machine } from './lib.ts';

const results = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8')) as {
  machine: Machine & { commit: string; totalSeconds: number };
  results: Figure[];
};
const n = (v: number | null) =>
  v === null ? '—' : v.toLocaleString('en', { maximumFractionDigits: v >= 100 ? 0 : v >= 10 ? 1 : 2 });
const m = results.machine;
const lines = [
  `Measured ${m.date.slice(0, 10)} at ${m.commit || 'working tree'} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node.slice(1)}; load average ${m.loadBefore.join(' / ')} before and ${(m.loadAfter ?? []).join(' / ')} after (the machine was shared); ${m.totalSeconds} s in all.`,
  '',
  '| Figure | Value | Baseline (same run) | Ratio | Target | Met |',
  '| --- | --- | --- | --- | --- | --- |',
  ...results.results.map(
    (r) =>
      `| ${r.figure} | ${n(r.value)} ${r.unit} | ${n(r.baselineValue)} ${r.unit} — ${r.baseline} | ${r.ratio === null ? '—' : `${Number(r.ratio.toPrecision(3)).toLocaleString('en', { maximumSignificantDigits: 3 })}×`} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`,
  ),
];
const table = lines.join('\n');
if (process.argv.includes('--readme')) {
  const path = new URL('../README.md', import.meta.url);
  const readme = readFileSync(path, 'utf8');
  const start = readme.indexOf('<!-- bench:start -->');
  const end = readme.indexOf('<!-- bench:end -->');
  if (start < 0 || end < start) throw new Error('README.md has no bench block');
  const updated = `${readme.slice(0, start)}<!-- bench:start -->\n\n${table}\n\n${readme.slice(end)}`;
  // Formatted as `npm run lint` checks it (Prettier aligns the table's columns), so a refresh never fails the lint.
  const file = fileURLToPath(path);
  writeFileSync(path, await format(updated, { ...(await resolveConfig(file)), filepath: file }));
} else {
  console.log(table);
}
