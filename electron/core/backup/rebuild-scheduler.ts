/**
 * When the owner builds a new backup version: changes that come in a burst (an import, a settings screen, friends
 * connecting) make one version, built a moment after the last of them; builds run one at a time, so two never claim
 * the same version number; what the changes were is gathered and said with the version they make.
 */
import type { BackupClock } from './backup-context.ts';

/** A clock that can also run something later; tests drive a fake one (no real waiting). */
export interface TimerClock extends BackupClock {
  /** Runs `fn` after `ms`; returns what cancels it. A `background` timer does not keep the process alive. */
  setTimer(fn: () => void, ms: number, background?: boolean): () => void;
}

/** The clock's time with the process's timers. */
export function timersOf(clock: BackupClock): TimerClock {
  return {
    now: () => clock.now(),
    setTimer: (fn, ms, background = false) => {
      const handle = setTimeout(fn, ms);
      if (background) handle.unref();
      return () => clearTimeout(handle);
    },
  };
}

/** How long after the last change of a burst the version is built. */
export const REBUILD_DELAY_MS = 1_000;

export class RebuildScheduler {
  private readonly clock: TimerClock;
  private readonly build: () => Promise<void>;
  private readonly onError: (err: unknown) => void;
  private cancel: (() => void) | null = null;
  private due: number | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly reasons = new Set<string>();
  private closed = false;

  /** `build` makes one version; a scheduled build that throws is reported to `onError` (a build asked for with `now()` throws to its caller). */
  constructor(clock: TimerClock, build: () => Promise<void>, onError: (err: unknown) => void) {
    this.clock = clock;
    this.build = build;
    this.onError = onError;
  }

  /** Something changed (`reason` says what, in a few words): build `delayMs` after the last such call. */
  schedule(reason?: string, delayMs = REBUILD_DELAY_MS): void {
    if (this.closed) return;
    if (reason) this.reasons.add(reason);
    this.cancel?.();
    this.due = this.clock.now() + delayMs;
    this.cancel = this.clock.setTimer(() => {
      this.cancel = null;
      this.due = null;
      this.now().catch(this.onError);
    }, delayMs);
  }

  /** When the scheduled build runs, or null when none is scheduled. */
  dueAt(): number | null {
    return this.due;
  }

  /** Adds a reason to say with the next version without scheduling a build (the caller builds now). */
  note(reason: string): void {
    this.reasons.add(reason);
  }

  /** Builds now, after any build under way; resolves or rejects with this build. */
  now(): Promise<void> {
    const run = this.chain.then(() => this.build());
    this.chain = run.catch(() => {});
    return run;
  }

  /** The reasons gathered so far, handed to the build that will say them (cleared here). */
  takeReasons(): string[] {
    const taken = [...this.reasons];
    this.reasons.clear();
    return taken;
  }

  /** A build failed: its reasons are still to be said by the next version. */
  restoreReasons(reasons: readonly string[]): void {
    for (const reason of reasons) this.reasons.add(reason);
  }

  close(): void {
    this.closed = true;
    this.cancel?.();
    this.cancel = null;
    this.due = null;
  }
}
