/**
 * Figures for the adversarial suite. Each test file records what it tried (cases, kills, refusals, memory) and the
 * figures are printed as plain `[adversarial] file: name = value` lines when the file finishes, so a run's log
 * states what was proven and how hard it was tried.
 */
import { after } from 'node:test';

export const FULL = process.env.TESSERA_FULL === '1';

/** Picks the short or the full (TESSERA_FULL=1) figure. */
export function scale(short: number, full: number): number {
  return FULL ? full : short;
}

const figures = new Map<string, string | number>();
let registered = false;
let fileLabel = 'adversarial';

/** Names this file's report (call once at the top of a test file). */
export function reportFor(label: string): void {
  fileLabel = label;
  if (registered) return;
  registered = true;
  after(() => {
    const lines = [`[adversarial] ${fileLabel} (${FULL ? 'full' : 'short'} run)`];
    for (const [name, value] of figures) lines.push(`[adversarial] ${fileLabel}: ${name} = ${value}`);
    console.log(lines.join('\n'));
  });
}

/** Sets a figure (last write wins). */
export function figure(name: string, value: string | number): void {
  figures.set(name, value);
}

/** Adds to a numeric figure. */
export function count(name: string, by = 1): void {
  const prev = figures.get(name);
  figures.set(name, (typeof prev === 'number' ? prev : 0) + by);
}

/** Resident set size of a process in KiB (Linux /proc), or NaN when unavailable. */
export async function rssKiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
