/**
 * Reaching friends and pending peers from the running node: what libp2p's peer store knows of them (a friend's
 * stored addresses go in before the first dial of a run, not all at start: a custodian for 10,000 friends would
 * otherwise build 10,000 peer records before serving, most never dialed), re-dialing absent friends round robin on
 * each tick, each after a back-off of its own (dial-backoff.ts), and reaching out when a friend or pending peer
 * shows up at a new address (mDNS, identify, our own merge).
 *
 * What a round costs while friends are away (docs/PERFORMANCE.md, "Idle"): a failed dial allocates ~240 KiB inside
 * libp2p, part of which outlives the young generation, so a custodian whose thousands of friends are mostly away held
 * ~11 MiB more after 5 minutes at 16 dials per tick than without dialing. So:
 * - a tick whose dials all failed makes the next dial at most DIALS_PER_TICK_WHILE_FAILING (4) friends, and the
 *   first answer brings back the full DIALS_PER_TICK (16): a returning friend is still found in the round, a little
 *   later, and one who comes back dials its friends itself as it starts;
 * - a friend the round finds absent leaves no record behind: after a failed dial its peer-store record (~2 KiB) goes,
 *   and its next dial reads the stored addresses again. A custodian for 10,000 friends would otherwise gain a record
 *   for every friend its round ever reached, ~22 MiB once it has been through them all.
 */
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import type { PeerUpdate } from '@libp2p/interface';
import { DialBackoff } from './dial-backoff.ts';
import type { FriendsStore } from './friends-store.ts';
import type { PeerGate } from './gater.ts';
import type { MeshNode } from './node.ts';
import { friendAddresses } from './reachability.ts';

/** At most this many friends are dialed per tick (the others on the next ones, round robin). */
export const DIALS_PER_TICK = 16;
/** At most this many after a tick whose dials all failed. */
export const DIALS_PER_TICK_WHILE_FAILING = 4;
/** At most this many addresses of a peer go into the peer store. */
export const MAX_PEER_ADDRESSES = 16;

export interface FriendDialerDeps {
  /** The running node, or null. */
  node(): MeshNode | null;
  friends: FriendsStore;
  gate: PeerGate;
  /** Every listen address is loopback (tests): then loopback addresses are dialed too. */
  loopbackOnly: boolean;
  /** How often dialAbsentFriends runs (the mesh tick): the unit of the back-off. */
  tickMs: number;
  now?: () => number;
  /** A peer whose invite was accepted (a pending pairing) showed up at a new address. */
  pendingPeerSeen(peerId: string): void;
  log(message: string): void;
}

export class FriendDialer {
  private readonly deps: FriendDialerDeps;
  private cursor = 0;
  /** The last tick that dialed anyone reached nobody: the next dials fewer. */
  private failing = false;
  /** Per friend or pending peer: the addresses onPeerUpdate has already reacted to. */
  private readonly seenAddresses = new Map<string, Set<string>>();
  /** Friends whose stored addresses are in the peer store already (knownAddresses). */
  private readonly storedAddressesLoaded = new Set<string>();
  private readonly backoff: DialBackoff;
  private readonly now: () => number;

  constructor(deps: FriendDialerDeps) {
    this.deps = deps;
    this.backoff = new DialBackoff(deps.tickMs);
    this.now = deps.now ?? Date.now;
  }

  /** A connection to `peerId` opened (either side dialed): its next dial, should it go away, is not held back. */
  connected(peerId: string): void {
    this.backoff.clear(peerId);
    // Someone is back (or our network is): the round may go at full pace again.
    this.failing = false;
  }

  /** Puts a friend's (or former friend's) stored addresses into the peer store before the first dial of this run. */
  async knownAddresses(peerId: string): Promise<void> {
    if (this.storedAddressesLoaded.has(peerId)) return;
    const friend = this.deps.friends.getFriend(peerId);
    const addresses = friend ? friend.addresses : this.deps.friends.formerAddresses(peerId);
    if (addresses.length === 0) return;
    this.storedAddressesLoaded.add(peerId);
    await this.remember(peerId, addresses);
  }

  /** The friend was removed: their stored addresses are read again should they be dialed (a deletion request). */
  forget(peerId: string): void {
    this.storedAddressesLoaded.delete(peerId);
    this.backoff.clear(peerId);
  }

  /** Puts `addrs` (the usable ones) into the peer store for `peerId`. */
  async remember(peerId: string, addrs: string[]): Promise<void> {
    const node = this.deps.node();
    if (!node) return;
    const multiaddrs = friendAddresses(addrs, this.deps.loopbackOnly, MAX_PEER_ADDRESSES).map((a) =>
      multiaddr(a),
    );
    if (multiaddrs.length === 0) return;
    const seen = this.seenAddresses.get(peerId) ?? new Set<string>();
    for (const a of multiaddrs) seen.add(a.toString());
    this.seenAddresses.set(peerId, seen);
    try {
      await node.peerStore.merge(peerIdFromString(peerId), { multiaddrs });
    } catch (err) {
      this.deps.log(`could not store addresses of ${peerId}: ${String(err)}`);
    }
  }

  /**
   * Dials up to DIALS_PER_TICK friends (DIALS_PER_TICK_WHILE_FAILING after a tick that reached nobody) without an
   * open connection whose back-off has run out, going round the list from tick to tick.
   */
  async dialAbsentFriends(): Promise<void> {
    const all = this.deps.gate.friendIds();
    // Who is connected, read once per tick: parsing every friend's peer ID to ask was most of an idle tick's CPU.
    const connected = new Set(
      this.deps
        .node()
        ?.getConnections()
        .map((c) => c.remotePeer.toString()),
    );
    const budget = this.failing ? DIALS_PER_TICK_WHILE_FAILING : DIALS_PER_TICK;
    let dialed = 0;
    let reached = 0;
    let k = 0;
    for (; k < all.length && dialed < budget; k++) {
      const peerId = all[(this.cursor + k) % all.length]!;
      if (connected.has(peerId) || !this.backoff.due(peerId, this.now())) continue;
      const node = this.deps.node();
      if (!node) break;
      const id = peerIdFromString(peerId);
      if (node.getConnections(id).length > 0) continue;
      dialed++;
      try {
        await this.knownAddresses(peerId);
        await node.dial(id, { signal: AbortSignal.timeout(5_000) });
        this.backoff.clear(peerId);
        reached++;
      } catch {
        // Offline friends are normal: dialed again after its back-off.
        this.backoff.failure(peerId, this.now());
        await this.dropRecord(node, id);
      }
    }
    if (dialed > 0) this.failing = reached === 0;
    this.cursor = all.length ? (this.cursor + k) % all.length : 0;
  }

  /** Forgets what the node holds of an absent friend: the peer-store record, and that its addresses are in it. */
  private async dropRecord(node: MeshNode, id: PeerUpdate['peer']['id']): Promise<void> {
    const peerId = id.toString();
    // Connected after all (it dialed us meanwhile): its record is in use.
    if (node.getConnections(id).length > 0) return;
    this.storedAddressesLoaded.delete(peerId);
    this.seenAddresses.delete(peerId);
    try {
      await node.peerStore.delete(id);
    } catch (err) {
      this.deps.log(`could not drop the peer record of ${peerId}: ${String(err)}`);
    }
  }

  /**
   * A friend or pending peer got a new address (mDNS, identify, our own merge): reach out if not connected. The
   * update's `previous` cannot be trusted to differ (libp2p may hand over the merged record twice), so the addresses
   * already acted on are remembered here.
   */
  onPeerUpdate(update: PeerUpdate): void {
    const peerId = update.peer.id.toString();
    const reason = this.deps.gate.reason(peerId);
    // An announced stranger (PROTOCOL §11.7) only passes through this relay: never dialed, its addresses not kept.
    if (!reason || reason === 'announced' || !this.deps.node()) return;
    const seen = this.seenAddresses.get(peerId) ?? new Set<string>();
    const added = [...new Set(update.peer.addresses.map((a) => a.multiaddr.toString()))].filter(
      (a) => !seen.has(a),
    );
    if (added.length === 0) return;
    for (const a of added) seen.add(a);
    this.seenAddresses.set(peerId, seen);
    this.deps.log(`new address for ${reason} ${peerId}: ${added.join(', ')}`);
    if (reason === 'pairing') this.deps.pendingPeerSeen(peerId);
    else if (reason === 'friend' && !this.isConnected(peerId)) this.dialNewAddress(update.peer.id, true);
  }

  private isConnected(peerId: string): boolean {
    const node = this.deps.node();
    return node ? node.getConnections(peerIdFromString(peerId)).length > 0 : false;
  }

  /**
   * Dials a friend just seen at a new address. libp2p joins a dial to a peer that is already under way, and that one
   * may be trying only the old addresses (the periodic dial right after a restart): if it fails, dial once more a
   * moment later, with the peer store's addresses as they are then.
   */
  private dialNewAddress(id: PeerUpdate['peer']['id'], retry: boolean): void {
    this.deps
      .node()
      ?.dial(id, { signal: AbortSignal.timeout(5_000) })
      .catch(() => {
        if (!retry) return;
        setTimeout(() => {
          if (this.deps.node() && !this.isConnected(id.toString())) this.dialNewAddress(id, false);
        }, 1_000).unref();
      });
  }
}
