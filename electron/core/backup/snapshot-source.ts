import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import { compactKind } from '../../../shared/items/kinds.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { CustodianStore } from './custodian-store.ts';

/**
 * Everything a fresh device needs, gathered from the services that own it: identity, items and settings from the
 * vault, contacts from the friends list, the shards held for others, and who holds this backup's key (`custodians`,
 * unique and in peer-ID order as OwnerStore.custodians lists them: the recovered device re-shares to them,
 * docs/PROTOCOL.md §11.5).
 *
 * Held shards travel with the envelope only (version 0, no manifest): the envelope is what lets a recovered
 * custodian resume its role, while the owner's blob is re-sent by the owner after a health check. Leaving the
 * owner's ever-changing manifest out also keeps two friends who hold for each other from triggering each other's
 * backups forever.
 */
export function assembleSnapshot(
  vault: VaultService,
  friends: FriendsStore,
  custodian: CustodianStore,
  custodians: string[],
): Snapshot {
  const data = vault.exportSnapshotData();
  const { name, peerId: _peerId, fingerprint: _fingerprint, ...keys } = data.identity;
  return {
    identity: keys,
    displayName: name,
    contacts: friends.listFriends().map((f) => ({
      name: f.name,
      peerId: f.peerId,
      boxPublic: f.boxPublic,
      boxSignature: f.boxSignature,
      addresses: f.addresses,
    })),
    items: data.items.map((item) => ({
      id: item.id,
      title: item.title,
      secret: item.secret,
      notes: item.notes,
      tags: item.tags,
      attachments: item.attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, data: a.data })),
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
      // Previous secrets travel with their item (docs/STORAGE.md, "Trash and secret history").
      ...(item.history.length > 0 ? { history: item.history } : {}),
      // The kind and a login's fields travel with their item, left out when default (PROTOCOL §5.1).
      ...compactKind(item),
    })),
    heldShards: custodian
      .heldEnvelopes()
      .map((h) => ({ ownerPeerId: h.ownerPeerId, envelope: h.sealedEnvelope, latestVersion: 0 })),
    settings: Object.fromEntries(Object.entries(data.settings).map(([key, value]) => [key, String(value)])),
    ...(custodians.length > 0 ? { custodians } : {}),
  };
}
