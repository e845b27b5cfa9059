/**
 * Puts a recovered snapshot into this data dir in ONE transaction: the vault (identity, name, items, settings),
 * contacts as friends (same identity, so they are paired again implicitly), the shards it held for others with
 * consent 'accepted' (its custodian role resumes; owners re-send their backups after a health check), and the
 * recovery session is deleted. Then the vault is unlocked, which starts the mesh with the restored identity.
 *
 * Over a vault whose passphrase was forgotten (`replacing`, PROTOCOL §11.6), the same transaction replaces that
 * vault (the same identity): what this device already keeps beside the vault stays — its friends, and the pieces and
 * chunks it holds for them, newer than the snapshot's copies, which fill in only what is missing — and the backup
 * splits, whose keys were sealed under the forgotten vault key, are retired for the re-share.
 */
import { randomBytes } from 'node:crypto';
import { identityFromSecrets, signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import { openShardEnvelope } from '../../../shared/shards/envelope.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { CustodianStore } from '../backup/custodian-store.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { RecoverySessionStore } from './session-store.ts';
import type { OwnerStore } from '../backup/owner-store.ts';

const NO_INVITE = new Uint8Array(32);

export interface ApplyDeps {
  vault: VaultService;
  friends: FriendsStore;
  held: CustodianStore;
  session: RecoverySessionStore;
  owner: OwnerStore;
  now: () => number;
  log: (message: string) => void;
}

export async function applySnapshot(
  deps: ApplyDeps,
  snapshot: Snapshot,
  passphrase: string,
  name?: string,
  /** Senders whose code the person confirmed during the recovery. */
  confirmed: readonly string[] = [],
  /** The peer ID of the vault kept aside on this device (forgotten passphrase), replaced in the same transaction. */
  replacing: string | null = null,
): Promise<void> {
  const now = deps.now();
  const keys = identityFromSecrets(snapshot.identity.signSeed, snapshot.identity.boxSecret);
  // Work out each held shard's split now (it needs our restored box key), outside the transaction.
  const held = snapshot.heldShards.flatMap((h) => {
    try {
      const opened = openShardEnvelope(h.envelope, keys, signPublicFromPeerId(h.ownerPeerId));
      return [{ ...h, splitId: opened.envelope.splitId }];
    } catch (err) {
      deps.log(`recovery: skipping a held shard for ${h.ownerPeerId}: ${String(err)}`);
      return [];
    }
  });
  await deps.vault.restore(
    {
      name: name ?? snapshot.displayName,
      signSeed: snapshot.identity.signSeed,
      boxSecret: snapshot.identity.boxSecret,
      items: snapshot.items,
      settings: snapshot.settings,
    },
    passphrase,
    (session) => {
      for (const c of snapshot.contacts) {
        if (deps.friends.getFriend(c.peerId)) continue;
        deps.friends.addFriend({
          peerId: c.peerId,
          name: c.name,
          signPublic: signPublicFromPeerId(c.peerId),
          boxPublic: c.boxPublic,
          boxSignature: c.boxSignature,
          addresses: c.addresses,
          ownInviteHash: NO_INVITE,
          theirInviteHash: NO_INVITE,
          addedAt: now,
          lastSeen: null,
        });
      }
      // Verified: the friends this owner had chosen as custodians (only verified friends can be, and the snapshot is
      // the owner's own, opened with the key their confirmed pieces gave) and those whose code was just confirmed.
      for (const peerId of new Set([...(snapshot.custodians ?? []), ...confirmed]))
        if (deps.friends.getFriend(peerId)) deps.friends.markVerified(peerId, now);
      for (const h of held) {
        // This device's own copy is at least as new as the snapshot's: keep it.
        if (deps.held.held(h.ownerPeerId) || deps.held.request(h.ownerPeerId)) continue;
        const nonce = new Uint8Array(randomBytes(32));
        deps.held.putRequest({
          ownerPeerId: h.ownerPeerId,
          threshold: 2,
          custodians: 2,
          nonce,
          expiresAt: now,
          state: 'accepted',
          createdAt: now,
        });
        deps.held.markAnswerDelivered(h.ownerPeerId, nonce);
        deps.held.commitHolding(
          {
            ownerPeerId: h.ownerPeerId,
            splitId: h.splitId,
            sealedEnvelope: h.envelope,
            manifest: h.manifest ?? new Uint8Array(0),
            version: 0,
          },
          null,
          new Set(),
          now,
        );
      }
      if (replacing !== null)
        deps.owner.forgetSplitKeys((id) => session.sealRow('backup_splits', id, new Uint8Array(0)), now);
      deps.session.deleteAll();
    },
    { replacing },
  );
  keys.signSeed.fill(0);
  keys.boxSecret.fill(0);
}
