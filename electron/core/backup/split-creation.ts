/**
 * A new split (a first backup, or a re-share to a new set of custodians or threshold): always a fresh key, split t of
 * n (PROTOCOL §7), one signed shard envelope sealed to each custodian, and a holding request to each, stored in one
 * transaction that retires the previous split (OwnerStore.startSplit).
 */
import { randomBytes } from 'node:crypto';
import { splitKey, checkThreshold } from '../../../shared/shards/split.ts';
import { createShardEnvelopes, DEFAULT_WAITING_PERIOD_MS } from '../../../shared/shards/envelope.ts';
import { describeDuration } from '../../../shared/durations.ts';
import { toHex } from '../../../shared/crypto/bytes.ts';
import { NONCE_BYTES } from '../../../shared/protocol/backup.ts';
import {
  BadRequestError,
  NotVerifiedError,
  NotVerifiedNeedsUpdateError,
  UnknownFriendError,
} from '../../../shared/errors.ts';
import type { BackupContext } from './backup-context.ts';
import type { OwnerStore } from './owner-store.ts';

/** Checks the choice of custodians, splits a fresh key and stores the split; returns the custodians' peer IDs. */
export async function startNewSplit(
  ctx: BackupContext,
  store: OwnerStore,
  input: { custodians: string[]; threshold: number; waitingPeriodMs?: number },
): Promise<string[]> {
  const { vault, friends } = ctx;
  const session = vault.requireUnlocked();
  const keys = vault.identityKeys();
  const peerIds = [...new Set(input.custodians)];
  if (peerIds.length !== input.custodians.length)
    throw new BadRequestError('Each friend can be chosen only once.');
  if (peerIds.includes(ctx.selfPeerId())) {
    throw new BadRequestError('You cannot be your own custodian.');
  }
  checkThreshold(input.threshold, peerIds.length);
  const waitingPeriodMs = input.waitingPeriodMs ?? DEFAULT_WAITING_PERIOD_MS;
  // A remote recovery must give everyone time to notice and stop it (PROTOCOL §11.7).
  if (waitingPeriodMs < ctx.config.minRemoteWaitMs)
    throw new BadRequestError(
      `The waiting period before a remote recovery must be at least ${describeDuration(ctx.config.minRemoteWaitMs)}, so that you and your friends can notice a recovery you did not start.`,
    );
  const records = peerIds.map((peerId) => {
    const friend = friends.getFriend(peerId);
    if (!friend) throw new UnknownFriendError(peerId);
    // Pairing alone proves nothing against invites swapped in transit (SECURITY.md, pairing): ask only friends
    // whose code the person confirmed.
    if ((friend.verifiedAt ?? null) === null) {
      // Same refusal either way; the words say who must act (PROTOCOL §13.3).
      if (ctx.versions.lacks(peerId).has('compare'))
        throw new NotVerifiedNeedsUpdateError(friend.name, 'owner');
      throw new NotVerifiedError(friend.name, 'a friend can be asked to hold a piece');
    }
    return friend;
  });
  const split = await splitKey(input.threshold, peerIds.length);
  const key = split.key;
  const now = ctx.now();
  const envelopes = createShardEnvelopes(
    split,
    keys,
    records.map((f) => ({
      signPublic: f.signPublic,
      boxPublic: f.boxPublic,
      boxSignature: f.boxSignature,
    })),
    now,
    undefined,
    waitingPeriodMs,
  );
  // Sealed under the vault key, bound to the row by the split id in lowercase hex (vault/rekey.ts re-seals it).
  const keySealed = session.sealRow('backup_splits', toHex(split.splitId), key);
  store.startSplit(
    { splitId: split.splitId, threshold: input.threshold, keySealed, waitingPeriodMs },
    peerIds.map((peerId, i) => ({
      peerId,
      sealedEnvelope: envelopes[i] as Uint8Array,
      requestNonce: new Uint8Array(randomBytes(NONCE_BYTES)),
      requestExpires: now + ctx.config.holdRequestTtlMs,
    })),
    now,
  );
  key.fill(0);
  return peerIds;
}
