/**
 * The new device's side of a remote recovery (PROTOCOL §11.7): it dials each custodian whose reply code the person
 * entered, at the addresses the reply names (direct, or through that custodian's friend relay), and keeps doing so
 * while that custodian's approval may still bring a piece: not yet delivered, withdrawn, stopped or rejected. Once
 * connected, the custodian opens the conversations; this only keeps a connection there. Out of reach, it tries again
 * every `retryMs`, doubling up to 5 minutes, and at once when the person enters the reply again.
 */
import type { SessionNode } from './session-node.ts';
import type { RecoverySessionStore } from './session-store.ts';

const MAX_BACKOFF_MS = 5 * 60_000;

interface Attempt {
  next: number;
  delay: number;
}

export class ReplyDialer {
  private readonly deps: {
    store: RecoverySessionStore;
    node: Pick<SessionNode, 'dial' | 'connected'>;
    retryMs: number;
    changed: () => void;
    log: (message: string) => void;
    now?: () => number;
  };
  private readonly attempts = new Map<string, Attempt>();
  private readonly dialing = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(deps: ReplyDialer['deps']) {
    this.deps = deps;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.tick(), this.deps.retryMs);
    this.timer.unref();
    this.tick();
  }

  /** The person entered this reply (again): dial now, whatever the back-off said. */
  poke(peerId: string): void {
    this.attempts.delete(peerId);
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Whether this custodian may still bring a piece (nothing delivered, nothing ended). */
  private stillNeeded(peerId: string): boolean {
    const sender = this.deps.store.sender(peerId);
    if (!sender) return true;
    if (sender.rejectedAt !== null || sender.ended !== null) return false;
    return !this.deps.store.pieceSenders().has(peerId);
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const reply of this.deps.store.replyPeers()) {
      const { peerId } = reply;
      if (this.dialing.has(peerId) || this.deps.node.connected(peerId) || !this.stillNeeded(peerId)) continue;
      const attempt = this.attempts.get(peerId);
      if (attempt && attempt.next > now) continue;
      this.dialing.add(peerId);
      this.deps.node
        .dial(peerId, reply.addresses)
        .then(() => {
          this.attempts.delete(peerId);
          this.deps.log(`recovery: connected to ${peerId} (${this.deps.node.connected(peerId) ?? 'gone'})`);
          this.deps.changed();
        })
        .catch((err: unknown) => {
          const delay = Math.min(MAX_BACKOFF_MS, attempt ? attempt.delay * 2 : this.deps.retryMs);
          this.attempts.set(peerId, { next: this.now() + delay, delay });
          this.deps.log(
            `recovery: could not reach ${peerId} (${err instanceof Error ? err.message : String(err)}); again in ${Math.round(delay / 1000)} s`,
          );
        })
        .finally(() => this.dialing.delete(peerId));
    }
  }
}
