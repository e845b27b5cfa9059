/**
 * A friend relay's book of announced strangers (PROTOCOL §11.7): friend C told this relay that stranger S (the new
 * device of a remote recovery) may reach C through it. S may then connect to the relay and be relayed to C only,
 * until the admission's end and within a byte budget shared by all of S's relayed connections. Kept in memory only:
 * a custodian renews its admission whenever the session connects or it restarts.
 *
 * This module only keeps the book and answers the gate's questions (gater.ts); counting the bytes on the wire and
 * cutting connections is stranger-relay.ts's.
 */

export interface StrangerLimits {
  /** The longest an admission lasts (TESSERA_STRANGER_RELAY_MS, 7 days by default). */
  maxMs: number;
  /** Bytes relayed for one stranger in all, both directions (TESSERA_STRANGER_RELAY_BYTES, 512 MiB by default). */
  maxBytes: number;
  /** Admissions one friend may hold at a time. */
  perFriend: number;
  /** Admissions kept in all. */
  total: number;
}

export const STRANGER_ADMISSIONS_PER_FRIEND = 4;
export const STRANGER_ADMISSIONS_TOTAL = 64;

export type AdmitOutcome = { ok: true; until: number; bytes: number } | { ok: false; reason: string };

interface Stranger {
  /** Friend (the one S may be relayed to) → end of that admission (ms). */
  friends: Map<string, number>;
  /** Bytes relayed for this stranger so far, through every admission. */
  used: number;
}

export class StrangerAdmissions {
  private readonly strangers = new Map<string, Stranger>();
  private readonly limits: StrangerLimits;
  private readonly now: () => number;

  constructor(
    limits: Pick<StrangerLimits, 'maxMs' | 'maxBytes'> & Partial<StrangerLimits>,
    now: () => number,
  ) {
    this.limits = {
      perFriend: STRANGER_ADMISSIONS_PER_FRIEND,
      total: STRANGER_ADMISSIONS_TOTAL,
      ...limits,
    };
    this.now = now;
  }

  /**
   * Friend `friend` announces `stranger` until `asked`: granted until min(asked, now + maxMs). A renewal by the same
   * friend replaces the end (it may be earlier: the friend knows when its approval ends) but never restores spent
   * bytes; they are forgotten only once no admission of that stranger stands.
   */
  admit(friend: string, stranger: string, asked: number): AdmitOutcome {
    const now = this.now();
    this.prune(now);
    if (stranger === friend) return { ok: false, reason: 'A device cannot announce itself as a stranger.' };
    const until = Math.min(asked, now + this.limits.maxMs);
    if (until <= now) return { ok: false, reason: 'The admission asked for has already ended.' };
    const entry = this.strangers.get(stranger);
    if (!entry?.friends.has(friend)) {
      if (this.countOf(friend) >= this.limits.perFriend)
        return {
          ok: false,
          reason: `This relay already lets ${this.limits.perFriend} devices through to you; try again once one of those recoveries has ended.`,
        };
      if (this.size() >= this.limits.total)
        return {
          ok: false,
          reason: 'This relay is letting as many new devices through as it can; try again later.',
        };
    }
    if (entry && entry.used >= this.limits.maxBytes)
      return {
        ok: false,
        reason:
          'This new device has used all it may relay through this device; it has to be reached another way.',
      };
    const stored = entry ?? { friends: new Map<string, number>(), used: 0 };
    stored.friends.set(friend, until);
    this.strangers.set(stranger, stored);
    return { ok: true, until, bytes: this.limits.maxBytes - stored.used };
  }

  /** Some admission of `peerId` stands (time and bytes left): it may connect to this relay (gater.ts). */
  mayConnect(peerId: string): boolean {
    const entry = this.live(peerId);
    return entry !== null && [...entry.friends.values()].some((until) => until > this.now());
  }

  /** `stranger` may be relayed to `friend` now: that friend announced it, the time has not ended, bytes are left. */
  mayRelay(stranger: string, friend: string): boolean {
    const until = this.live(stranger)?.friends.get(friend);
    return until !== undefined && until > this.now();
  }

  /** Whether `peerId` is a stranger this relay keeps an admission for (whatever its state). */
  has(peerId: string): boolean {
    return this.strangers.has(peerId);
  }

  /** Counts `bytes` relayed for `stranger`; false once its budget is spent. */
  spend(stranger: string, bytes: number): boolean {
    const entry = this.strangers.get(stranger);
    if (!entry) return false;
    entry.used += bytes;
    return entry.used < this.limits.maxBytes;
  }

  /** Bytes `stranger` may still have relayed (0 when unknown). */
  remaining(stranger: string): number {
    const entry = this.strangers.get(stranger);
    return entry ? Math.max(0, this.limits.maxBytes - entry.used) : 0;
  }

  /** The next moment an admission ends (for the timer that cuts connections then), or null. */
  nextEnd(): number | null {
    let next: number | null = null;
    for (const entry of this.strangers.values())
      for (const until of entry.friends.values()) if (next === null || until < next) next = until;
    return next;
  }

  /** Drops ended admissions; returns the strangers that lost at least one (their connections are cut). */
  prune(now = this.now()): string[] {
    const touched: string[] = [];
    for (const [stranger, entry] of this.strangers) {
      let changed = false;
      for (const [friend, until] of entry.friends)
        if (until <= now) {
          entry.friends.delete(friend);
          changed = true;
        }
      if (changed) touched.push(stranger);
      if (entry.friends.size === 0) this.strangers.delete(stranger);
    }
    return touched;
  }

  private live(peerId: string): Stranger | null {
    const entry = this.strangers.get(peerId);
    return entry && entry.used < this.limits.maxBytes ? entry : null;
  }

  private countOf(friend: string): number {
    let n = 0;
    for (const entry of this.strangers.values()) if (entry.friends.has(friend)) n++;
    return n;
  }

  private size(): number {
    let n = 0;
    for (const entry of this.strangers.values()) n += entry.friends.size;
    return n;
  }
}
