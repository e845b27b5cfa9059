/**
 * Who may connect. After Noise has authenticated the remote peer, inbound and outbound connections are refused
 * unless the peer is a paired friend, a peer whose invite we accepted (pairing in progress), or a peer of an open
 * temporary window (recovery). A stranger completes Noise (and so learns our peer ID) but never gets a muxer, let
 * alone a stream. Protocol handlers re-check `connection.remotePeer` against the same gate.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { isLoopbackOrUnspecified } from './addresses.ts';

/**
 * `retiring`: a friend this person removed who still has to be asked to delete a piece of their backup (PROTOCOL
 * §8.1, §9.2 "Deletion"). Connections are allowed so that this side can deliver that request; no protocol admits
 * the reason, so they cannot run anything here.
 *
 * `announced`: on a friend relay, a stranger a friend announced (the new device of a remote recovery, §11.7). It may
 * connect to this relay, inbound only, to be relayed to that friend; no protocol admits the reason either.
 */
export type GateReason = 'friend' | 'pairing' | 'window' | 'retiring' | 'announced';

/** What the gate asks of a relay's book of announced strangers (stranger-admission.ts). */
export interface AnnouncedStrangers {
  mayConnect(peerId: string): boolean;
  mayRelay(stranger: string, friend: string): boolean;
}

export class PeerGate {
  private readonly friends = new Set<string>();
  /** The same friends, in the order setFriends gave them (what the friend dialer walks round robin). */
  private friendList: readonly string[] = [];
  private readonly pairing = new Set<string>();
  private readonly windows = new Map<string, number>();
  private readonly retiring = new Set<string>();
  private strangers: AnnouncedStrangers | null = null;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  setFriends(peerIds: Iterable<string>): void {
    this.friends.clear();
    for (const id of peerIds) this.friends.add(id);
    this.friendList = [...this.friends];
  }

  /**
   * Every friend, in the store's order. Kept here, beside the set the gate needs anyway, so that the mesh tick does
   * not read them all from the store again: for a custodian of 10,000 friends that was ~1 MiB of strings per tick,
   * promoted to the old generation before it died (docs/PERFORMANCE.md, "Idle").
   */
  friendIds(): readonly string[] {
    return this.friendList;
  }

  setPairing(peerIds: Iterable<string>): void {
    this.pairing.clear();
    for (const id of peerIds) this.pairing.add(id);
  }

  /** Former friends still owed a deletion request (see GateReason). */
  setRetiring(peerIds: Iterable<string>): void {
    this.retiring.clear();
    for (const id of peerIds) this.retiring.add(id);
  }

  /** On a friend relay: the strangers friends announced (§11.7), asked last, after every other reason. */
  setStrangers(strangers: AnnouncedStrangers | null): void {
    this.strangers = strangers;
  }

  /** `stranger` may be relayed to `friend` through this node now (an announced stranger's admission, §11.7). */
  mayRelayStranger(stranger: string, friend: string): boolean {
    return this.strangers !== null && this.isFriend(friend) && this.strangers.mayRelay(stranger, friend);
  }

  /** Admits `peerId` until `until` (ms), e.g. while a recovery is in progress. */
  openWindow(peerId: string, until: number): void {
    this.windows.set(peerId, until);
  }

  closeWindow(peerId: string): void {
    this.windows.delete(peerId);
  }

  /** Why this peer may connect, or null when it may not. */
  reason(peerId: string): GateReason | null {
    if (this.friends.has(peerId)) return 'friend';
    if (this.pairing.has(peerId)) return 'pairing';
    const until = this.windows.get(peerId);
    if (until !== undefined) {
      if (until > this.now()) return 'window';
      this.windows.delete(peerId);
    }
    if (this.retiring.has(peerId)) return 'retiring';
    if (this.strangers?.mayConnect(peerId)) return 'announced';
    return null;
  }

  allows(peerId: string): boolean {
    return this.reason(peerId) !== null;
  }

  /**
   * Whether this node may dial `peerId`, or accept it through another node's relay: any reason but `announced`
   * (an announced stranger only ever connects to this relay itself, §11.7).
   */
  allowsOutbound(peerId: string): boolean {
    const reason = this.reason(peerId);
    return reason !== null && reason !== 'announced';
  }

  isFriend(peerId: string): boolean {
    return this.friends.has(peerId);
  }
}

export interface GaterOptions {
  /** Tests run every node on 127.0.0.1; otherwise a remote peer's loopback address is never dialed. */
  loopbackOnly: boolean;
  /** Called (for logs and tests) whenever a peer is refused. */
  onDeny?: (peerId: string, direction: 'inbound' | 'outbound') => void;
  /**
   * This node serves as a circuit relay for its friends (relay.ts): reservations only from friends, and relayed
   * connections only between two friends. Without it every reservation and relay request is refused.
   */
  relayForFriends?: boolean;
  /** Called (for logs and tests) whenever a relay request is refused (this node relays for friends). */
  onRelayDeny?: (source: string, destination: string) => void;
}

export function connectionGater(gate: PeerGate, options: GaterOptions): ConnectionGater {
  const deny = (peer: PeerId, direction: 'inbound' | 'outbound'): boolean => {
    const id = peer.toString();
    if (direction === 'inbound' ? gate.allows(id) : gate.allowsOutbound(id)) return false;
    options.onDeny?.(id, direction);
    return true;
  };
  const badAddress = (ma: Multiaddr): boolean => !options.loopbackOnly && isLoopbackOrUnspecified(ma);
  const relays = options.relayForFriends === true;
  return {
    denyDialPeer: (peer) => !gate.allowsOutbound(peer.toString()),
    denyDialMultiaddr: (ma) => badAddress(ma),
    filterMultiaddrForPeer: (_peer, ma) => !badAddress(ma),
    denyInboundEncryptedConnection: (peer) => deny(peer, 'inbound'),
    denyOutboundEncryptedConnection: (peer) => deny(peer, 'outbound'),
    denyInboundUpgradedConnection: (peer) => deny(peer, 'inbound'),
    denyOutboundUpgradedConnection: (peer) => deny(peer, 'outbound'),
    // Relay server side: only friends reserve (never an announced stranger), and we relay between two friends, or
    // an announced stranger to the one friend who announced it, within its time and bytes (§10.2, §11.7).
    denyInboundRelayReservation: (peer) => !(relays && gate.isFriend(peer.toString())),
    denyOutboundRelayedConnection: (source, destination) => {
      const [from, to] = [source.toString(), destination.toString()];
      const allowed = relays && gate.isFriend(to) && (gate.isFriend(from) || gate.mayRelayStranger(from, to));
      if (!allowed) options.onRelayDeny?.(from, to);
      return !allowed;
    },
    // Client side: a relayed connection is accepted only through a friend's relay, from a peer the gate admits.
    denyInboundRelayedConnection: (relay, remote) =>
      !(gate.isFriend(relay.toString()) && gate.allowsOutbound(remote.toString())),
  };
}
