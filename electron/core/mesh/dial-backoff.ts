/**
 * When an absent friend is dialed again: after each failed dial in a row the wait doubles, from one mesh tick up to
 * DIAL_BACKOFF_MAX_TICKS ticks, and a connection either way starts it over. A friend who is away for days then costs
 * a dial every few minutes instead of every tick, and one who comes back is not missed: it dials its friends as it
 * starts, mDNS or identify bring a new address (dialed at once: friend-dialer.ts), and a back-off never outlasts the
 * cap.
 */

/** The longest wait between two dials of a friend who keeps failing, in mesh ticks (8 minutes at the app's 15 s). */
export const DIAL_BACKOFF_MAX_TICKS = 32;

export class DialBackoff {
  private readonly tickMs: number;
  /** Per friend: failed dials in a row, and the earliest time of the next. Absent: due now. */
  private readonly failed = new Map<string, { count: number; nextAt: number }>();

  constructor(tickMs: number) {
    this.tickMs = tickMs;
  }

  /** Whether `peerId` may be dialed at `now`. */
  due(peerId: string, now: number): boolean {
    const entry = this.failed.get(peerId);
    return !entry || entry.nextAt <= now;
  }

  /** A dial of `peerId` failed at `now`: the next waits twice as long as the last (one tick after the first). */
  failure(peerId: string, now: number): void {
    const count = (this.failed.get(peerId)?.count ?? 0) + 1;
    const ticks = Math.min(2 ** (count - 1), DIAL_BACKOFF_MAX_TICKS);
    this.failed.set(peerId, { count, nextAt: now + ticks * this.tickMs });
  }

  /** `peerId` is connected (either side dialed) or gone: its next dial, if any, may start at once. */
  clear(peerId: string): void {
    this.failed.delete(peerId);
  }

  /** Failed dials in a row of `peerId` (0 when due from the start). */
  failures(peerId: string): number {
    return this.failed.get(peerId)?.count ?? 0;
  }
}
