/**
 * What this run has seen of each friend's Tessera (PROTOCOL §13.3): the protocols their device listed in libp2p's
 * identify and the Tessera protocols a negotiation with them failed on. Kept in memory only: identify runs again
 * on every connection, so a friend who updated is seen as such once they are back.
 *
 * It only changes what the person is told ("NAME needs to update Tessera", shared/needs-update.ts), never what is
 * accepted: the gate, the code comparison and every check run as before whatever a peer claims.
 */
import { classifyEvidence } from '../../../shared/needs-update.ts';
import type { Lack, UpdateEvidence } from '../../../shared/needs-update.ts';

/** What other layers read (backup, recovery): what a friend's device cannot do, as far as this run has seen. */
export interface FriendVersionsView {
  lacks(peerId: string): ReadonlySet<Lack>;
}

/** Peers remembered at most (the gate admits only friends and pairings, so this bounds a hostile flood anyway). */
const MAX_PEERS = 1024;

export class FriendVersions implements FriendVersionsView {
  private readonly seen = new Map<string, UpdateEvidence[]>();
  private readonly changed: (peerId: string) => void;

  constructor(changed: (peerId: string) => void = () => {}) {
    this.changed = changed;
  }

  /** Identify finished: this is now the whole of what the device says it speaks (an update clears the rest). */
  identified(peerId: string, protocols: readonly string[], agentVersion?: string): void {
    const before = this.lacksKey(peerId);
    this.put(peerId, [{ kind: 'identify', protocols: [...protocols], agentVersion }]);
    if (this.lacksKey(peerId) !== before) this.changed(peerId);
  }

  /** A negotiation for `protocol` (a full Tessera protocol id) failed: the device does not speak it. */
  unsupported(peerId: string, protocol: string): void {
    const before = this.lacksKey(peerId);
    this.put(peerId, [...(this.seen.get(peerId) ?? []), { kind: 'unsupported-protocol', protocol }]);
    if (this.lacksKey(peerId) !== before) this.changed(peerId);
  }

  lacks(peerId: string): ReadonlySet<Lack> {
    return classifyEvidence(this.seen.get(peerId) ?? []);
  }

  /** Whether identify has told us anything about this peer in this run. */
  identifiedYet(peerId: string): boolean {
    return (this.seen.get(peerId) ?? []).some((e) => e.kind === 'identify');
  }

  private lacksKey(peerId: string): string {
    return [...this.lacks(peerId)].sort().join(',');
  }

  private put(peerId: string, evidence: UpdateEvidence[]): void {
    this.seen.delete(peerId);
    // A few failures at most matter after the last identify; keep the list short.
    this.seen.set(peerId, evidence.slice(-8));
    if (this.seen.size > MAX_PEERS) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

/** libp2p's negotiation failure for a protocol the other side does not serve (multistream-select). */
export function isUnsupportedProtocol(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e.name === 'UnsupportedProtocolError') return true;
  return false;
}
