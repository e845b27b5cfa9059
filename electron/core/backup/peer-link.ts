import type { Conversation } from '../mesh/rpc.ts';

/** How backup flows reach a friend: a conversation on the backup protocol with their pinned peer ID. */
export interface PeerLink {
  open(peerId: string): Promise<Conversation>;
}

/** Exponential backoff per peer, reset when the peer connects or a delivery succeeds. */
export class Backoff {
  private readonly entries = new Map<string, { failures: number; nextAt: number }>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(baseMs = 2_000, maxMs = 5 * 60_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  due(peerId: string, now: number): boolean {
    const entry = this.entries.get(peerId);
    return !entry || entry.nextAt <= now;
  }

  failed(peerId: string, now: number): number {
    const failures = (this.entries.get(peerId)?.failures ?? 0) + 1;
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** (failures - 1));
    this.entries.set(peerId, { failures, nextAt: now + delay });
    return delay;
  }

  /** Not a failure, but nothing to do for a while (e.g. waiting for a person's consent). */
  wait(peerId: string, now: number, ms: number): void {
    this.entries.set(peerId, { failures: 0, nextAt: now + ms });
  }

  /** When each peer backing off may be tried again (the reconcile planner's `notBefore`). */
  snapshot(): ReadonlyMap<string, number> {
    return new Map([...this.entries].map(([peerId, entry]) => [peerId, entry.nextAt]));
  }

  reset(peerId: string): void {
    this.entries.delete(peerId);
  }
}
