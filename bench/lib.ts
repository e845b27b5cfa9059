/** Shared pieces of the benchmarks: the result shape, statistics, the machine record, process helpers. */
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { sleep, startPeer } from '../tests/helpers/cluster.ts';
import { waitFor } from '../tests/helpers/wait-for.ts';
import type { Peer } from '../tests/helpers/cluster.ts';
import type { ServeOptions, ServeProcess } from '../tests/helpers/serve-process.ts';
import type { Topic } from '../shared/api/events.ts';

export interface Figure {
  figure: string;
  value: number | null;
  unit: string;
  baseline: string;
  baselineValue: number | null;
  /** value / baselineValue (see `ratioMeaning`). */
  ratio: number | null;
  target: string;
  met: boolean | null;
  /** How the figure was measured, and anything it is not. */
  note?: string;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadBefore: number[];
  loadAfter?: number[];
  date: string;
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: os.cpus() is fine
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadBefore: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export const MIB = 1024 * 1024;
export const KIB = 1024;

/** A figure with its ratio and target check filled in. */
export function figure(f: Omit<Figure, 'ratio' | 'met'> & { met: boolean | null }): Figure {
  const ratio =
    f.value !== null && f.baselineValue !== null && f.baselineValue !== 0 ? f.value / f.baselineValue : null;
  return {
    ...f,
    value: f.value === null ? null : round(f.value),
    baselineValue: f.baselineValue === null ? null : round(f.baselineValue),
    ratio: ratio === null ? null : round(ratio, 4),
  };
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Resident set size (and its peak) of a process, from /proc. */
export function rssOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux clock ticks: 100 a second). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Benchmarks run with the app's own deposit budget, not the tests' small one (FAST_MESH_ENV); empty: the default. */
export const APP_DEPOSIT_BUDGET_ENV = { TESSERA_DEPOSIT_BUDGET_MIB: '' };

/** Peers started by a benchmark, stopped at its end whatever happens. */
export class PeerGroup {
  readonly peers: Peer[] = [];

  async start(name: string, options: ServeOptions = {}): Promise<Peer> {
    const peer = await startPeer(name, {
      ...options,
      env: {
        TESSERA_RECONCILE_MS: '200',
        TESSERA_MESH_RETRY_MS: '200',
        ...APP_DEPOSIT_BUDGET_ENV,
        ...options.env,
      },
    });
    this.peers.push(peer);
    return peer;
  }

  /** Stops every peer and deletes its temp data dir. */
  async stopAll(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.serve.stop().catch(() => null)));
    for (const p of this.peers) rmSync(p.serve.dataDir, { recursive: true, force: true });
    this.peers.length = 0;
  }
}

export { sleep };

/** `waitFor`, polling fast (every `everyMs`). */
export function poll<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 120_000,
  everyMs = 25,
): Promise<T> {
  return waitFor(what, fn, timeoutMs, everyMs);
}

/**
 * A process's change events (`GET /api/events`, what the UI listens to), for waiting on a condition without loading
 * the process measured: polling backup.status took a large share of the CPU (the owner's and the bench's) from the
 * same two cores as the transfer being timed (docs/PERFORMANCE.md, "Fan-out").
 */
export interface ChangeWatch {
  /** Resolves with `fn`'s first truthy value, checking it now and at every change of the topic (and every second). */
  until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T>;
  close(): void;
}

export function watchChanges(serve: ServeProcess, topic: Topic): ChangeWatch {
  let changes = 0;
  let wake = () => {};
  const stop = serve.client.onEvent((event) => {
    if (event.type !== 'changed' || !event.topics.includes(topic)) return;
    changes++;
    wake();
  });
  return {
    until(what, fn, timeoutMs) {
      // A change that arrives while `fn` runs must not be missed: the next pause then ends at once.
      let seen = changes;
      const nextChange = () =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            wake = () => {};
            seen = changes;
            resolve();
          };
          const timer = setTimeout(done, 1000);
          if (changes !== seen) done();
          else wake = done;
        });
      return waitFor(what, fn, timeoutMs, nextChange);
    },
    close: stop,
  };
}
