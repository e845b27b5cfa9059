/**
 * The chunks of the version built last, kept in memory for the pushes right after the build (every custodian,
 * side by side) so they read memory rather than SQLite. Let go once every custodian has the version, and at most
 * `keepMs` after the build (a custodian that is offline then reads them from SQLite later).
 */
import type { TimerClock } from './rebuild-scheduler.ts';

export const KEEP_BUILT_CHUNKS_MS = 60_000;

export class BuiltChunks {
  private chunks: Map<string, Uint8Array> | null = null;
  private cancel: (() => void) | null = null;
  private readonly timers: TimerClock;
  private readonly keepMs: number;

  constructor(timers: TimerClock, keepMs = KEEP_BUILT_CHUNKS_MS) {
    this.timers = timers;
    this.keepMs = keepMs;
  }

  /** A new build's chunks (hex id → bytes), replacing the previous build's. */
  keep(chunks: Map<string, Uint8Array>): void {
    this.chunks = chunks;
    this.cancel?.();
    this.cancel = this.timers.setTimer(() => this.drop(), this.keepMs, true);
  }

  get(idHex: string): Uint8Array | undefined {
    return this.chunks?.get(idHex);
  }

  get held(): boolean {
    return this.chunks !== null;
  }

  drop(): void {
    this.chunks = null;
  }

  close(): void {
    this.cancel?.();
    this.cancel = null;
    this.chunks = null;
  }
}
