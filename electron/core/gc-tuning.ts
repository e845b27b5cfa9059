/**
 * V8 garbage-collection settings for the long-running process (the tray app's main process, `tessera serve`).
 *
 * A backup moving through this process churns large ArrayBuffers: sealed chunks, 1 MiB frames, libp2p's decrypted
 * Noise frames (a few hundred MiB of them for every 100 MiB a custodian receives). V8 before 14.8 counts every byte
 * allocated in ArrayBuffers since the last mark-compact, dead or alive, and starts a full collection every few tens of
 * megabytes of them, many times for every backup a custodian receives. With
 * `--external-memory-accounted-in-global-limit` V8 counts what the buffers still hold, within the same limit as the
 * heap; a custodian then runs a few, and a re-share uses less CPU on both sides. The cost: dead buffers wait longer
 * for collection, so a process holds more memory during a transfer. Figures: docs/PERFORMANCE.md, "Fan-out".
 *
 * V8 14.8 made this the default and removed the flag (V8 513bb22991 and cf511a65ad, crbug 361124432); Node 24 runs
 * V8 13.6 and Electron 41 V8 14.6. So the flag is set where V8 is older than 14.8, at run time (a command-line flag
 * would be refused by a V8 that does not know it, and NODE_OPTIONS does not take V8 flags): V8 reads it whenever it
 * computes the next limit.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const FLAG = '--external-memory-accounted-in-global-limit';

/** Whether V8 `version` (as in process.versions.v8, e.g. "13.6.233.17-node.44") needs the flag: before 14.8. */
export function needsExternalMemoryFlag(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major < 14 || (major === 14 && minor < 8);
}

/**
 * Keeps V8's young generation (new space) at its initial size instead of letting it double under load.
 *
 * V8 grows the semi-spaces when much survives a scavenge (module loading at start does; loading 10,000 held owners
 * grew new space to 64 MiB) and shrinks them only in a collection that finds the allocation rate low, which an idle
 * process, allocating next to nothing, never runs: the grown space stayed resident for as long as the process idled
 * (~30 MiB of a serve's RSS; docs/PERFORMANCE.md, "Idle"). With the factor at 1 it never grows, so there is nothing
 * to give back. The cost is more scavenges under load, each of a small space: the first full backup, measured with
 * and without it, did not get slower (PERFORMANCE.md, "Idle"). Set before the first module of
 * the app or of its dependencies loads (electron/cli/entry.ts, electron/main/index.ts), since loading them is what
 * grows the space first. A V8 that refuses a factor below 2 leaves it at 2; QuietCollector then gives the space back.
 */
const YOUNG_GENERATION_FLAG = '--semi-space-growth-factor=1';

let tuned = false;

/** Sets the flags once per process: the external-memory flag where this V8 needs it, and the young generation's. */
export function tuneGarbageCollection(): void {
  if (tuned) return;
  tuned = true;
  if (needsExternalMemoryFlag(process.versions.v8)) setFlagsFromString(FLAG);
  setFlagsFromString(YOUNG_GENERATION_FLAG);
}

/** How often a process looks whether it is quiet with a grown young generation (QuietCollector). */
export const QUIET_MS = 30_000;
/**
 * Quiet: the event loop was busy for less than this share of the last QUIET_MS. A 10,000-owner custodian's dials
 * of offline friends keep it 0.5–1 % busy on a loaded machine; a deposit or a backup build, far more.
 */
export const QUIET_BUSY_SHARE = 0.05;
/** A young generation (new space) at least this large has grown past what an idle process needs. */
export const GROWN_NEW_SPACE_BYTES = 8 * 1024 * 1024;

/**
 * A full garbage collection when the process is quiet and its young generation has grown.
 *
 * V8 grows the young generation's semi-spaces under a high allocation rate (loading 10,000 held owners at start
 * grew them to 64 MiB) and shrinks them only in a collection that finds the allocation rate low. An idle process
 * allocates next to nothing, so no such collection comes and the grown space stays resident for as long as it idles:
 * ~30 MiB of a 10,000-owner custodian's RSS (docs/PERFORMANCE.md, "Idle"). Small periodic work (the mesh's dials)
 * grows it again slowly. So every `quietMs` the process looks (one unref'd timer; it reads the event loop's
 * utilization and V8's space sizes), and when its event loop was busy less than 5 % of that time and the young
 * generation is grown, it collects once (tens of ms). Busy, not grown, or not grown since a collection that did not
 * shrink it, it does nothing.
 */
export class QuietCollector {
  private readonly timer: ReturnType<typeof setInterval>;
  /** New space's size right after the last collection: one that did not shrink it is not repeated. */
  private afterLast = 0;

  constructor(
    options: {
      quietMs?: number;
      /** The young generation's size now (default: V8's new space). */
      newSpaceBytes?: () => number;
      collect?: () => void;
      /** The event loop's busy share since the last call (default: performance.eventLoopUtilization). */
      busyShare?: () => number;
    } = {},
  ) {
    const newSpace = options.newSpaceBytes ?? newSpaceBytes;
    const collect = options.collect ?? fullCollection;
    const busyShare = options.busyShare ?? eventLoopBusyShare();
    this.timer = setInterval(() => {
      const quiet = busyShare() < QUIET_BUSY_SHARE;
      const size = newSpace();
      // Not grown, or not grown since a collection that did not shrink it: collecting again would only cost CPU.
      if (!quiet || size < GROWN_NEW_SPACE_BYTES || size <= this.afterLast) return;
      collect();
      this.afterLast = newSpace();
    }, options.quietMs ?? QUIET_MS);
    // Never what keeps a process alive.
    this.timer.unref?.();
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** The event loop's utilization since the previous call (the first: since this was made). */
function eventLoopBusyShare(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

let gc: ((options?: { type: 'major'; flavor: 'last-resort' }) => void) | null = null;

/**
 * A full collection that reduces the heap's footprint. Node exposes `gc` only with --expose-gc at start; set at run
 * time, the flag gives `gc` to contexts made after it, so one is made to take it from, and the flag is cleared again
 * (worker threads and other contexts made later do not get it). A plain `gc()` shrinks new space only when V8 has
 * measured a low, non-zero allocation rate, which a process that allocates nothing has not: with it, an idle 0-friend
 * serve used 0.3 % of a core instead of 0.02 % (docs/PERFORMANCE.md, "Idle"). The "last-resort" flavour collects with V8's reduce-memory flag, which
 * shrinks it.
 */
function fullCollection(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    try {
      gc = runInNewContext('gc') as typeof gc;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  gc?.({ type: 'major', flavor: 'last-resort' });
}
