import { z } from 'zod';
import { op } from '../op.ts';
import { DisplayName, Passphrase } from './app.ts';
import { PeerId } from './friends.ts';

/**
 * Recovery over the LAN (PROTOCOL §11). The new device (empty data dir) runs `recovery.start` and shows the code;
 * each custodian runs `recovery.approve` with that code and the friend it holds for, compares the code both screens
 * show, then `recovery.confirm` sends their piece and the backup. Nothing is sent before `recovery.confirm`. On the
 * new device, `recovery.judge` confirms each friend's code (only confirmed pieces count) and, once `ready`,
 * `recovery.finish` writes the vault.
 */

/** Where the new device stands. */
export const RecoverySessionState = z.enum([
  /** No recovery session in this data dir. */
  'none',
  /** Listening; waiting for custodians. */
  'collecting',
  /** Restarted mid-session: shards keep arriving, but the passphrase is needed to open them (`recovery.start`). */
  'needs-passphrase',
  /** Confirmed pieces of one owner reached the threshold and the backup opened: `vault` shows whose it is. */
  'ready',
  /** Confirmed pieces name more than one owner: nothing is restored until the person rejects the wrong ones. */
  'conflict',
  /** The person said "restore": writing the vault. */
  'restoring',
  /** Restored: the vault is unlocked and re-shares under a new key. */
  'restored',
]);
export type RecoverySessionState = z.infer<typeof RecoverySessionState>;

export const RecoveryCustodian = z.object({
  /** The name the custodian's device gave (their own display name). */
  name: z.string(),
  peerId: z.string(),
  /** Six digits; the custodian's screen shows the same code. */
  comparisonCode: z.string(),
  /**
   * connected = said hello, waiting for the custodian to approve; received = their piece arrived (not yet checked:
   * the passphrase is needed); verified = their piece is valid; bad = their piece did not verify (see `problem`);
   * rejected = the person said the codes did not match (their piece was deleted, and they cannot send again);
   * declined = the custodian said the codes did not match, or declined, after the hello: nothing was sent;
   * expired = the custodian's approval expired before they approved: nothing was sent. A new hello from a declined
   * or expired custodian (they approve again, with a new code) makes them `connected` again (PROTOCOL §11.3).
   * Remote recovery (§11.7): waiting = they approved and their piece comes at `releaseAt`; withdrew = they withdrew
   * during the wait; stopped = their Tessera says the owner's device stopped this recovery.
   */
  state: z.enum([
    'connected',
    'received',
    'verified',
    'bad',
    'rejected',
    'declined',
    'expired',
    'waiting',
    'withdrew',
    'stopped',
  ]),
  /** The person at the new device confirmed that this sender's screen shows `comparisonCode`: only then it counts. */
  confirmed: z.boolean(),
  problem: z.string().optional(),
  /** Remote recovery: when their piece is released, unless someone stops it (PROTOCOL §11.7). */
  releaseAt: z.number().int().optional(),
  /** How this friend's device is connected now: directly, or through a friend relay; absent when not connected. */
  path: z.enum(['direct', 'relayed']).optional(),
});
export type RecoveryCustodian = z.infer<typeof RecoveryCustodian>;

/** Whose vault confirmed pieces open, shown for a last confirmation before anything is written. */
export const RecoveryVaultSummary = z.object({
  name: z.string(),
  peerId: z.string(),
  fingerprint: z.string(),
  /** Names of the friends (contacts) in that vault. */
  friends: z.array(z.string()),
  items: z.number().int().nonnegative(),
});
export type RecoveryVaultSummary = z.infer<typeof RecoveryVaultSummary>;

export const RecoveryStatus = z.object({
  state: RecoverySessionState,
  /** Confirmed valid pieces of the best split so far (unconfirmed pieces never count). */
  have: z.number().int().nonnegative(),
  /** The threshold t, once a valid piece has told it; 0 until then. */
  need: z.number().int().nonnegative(),
  custodians: z.array(RecoveryCustodian),
  /** The current code (QR payload and text), while a session runs. */
  code: z.string().nullable(),
  expiresAt: z.number().int().nullable(),
  /** While `ready`: whose vault `recovery.finish` would restore. */
  vault: RecoveryVaultSummary.nullable(),
  /** One sentence for people, e.g. "2 of 3 pieces: ask 1 more friend." */
  message: z.string(),
  /** The last failure (a bad piece, a restore error), if any. */
  error: z.string().optional(),
  /**
   * Set when this device already had a vault whose passphrase was forgotten (`recovery.start { forgot: true }`):
   * that vault is kept aside, untouched, until `recovery.finish` replaces it, and comes back if the recovery is
   * cancelled. Only pieces of this same identity can restore it (PROTOCOL §11.6).
   */
  keptVault: z.object({ name: z.string(), peerId: z.string(), fingerprint: z.string() }).optional(),
  /** A remote recovery (PROTOCOL §11.7): friends elsewhere, each piece after the owner's waiting period. */
  remote: z.boolean().optional(),
  /** Set when a friend's Tessera said the owner's device stopped this recovery: the sentence to show. */
  stopped: z.string().optional(),
  /** Friends whose reply code was entered here (remote recovery): this device dials them. */
  replies: z
    .array(z.object({ peerId: z.string(), path: z.enum(['direct', 'relayed']).optional() }))
    .optional(),
});
export type RecoveryStatus = z.infer<typeof RecoveryStatus>;

/** A custodian's pending approval: the hello is done, the comparison code is known, nothing was sent yet. */
export const RecoveryApproval = z.object({
  id: z.string(),
  friend: z.string(),
  friendPeerId: z.string(),
  sessionPeerId: z.string(),
  comparisonCode: z.string(),
  /**
   * connecting = remote: waiting for the new device to connect (show `replyCode`); awaiting-confirmation = compare
   * the codes; waiting = approved, the piece is released at `releaseAt` unless someone stops it; sent; declined;
   * withdrawn = withdrew during the wait; stopped = the owner's device stopped this recovery; expired; failed.
   */
  state: z.enum([
    'connecting',
    'awaiting-confirmation',
    'waiting',
    'sent',
    'declined',
    'withdrawn',
    'stopped',
    'expired',
    'failed',
  ]),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  error: z.string().optional(),
  /** A remote recovery (PROTOCOL §11.7). */
  remote: z.boolean().optional(),
  /** Remote: what the person reads or sends to their friend, to type on the new device. */
  replyCode: z.string().optional(),
  /** Remote: when the piece is released (the owner's waiting period after the approval). */
  releaseAt: z.number().int().optional(),
  /** Remote: the friends whose approval stands, as the new device last said. */
  standing: z.array(z.string()).optional(),
  /** Remote: how many approvals must stand before the piece goes (the backup's threshold). */
  threshold: z.number().int().optional(),
  /** How the new device is connected now. */
  path: z.enum(['direct', 'relayed']).optional(),
});
export type RecoveryApproval = z.infer<typeof RecoveryApproval>;

export const RecoveryCodeText = z.string().min(1).max(4096);

/** A remote recovery someone's Tessera told this device about (PROTOCOL §11.7): of this vault, or of a friend's. */
export const RecoveryWatchEntry = z.object({
  /** The new device's session (its key's peer ID): one recovery. */
  sessionPeerId: z.string(),
  /** Whose vault is being recovered: this device's own (`mine`), or a friend's. */
  mine: z.boolean(),
  owner: z.string(),
  ownerPeerId: z.string(),
  /** The friend who approved (or withdrew, or released). */
  custodian: z.string(),
  custodianPeerId: z.string(),
  state: z.enum(['approved', 'withdrawn', 'released']),
  /** approved: when the piece will be released; released: when it was. */
  until: z.number().int(),
  path: z.enum(['direct', 'relayed']),
  at: z.number().int(),
  /** Stopped by the owner's device (a signed cancel was seen). */
  stopped: z.boolean(),
});
export type RecoveryWatchEntry = z.infer<typeof RecoveryWatchEntry>;

export const recoveryOps = {
  /**
   * New device: starts (or resumes after a restart) the recovery session; returns the code to show. On a device
   * whose vault is locked and its passphrase forgotten, `forgot: true` says so: the vault is kept aside until the
   * friends' pieces restore the same identity (PROTOCOL §11.6); without it a locked vault is `VAULT_EXISTS`.
   */
  'recovery.start': op(
    z.object({
      passphrase: Passphrase,
      name: DisplayName.optional(),
      forgot: z.boolean().optional(),
      /** Friends are elsewhere (PROTOCOL §11.7): a remote code, and each piece waits for the owner's waiting period. */
      remote: z.boolean().optional(),
    }),
    z.object({ code: z.string(), sessionPeerId: z.string(), expiresAt: z.number().int() }),
    { public: true },
  ),
  'recovery.status': op(z.object({}), RecoveryStatus, { public: true }),
  /** Give up a recovery started on this device: its code stops working and what arrived is deleted. */
  'recovery.cancel': op(z.object({}), RecoveryStatus, { public: true }),
  /**
   * New device: the person compared a friend's code with the one on that friend's screen. `match: true` lets their
   * piece count; `match: false` deletes it and refuses that sender from then on.
   */
  'recovery.judge': op(z.object({ peerId: PeerId, match: z.boolean() }), RecoveryStatus, { public: true }),
  /** New device, once `ready`: writes the vault `status.vault` shows. */
  'recovery.finish': op(z.object({}), RecoveryStatus, { public: true }),
  /** New device, remote recovery: a friend's reply code; this device dials them (PROTOCOL §11.7). */
  'recovery.reply': op(z.object({ code: RecoveryCodeText }), RecoveryStatus, { public: true }),
  /** Custodian: checks the code and the friend, says hello to the new device; returns the comparison code. */
  'recovery.approve': op(z.object({ code: RecoveryCodeText, friendPeerId: PeerId }), RecoveryApproval),
  /** Custodian: after comparing codes, sends the piece and the backup to the new device. */
  'recovery.confirm': op(z.object({ id: z.string().max(200) }), RecoveryApproval),
  'recovery.decline': op(z.object({ id: z.string().max(200) }), RecoveryApproval),
  'recovery.approvals': op(z.object({}), z.array(RecoveryApproval)),
  /** Remote recoveries friends told this device about: of this vault (with Stop), or of a friend it holds for. */
  'recovery.watch': op(z.object({}), z.array(RecoveryWatchEntry)),
  /**
   * Owner: stop a remote recovery of this vault. Signs a cancel every custodian honours (PROTOCOL §11.7); needs the
   * vault unlocked. Returns how many custodians were told now (the others when they connect).
   */
  'recovery.stopRemote': op(
    z.object({ sessionPeerId: PeerId }),
    z.object({ told: z.number().int().nonnegative(), custodians: z.number().int().nonnegative() }),
  ),
};
