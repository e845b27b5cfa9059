/**
 * The friends as this device knows them (friends-store.ts): the list and each friend as the API shows it (the name
 * this person sees, fingerprint, the compared code and whether it was confirmed, PROTOCOL §8.5, stored addresses,
 * when last seen and how reached now), pending pairings, nicknames, removal, and the address book kept up to date
 * from connections and identify. After every change the connection gate is set again (gater.ts), the UI is told, and
 * when the friends themselves changed, the contact-list listeners (what a backup holds) are called.
 */
import { fingerprintOf } from '../../../shared/crypto/identity.ts';
import { NotFoundError } from '../../../shared/errors.ts';
import type { Friend, PendingFriend } from '../../../shared/api/ops/friends.ts';
import { shownName } from './friend-records.ts';
import type { FriendRecord } from './friend-records.ts';
import type { FriendsStore } from './friends-store.ts';
import type { PeerGate } from './gater.ts';
import type { MeshEvents } from './mesh-events.ts';
import type { FriendPath } from './reachability.ts';
import type { FriendVersionsView } from './friend-versions.ts';
import { needsUpdate } from '../../../shared/needs-update.ts';

/** How friends are reached right now (the running node, node-host.ts). */
export interface Presence {
  isConnected(peerId: string): boolean;
  pathOf(peerId: string): FriendPath;
}

/** A pairing's result as `friends.pair` returns it once the two are friends. */
export interface PairedView {
  state: 'paired';
  name: string;
  peerId: string;
  comparisonCode: string;
  friend?: Friend;
}

/**
 * What waits for the update of a friend whose Tessera cannot compare codes: the comparison, and so any piece they
 * could keep for this person (only verified friends hold one, PROTOCOL §8.5).
 */
const UNVERIFIED_WAITING = ['comparing-codes', 'holding-for-you'] as const;

export class NoSuchFriendError extends NotFoundError {
  constructor(orPending = false) {
    super(orPending ? 'No friend or pending pairing with that peer ID.' : 'No friend with that peer ID.');
  }
}

export class FriendDirectory {
  readonly friends: FriendsStore;
  private readonly gate: PeerGate;
  private readonly presence: Presence;
  private readonly versions: FriendVersionsView;
  private readonly events: MeshEvents;
  private readonly now: () => number;
  private readonly contactListeners = new Set<() => void>();
  /** Former friends still owed a deletion request (the backup owner says who: setRetiring). */
  private retiringPeers: () => string[] = () => [];

  constructor(deps: {
    friends: FriendsStore;
    gate: PeerGate;
    presence: Presence;
    versions: FriendVersionsView;
    events: MeshEvents;
    now: () => number;
  }) {
    this.friends = deps.friends;
    this.gate = deps.gate;
    this.presence = deps.presence;
    this.versions = deps.versions;
    this.events = deps.events;
    this.now = deps.now;
    this.refreshGate();
  }

  /** Sets the gate from the store: friends, pending pairings, and former friends still owed a deletion request. */
  refreshGate(): void {
    this.gate.setFriends(this.friends.friendIds());
    this.gate.setPairing(this.friends.listPending().map((p) => p.peerId));
    this.gate.setRetiring(this.retiringPeers());
  }

  /**
   * The narrow exception of PROTOCOL §8.1: removed friends who still have to be asked to delete a piece may be
   * reached (by us, on the backup protocol) until they have. Called again (refreshGate) when that changes.
   */
  setRetiring(source: () => string[]): void {
    this.retiringPeers = source;
    this.refreshGate();
  }

  /** Friends or pending pairings changed; `contacts`: the friends themselves (what a backup's contact list holds). */
  changed(contacts: boolean): void {
    this.refreshGate();
    this.events.changed('friends', 'status');
    if (contacts) for (const listener of this.contactListeners) listener();
  }

  /**
   * Friends were added or removed, or a friend's stored addresses changed: what a backup's contact list holds.
   * (The `friends` event topic also fires on every connection, for the UI.)
   */
  onContactsChanged(listener: () => void): () => void {
    this.contactListeners.add(listener);
    return () => this.contactListeners.delete(listener);
  }

  /** A friend's connection opened or closed, so lastSeen says how recently their device was online. */
  seen(peerId: string): void {
    this.friends.touchFriend(peerId, this.now());
    this.events.changed('friends');
  }

  /** Identify told where a friend listens now: stored for the next run (and the contact list, if it moved). */
  identified(peerId: string, addresses: string[]): void {
    const moved = this.friends.touchFriend(peerId, this.now(), addresses);
    this.events.changed('friends');
    if (moved) for (const listener of this.contactListeners) listener();
  }

  /** One friend as the API shows it. */
  friend(peerId: string): Friend {
    const record = this.friends.getFriend(peerId);
    if (!record) throw new NoSuchFriendError();
    return this.toFriend(record);
  }

  list(): Friend[] {
    return this.friends.listFriends().map((f) => this.toFriend(f));
  }

  pending(): PendingFriend[] {
    return this.friends.listPending().map((p) => ({
      name: p.name,
      peerId: p.peerId,
      comparisonCode: '',
      since: p.acceptedAt,
      giveUpAt: p.giveUpAt,
    }));
  }

  /** `friends.pair`'s answer for a friend: their compared code, if any, and the friend as the API shows them. */
  paired(base: { name: string; peerId: string; comparisonCode: string }, peerId: string): PairedView {
    const record = this.friends.getFriend(peerId);
    if (!record) return { ...base, state: 'paired' };
    const friend = this.toFriend(record);
    return { ...base, comparisonCode: friend.comparisonCode, state: 'paired', friend };
  }

  /** Gives a friend a nickname on this device (null: none); returns the friend as the API shows it. */
  rename(peerId: string, nickname: string | null): Friend {
    if (!this.friends.setNickname(peerId, nickname)) throw new NoSuchFriendError();
    this.events.changed('friends', 'backup', 'held', 'requests', 'recovery');
    return this.friend(peerId);
  }

  /** Removes a friend or a pending pairing from the store and the gate (unless still owed a deletion request). */
  remove(peerId: string): void {
    const wasFriend = this.friends.getFriend(peerId) !== null;
    if (!this.friends.removeFriend(peerId)) throw new NoSuchFriendError(true);
    this.changed(wasFriend);
  }

  /** Pairing finished (on either side): say so, and what comes next (comparing codes, PROTOCOL §6.4). */
  announcePaired(peerId: string): void {
    const name = this.friends.getFriend(peerId)?.name ?? 'Your friend';
    // Identify has usually told what their device speaks by now: a friend whose Tessera cannot compare codes is
    // not sent to a comparison that cannot work (PROTOCOL §13.3).
    const update = this.versions.lacks(peerId).has('compare')
      ? needsUpdate(name, UNVERIFIED_WAITING)
      : undefined;
    this.events.emit?.({
      type: 'notice',
      key: `paired:${peerId}`,
      title: `${name} is now your friend`,
      body: update
        ? update.message
        : `Under Friends, check with ${name} that both screens show the same code before you ask them to keep a piece.`,
    });
  }

  /** The person judged a friend's code: the notice asking them to (announcePaired) has done its work. */
  judged(peerId: string): void {
    this.events.emit?.({ type: 'notice-withdrawn', key: `paired:${peerId}` });
  }

  private toFriend(f: FriendRecord): Friend {
    const verified = (f.verifiedAt ?? null) !== null;
    // Only an unverified friend waits on a comparison; the field is left out when nothing waits (PROTOCOL §13.3).
    const update =
      !verified && this.versions.lacks(f.peerId).has('compare')
        ? needsUpdate(shownName(f), UNVERIFIED_WAITING)
        : undefined;
    return {
      name: shownName(f),
      chosenName: f.name,
      nickname: f.nickname ?? null,
      peerId: f.peerId,
      fingerprint: fingerprintOf(f.signPublic),
      comparisonCode: f.sasCode ?? '',
      verified,
      addresses: f.addresses,
      addedAt: f.addedAt,
      lastSeen: f.lastSeen,
      reachable: this.presence.isConnected(f.peerId),
      path: this.presence.pathOf(f.peerId),
      ...(update ? { needsUpdate: update } : {}),
    };
  }
}
