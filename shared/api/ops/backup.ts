import { z } from 'zod';
import { NeedsUpdate } from './friends.ts';
import { op } from '../op.ts';
import { PeerId } from './friends.ts';

/** Where one custodian stands, as the owner sees it. */
export const CustodianStatus = z.object({
  peerId: z.string(),
  /** What this person calls them (a removed friend keeps the name they had); never a peer ID. */
  name: z.string(),
  /** Still a friend: a removed friend's piece is never counted on (shared/backup-summary.ts). */
  friend: z.boolean(),
  /**
   * requested = waiting for their consent; expired = they did not answer before the request expired (nothing was
   * sent; make the backup again to ask again); delivered = they confirmed holding their piece (signed receipt).
   */
  state: z.enum(['requested', 'expired', 'accepted', 'declined', 'delivered', 'removing', 'removed']),
  versionHeld: z.number().int().nullable(),
  lastConfirmed: z.number().int().nullable(),
  health: z.enum(['ok', 'missing', 'mismatch']).nullable(),
  lastError: z.string().nullable(),
  /**
   * Present only when this custodian's Tessera is too old for what waits for them (PROTOCOL §13.3), e.g. the
   * backup's latest version in a format they cannot read; such a piece does not count (shared/backup-summary.ts).
   * Optional: added after the first release, absent when nothing is known to wait.
   */
  needsUpdate: NeedsUpdate.optional(),
  /** A deposit or update on its way now: chunks sent of those they asked for, and bytes sent; else null. */
  sending: z
    .object({
      sentChunks: z.number().int().nonnegative(),
      totalChunks: z.number().int().nonnegative(),
      sentBytes: z.number().int().nonnegative(),
    })
    .nullable(),
});
export type CustodianStatus = z.infer<typeof CustodianStatus>;

export const BackupStatus = z.object({
  configured: z.boolean(),
  version: z.number().int().nonnegative(),
  threshold: z.number().int().nonnegative(),
  /** When the backup's key was split (the first version, or the last re-share). */
  createdAt: z.number().int().nullable(),
  /** When the current version was made, or null (none yet, or not known). */
  versionCreatedAt: z.number().int().nullable(),
  /** What made the current version ("items changed; settings changed"), or null when not known (after a restart). */
  versionReason: z.string().nullable(),
  /** Custodians of the current split, then former ones (asked to delete their piece, or done with a receipt). */
  custodians: z.array(CustodianStatus),
  /** Bytes of backup data sent to custodians by this process (for the record and benchmarks). */
  bytesSent: z.number().int().nonnegative(),
  /** Why the latest changes are not in a backup version yet (e.g. the vault outgrew the size limit), or null. */
  problem: z.string().nullable(),
  /**
   * How long a remote recovery of this backup waits before any piece is released (PROTOCOL §11.7), as chosen when
   * the key was split; absent for a split made before the choice existed (its custodians wait 48 hours).
   */
  waitingPeriodMs: z.number().int().nonnegative().optional(),
});
export type BackupStatus = z.infer<typeof BackupStatus>;

export const HeldBackup = z.object({
  ownerPeerId: z.string(),
  owner: z.string(),
  version: z.number().int().nonnegative(),
  since: z.number().int(),
  updatedAt: z.number().int(),
});
export type HeldBackup = z.infer<typeof HeldBackup>;

export const PendingRequest = z.object({
  id: z.string(),
  kind: z.enum(['holding', 'recovery']),
  fromPeerId: z.string(),
  from: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  detail: z.string(),
});
export type PendingRequest = z.infer<typeof PendingRequest>;

export const backupOps = {
  'backup.create': op(
    z.object({
      custodians: z.array(PeerId).min(2).max(16),
      threshold: z.number().int().min(2).max(16),
      /**
       * How long a remote recovery must wait before any piece is released (PROTOCOL §11.7); default 48 hours, at
       * least an hour (the device's configured minimum), at most 30 days. Travels in the signed pieces.
       */
      waitingPeriodMs: z
        .number()
        .int()
        .min(0)
        .max(30 * 24 * 60 * 60_000)
        .optional(),
    }),
    BackupStatus,
  ),
  'backup.status': op(z.object({}), BackupStatus),
  /** Asks every custodian to prove it still holds its piece, now. */
  'backup.check': op(z.object({}), BackupStatus),
  'held.list': op(z.object({}), z.array(HeldBackup)),
  'requests.list': op(z.object({}), z.array(PendingRequest)),
  'requests.accept': op(z.object({ id: z.string().max(200) }), z.object({})),
  'requests.decline': op(z.object({ id: z.string().max(200) }), z.object({})),
};
