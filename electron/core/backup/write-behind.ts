/**
 * Writes a pack file's appended bytes to disk in the background while a deposit is still arriving, so that the
 * fdatasync before the commit (PackWriter.persist) has only the last few MiB left instead of the whole deposit.
 * Without it, five custodians that finish a first backup together each flush ~100 MiB at the same moment, with the
 * disk as the last receipt's bottleneck (docs/PERFORMANCE.md, "Bulk: the first full backup").
 *
 * The flushes go through a second open file description, never the writer's. Linux reports a failed write-back once
 * to each open file description (errseq_t, since Linux 4.13; Documentation/filesystems/vfs.rst, "Handling errors
 * during writeback"): a background flush through the writer's own descriptor could take that report, and the
 * fdatasync before the commit would then succeed over lost data. Through a description of its own it takes only its
 * own copy, so its result can be ignored: the writer's fdatasync still reports the failure and the deposit does not
 * commit. Other systems make no such promise, so there it does nothing.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';

/** Bytes appended since the last background flush started after which the next one starts. */
export const WRITE_BEHIND_BYTES = 8 * 1024 * 1024;

export class WriteBehind {
  private fd: number | null;
  private readonly every: number;
  private inFlight = false;
  private closing = false;
  private startedAt = 0;
  /** Background flushes started (for tests). */
  started = 0;
  /** Background flushes that returned an error (for tests: their result is otherwise ignored, see above). */
  failed = 0;

  private constructor(fd: number, every: number) {
    this.fd = fd;
    this.every = every;
  }

  /** A write-behind for the file at `path`, or null where it would not be safe (see above). */
  static open(path: string, every = WRITE_BEHIND_BYTES, platform = process.platform): WriteBehind | null {
    if (platform !== 'linux') return null;
    return new WriteBehind(openSync(path, 'r'), every);
  }

  /** The writer has appended up to `written` bytes: start a flush if enough is new and none is running. */
  nudge(written: number): void {
    if (this.fd === null || this.closing || this.inFlight || written - this.startedAt < this.every) return;
    this.inFlight = true;
    this.startedAt = written;
    this.started++;
    // The result is ignored on purpose: the writer's own fdatasync reports any failure (see above).
    fdatasync(this.fd, (err) => {
      if (err) this.failed++;
      this.inFlight = false;
      if (this.closing) this.closeNow();
    });
  }

  /** Closes the descriptor, once the flush running (if any) has returned. */
  close(): void {
    this.closing = true;
    if (!this.inFlight) this.closeNow();
  }

  /** Whether a flush is running (for tests). */
  get flushing(): boolean {
    return this.inFlight;
  }

  /** Whether the descriptor is closed (for tests). */
  get closed(): boolean {
    return this.fd === null;
  }

  private closeNow(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
