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
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
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
 * and without it, did not get slower (PERFORMANCE.md, "Idle"). Set before the first module of the app or of its
 * dependencies loads (electron/cli/entry.ts, electron/main/index.ts), since loading them is what grows the space
 * first. A V8 that refuses a factor below 2 leaves it at 2; QuietCollector then gives the space back.
 * What the small space promotes early, QuietCollector collects once the process is quiet.
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

/** How often a process looks whether it is quiet with a grown heap (QuietCollector). */
export const QUIET_MS = 30_000;
/**
 * Quiet: the event loop was busy for less than this share of the last QUIET_MS. A 10,000-owner custodian's dials
 * of offline friends keep it 0.5–1 % busy on a loaded machine; a deposit or a backup build, far more.
 */
export const QUIET_BUSY_SHARE = 0.05;
/** A young generation (new space) at least this large has grown past what an idle process needs. */
export const GROWN_NEW_SPACE_BYTES = 8 * 1024 * 1024;
/**
 * The heap grew this much since the last collection here: worth one while quiet. V8 makes room for that much
 * garbage before its own collection, and keeps the pages after it: at 8 MiB a 20-friend custodian's RSS rose ~5 %
 * in a 10-minute soak of health checks and updates, at 4 MiB ~3 %, for one more ~60 ms collection every few minutes
 * of such traffic (docs/PERFORMANCE.md, "Idle").
 */
export const GROWN_HEAP_BYTES = 4 * 1024 * 1024;

/** Which collection a quiet process runs: `plain` (a full collection), `shrink` (one that also shrinks new space). */
export type QuietCollection = 'plain' | 'shrink';

/**
 * A full garbage collection when the process is quiet and its heap has grown since the last one here.
 *
 * With the young generation kept small (YOUNG_GENERATION_FLAG), much of what a burst of work allocates is promoted
 * to the old generation and stays there, dead, until a full collection, which an idle process, allocating next to
 * nothing, never gets: a 0-friend serve held ~10 MiB of start-up garbage for as long as it idled, and the soak's
 * RSS crept up between collections (docs/PERFORMANCE.md, "Idle"). So every `quietMs` the process looks (one unref'd
 * timer; it reads the event loop's utilization and V8's heap sizes), and when its event loop was busy less than 5 %
 * of that time and the heap has grown GROWN_HEAP_BYTES since the last collection here (or since start), it runs one
 * plain full collection (~60 ms of CPU for a 0-friend serve; it took its RSS from 120 to 110 MiB).
 *
 * Where the young generation grew anyway (a V8 that refuses a growth factor below 2), the collection is V8's
 * reduce-memory one, which also shrinks it (~110 ms on the main thread and more on V8's threads), and it is not
 * repeated until new space grows past what it left.
 */
export class QuietCollector {
  private readonly timer: ReturnType<typeof setInterval>;
  /** New space's size right after the last collection: one that did not shrink it is not repeated. */
  private newSpaceAfterLast = 0;
  /** The heap's used size right after the last collection here (0: none yet). */
  private heapAfterLast = 0;

  constructor(
    options: {
      quietMs?: number;
      /** The young generation's size now (default: V8's new space). */
      newSpaceBytes?: () => number;
      /** The heap's used size now (default: V8's used_heap_size). */
      heapBytes?: () => number;
      collect?: (kind: QuietCollection) => void;
      /** The event loop's busy share since the last call (default: performance.eventLoopUtilization). */
      busyShare?: () => number;
    } = {},
  ) {
    const newSpace = options.newSpaceBytes ?? newSpaceBytes;
    const heap = options.heapBytes ?? (() => getHeapStatistics().used_heap_size);
    const collect = options.collect ?? fullCollection;
    const busyShare = options.busyShare ?? eventLoopBusyShare();
    this.timer = setInterval(() => {
      if (busyShare() >= QUIET_BUSY_SHARE) return;
      const young = newSpace();
      // Grown since a collection that shrank it (or none yet): the reduce-memory collection.
      const kind: QuietCollection | null =
        young >= GROWN_NEW_SPACE_BYTES && young > this.newSpaceAfterLast
          ? 'shrink'
          : heap() - this.heapAfterLast >= GROWN_HEAP_BYTES
            ? 'plain'
            : null;
      if (!kind) return;
      collect(kind);
      this.newSpaceAfterLast = newSpace();
      this.heapAfterLast = heap();
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

let gc: ((options?: { type: 'major'; flavor?: 'last-resort' }) => void) | null = null;

/**
 * A full collection: `shrink` with V8's reduce-memory flag (the "last-resort" flavour), which also shrinks new space;
 * `plain` without it, which frees the old generation's dead objects at about half the cost. Node exposes `gc` only
 * with --expose-gc at start; set at run time, the flag gives `gc` to contexts made after it, so one is made to take
 * it from, and the flag is cleared again (worker threads and other contexts made later do not get it).
 */
function fullCollection(kind: QuietCollection): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    try {
      gc = runInNewContext('gc') as typeof gc;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  gc?.(kind === 'shrink' ? { type: 'major', flavor: 'last-resort' } : { type: 'major' });
}
