/**
 * Invites and pairing (PROTOCOL §8): making an invite code, accepting a friend's, and running the pairing
 * conversation (pairing.ts) with each peer whose invite was accepted: as dialer right after accepting, on every tick
 * while the pairing is pending, and when the peer shows up at a new address; as listener when they call. Each side
 * stores the friend itself once the conversation verified; a pending pairing is given up after PENDING_PAIRING_DAYS.
 * The link opens a pairing conversation with a peer's pinned ID: the libp2p node in the app, an in-memory pair of
 * conversations in the unit tests.
 */
import { peerIdOf } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { systemRandom } from '../../../shared/crypto/random.ts';
import { BadRequestError } from '../../../shared/errors.ts';
import {
  checkInviteFresh,
  decodeInvite,
  encodeInvite,
  inviteBytes,
  inviteHash,
  INVITE_SECRET_BYTES,
} from '../../../shared/protocol/invite.ts';
import type { FriendRecord } from './friend-records.ts';
import type { FriendsStore } from './friends-store.ts';
import { runPairingDialer, runPairingListener } from './pairing.ts';
import { NetworkNotRunningError } from './rpc.ts';
import type { Conversation } from './rpc.ts';

/** How long an accepted invite is retried before the pending pairing is given up. */
export const PENDING_PAIRING_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How long one pairing attempt may take: right after the person accepted a code, and in the background. */
const ACCEPT_ATTEMPT_MS = 8_000;
const RETRY_ATTEMPT_MS = 10_000;

export class OwnInviteCodeError extends BadRequestError {
  constructor() {
    super('That is your own invite code. Enter the code your friend shows you.');
  }
}

export interface PairingLink {
  /** Opens a pairing conversation with `peerId` (its pinned ID), given up after `timeoutMs`. */
  open(peerId: string, timeoutMs: number): Promise<Conversation>;
  /** Where a peer may be dialed, from its invite. */
  remember(peerId: string, addresses: string[]): Promise<void>;
}

/** Who this device is while its node runs: what an invite carries. */
export interface PairingSelf {
  keys: IdentityKeys;
  name: string;
  addresses: string[];
}

export interface PairingDeps {
  friends: FriendsStore;
  link: PairingLink;
  /** This device while its node runs; null before it started. */
  self(): PairingSelf | null;
  /** Pending pairings were added or given up. */
  pendingChanged(): void;
  /** A pairing completed (on either side): the friend is stored. */
  paired(peerId: string): void;
  now(): number;
  log(message: string): void;
}

/** What accepting an invite came to: already friends, friends now, or waiting for the peer to accept ours. */
export interface AcceptOutcome {
  state: 'friends' | 'paired' | 'waiting';
  /** The peer, as its invite names it. */
  name: string;
  peerId: string;
  /** This device's peer ID. */
  selfPeerId: string;
}

export class PairingService {
  private readonly deps: PairingDeps;
  private readonly inFlight = new Map<string, Promise<FriendRecord | null>>();

  constructor(deps: PairingDeps) {
    this.deps = deps;
  }

  private requireSelf(): PairingSelf {
    const self = this.deps.self();
    if (!self) throw new NetworkNotRunningError();
    return self;
  }

  /** A new invite code valid for `ttlMinutes`; this device remembers it to honour it until then (PROTOCOL §8.3). */
  invite(ttlMinutes: number): { code: string; expiresAt: number } {
    const { keys, name, addresses } = this.requireSelf();
    const now = this.deps.now();
    const expiresAt = now + ttlMinutes * 60_000;
    const invite = {
      signPublic: keys.signPublic,
      boxPublic: keys.boxPublic,
      boxSignature: keys.boxSignature,
      name,
      addresses,
      expiresAt,
      secret: systemRandom(INVITE_SECRET_BYTES),
    };
    const code = encodeInvite(invite);
    this.deps.friends.addOwnInvite(inviteHash(inviteBytes(invite)), now, expiresAt);
    this.deps.friends.pruneOwnInvites(now - PENDING_PAIRING_DAYS * DAY_MS);
    return { code, expiresAt };
  }

  /** Accepts a friend's invite code: keeps it as a pending pairing and tries to pair at once. */
  async accept(code: string): Promise<AcceptOutcome> {
    const { keys } = this.requireSelf();
    const invite = decodeInvite(code);
    const now = this.deps.now();
    checkInviteFresh(invite, now);
    const selfPeerId = peerIdOf(keys.signPublic);
    if (invite.peerId === selfPeerId) throw new OwnInviteCodeError();
    const who = { name: invite.name, peerId: invite.peerId, selfPeerId };
    if (this.deps.friends.getFriend(invite.peerId)) return { ...who, state: 'friends' };
    this.deps.friends.putPending({
      peerId: invite.peerId,
      name: invite.name,
      signPublic: invite.signPublic,
      boxPublic: invite.boxPublic,
      boxSignature: invite.boxSignature,
      addresses: invite.addresses,
      inviteHash: invite.hash,
      acceptedAt: now,
      giveUpAt: now + PENDING_PAIRING_DAYS * DAY_MS,
    });
    this.deps.pendingChanged();
    await this.deps.link.remember(invite.peerId, invite.addresses);
    const friend = await this.tryPair(invite.peerId, ACCEPT_ATTEMPT_MS);
    return { ...who, state: friend ? 'paired' : 'waiting' };
  }

  /** The listener's side: a pending peer called on the pairing protocol. */
  async serve(conv: Conversation): Promise<void> {
    const { keys } = this.requireSelf();
    const friend = await runPairingListener(conv, keys, this.deps.friends, this.deps.now);
    if (friend) this.deps.paired(friend.peerId);
  }

  /** Gives up pairings pending too long and forgets own invites past use, then tries each pending pairing. */
  async retryPending(): Promise<void> {
    const { friends } = this.deps;
    const now = this.deps.now();
    const before = friends.listPending().length;
    friends.prunePending(now);
    friends.pruneOwnInvites(now - PENDING_PAIRING_DAYS * DAY_MS);
    if (friends.listPending().length !== before) this.deps.pendingChanged();
    for (const p of friends.listPending()) await this.tryPair(p.peerId);
  }

  /**
   * Runs the pairing protocol as dialer; null when the peer is unreachable or has not accepted our invite yet.
   * Concurrent calls for one peer share a single attempt.
   */
  tryPair(peerId: string, timeoutMs = RETRY_ATTEMPT_MS): Promise<FriendRecord | null> {
    const running = this.inFlight.get(peerId);
    if (running) return running;
    const attempt = this.pairOnce(peerId, timeoutMs).finally(() => this.inFlight.delete(peerId));
    this.inFlight.set(peerId, attempt);
    return attempt;
  }

  private async pairOnce(peerId: string, timeoutMs: number): Promise<FriendRecord | null> {
    const self = this.deps.self();
    if (!self) return null;
    const started = this.deps.now();
    try {
      const conv = await this.deps.link.open(peerId, timeoutMs);
      try {
        const friend = await runPairingDialer(conv, self.keys, this.deps.friends, this.deps.now);
        await conv.close();
        this.deps.log(`paired with ${peerId}`);
        this.deps.paired(peerId);
        return friend;
      } catch (err) {
        conv.abort(String(err));
        throw err;
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.deps.log(`pairing with ${peerId} not done yet (${this.deps.now() - started} ms): ${why}`);
      return null;
    }
  }
}
