import { z } from 'zod';
import { op } from '../op.ts';

export const PeerId = z
  .string()
  .regex(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44,48}$/, 'A friend’s peer ID starts with "12D3KooW".');

/** Invite codes are long (keys, addresses); the decoder enforces the real limits and checksum. */
export const InviteCode = z.string().min(1).max(4096);

/** A nickname: 1..64 characters, not only spaces. */
export const Nickname = z
  .string()
  .trim()
  .min(1, 'A nickname needs at least one character.')
  .max(64, 'A nickname can have at most 64 characters.');

export const FriendPath = z.enum(['direct', 'relayed', 'via-friend', 'unreachable']);
export type FriendPath = z.infer<typeof FriendPath>;

/**
 * "NAME needs to update Tessera" (PROTOCOL §13.3): their device runs an older Tessera that cannot do what waits
 * for it (shared/needs-update.ts). Only what the person is told: nothing is accepted because of it.
 */
export const NeedsUpdate = z.object({
  /** The sentence to show, e.g. "Otto needs to update Tessera. Waiting for it: comparing codes, keeping a piece of your backup." */
  message: z.string(),
  /** What waits for the update, in order of importance. */
  waiting: z.array(
    z.enum(['comparing-codes', 'holding-for-you', 'holding-for-them', 'backup-update', 'recovery']),
  ),
});
export type NeedsUpdate = z.infer<typeof NeedsUpdate>;

export const Friend = z.object({
  /** What this person calls the friend: their nickname on this device if one is set, else the name they chose. */
  name: z.string(),
  /** The name the friend chose for themselves (in their invite). */
  chosenName: z.string(),
  /** A name this person gave the friend, kept on this device only (never sent); null when none. */
  nickname: z.string().nullable(),
  peerId: z.string(),
  fingerprint: z.string(),
  /**
   * The six digits of the last code comparison with this friend (PROTOCOL §8.5), the same on both screens: read it
   * to each other in person or on a call, then confirm. Empty until the devices have compared codes.
   */
  comparisonCode: z.string(),
  /** The person confirmed that both screens showed `comparisonCode`: only verified friends can hold a piece. */
  verified: z.boolean(),
  addresses: z.array(z.string()),
  addedAt: z.number().int(),
  lastSeen: z.number().int().nullable(),
  /** A connection to this friend is open right now. */
  reachable: z.boolean(),
  /**
   * How this friend is reached: a direct connection, a direct one after hole punching, through a friend relay, a
   * parcel on its way through a mutual friend (they are offline), or not at all right now.
   */
  path: FriendPath,
  /**
   * Present only when this run has seen that the friend's Tessera is too old for something that waits for it (an
   * optional field added after the first release: absent means nothing is known to wait).
   */
  needsUpdate: NeedsUpdate.optional(),
});
export type Friend = z.infer<typeof Friend>;

export const PairState = z.enum(['waiting', 'paired']);

/** Someone whose invite you accepted, waiting for them to accept yours (friends.pair said "waiting"). */
export const PendingFriend = z.object({
  name: z.string(),
  peerId: z.string(),
  /** Empty: a code exists only once pairing has completed and the devices compared codes (see Friend). */
  comparisonCode: z.string(),
  /** When you accepted their invite. */
  since: z.number().int(),
  /** Tessera stops trying after this (ms since the epoch); accept their invite again to retry. */
  giveUpAt: z.number().int(),
});
export type PendingFriend = z.infer<typeof PendingFriend>;

export const friendOps = {
  /** A fresh invite code (text; the UI renders it as a QR code as well). */
  'friends.invite': op(
    z.object({
      ttlMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60)
        .default(24 * 60),
    }),
    z.object({ code: z.string(), expiresAt: z.number().int() }),
  ),
  /**
   * Accept a friend's invite. Pairing completes once both people have accepted each other's code: until then the
   * state is "waiting" (this side keeps trying in the background).
   */
  'friends.pair': op(
    z.object({ code: InviteCode }),
    z.object({
      state: PairState,
      name: z.string(),
      peerId: z.string(),
      comparisonCode: z.string(),
      friend: Friend.optional(),
    }),
  ),
  'friends.list': op(z.object({}), z.array(Friend)),
  /** Pairings still waiting for the other person to accept your invite. */
  'friends.pending': op(z.object({}), z.array(PendingFriend)),
  /** Runs a new code comparison with a friend (both must be online); returns the friend with the new code. */
  'friends.compare': op(z.object({ peerId: PeerId }), Friend),
  /**
   * The person's verdict on the code on screen: `match: true` verifies the friend; `match: false` drops the code
   * (pair again in person: someone may have swapped the invites).
   */
  'friends.confirm': op(z.object({ peerId: PeerId, match: z.boolean() }), Friend),
  /**
   * Gives a friend a nickname on this device (shown everywhere in place of the name they chose), or with null
   * removes it. Never sent to anyone.
   */
  'friends.rename': op(z.object({ peerId: PeerId, nickname: Nickname.nullable() }), Friend),
  /**
   * Removes a friend, or stops waiting for a pending pairing with that peer. A friend who keeps a piece of your
   * backup is asked (signed, PROTOCOL §9.2 "Deletion") to delete it, before the connection to them is closed;
   * `reshare` first makes a new backup with the friends named there (a fresh split, PROTOCOL §9), in the same step.
   * `piece`: what became of a piece they kept: `none` (they kept none), `deleted` (they deleted it and signed a
   * receipt), `pending` (they could not be reached: Tessera keeps asking them, and only that).
   */
  'friends.remove': op(
    z.object({
      peerId: PeerId,
      reshare: z
        .object({ custodians: z.array(PeerId).min(2).max(16), threshold: z.number().int().min(2).max(16) })
        .optional(),
    }),
    z.object({ piece: z.enum(['none', 'deleted', 'pending']).optional() }),
  ),
};
