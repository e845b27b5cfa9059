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
 */
export type GateReason = 'friend' | 'pairing' | 'window' | 'retiring';

export class PeerGate {
  private readonly friends = new Set<string>();
  private readonly pairing = new Set<string>();
  private readonly windows = new Map<string, number>();
  private readonly retiring = new Set<string>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  setFriends(peerIds: Iterable<string>): void {
    this.friends.clear();
    for (const id of peerIds) this.friends.add(id);
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
    return null;
  }

  allows(peerId: string): boolean {
    return this.reason(peerId) !== null;
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
}

export function connectionGater(gate: PeerGate, options: GaterOptions): ConnectionGater {
  const deny = (peer: PeerId, direction: 'inbound' | 'outbound'): boolean => {
    const id = peer.toString();
    if (gate.allows(id)) return false;
    options.onDeny?.(id, direction);
    return true;
  };
  const badAddress = (ma: Multiaddr): boolean => !options.loopbackOnly && isLoopbackOrUnspecified(ma);
  return {
    denyDialPeer: (peer) => !gate.allows(peer.toString()),
    denyDialMultiaddr: (ma) => badAddress(ma),
    filterMultiaddrForPeer: (_peer, ma) => !badAddress(ma),
    denyInboundEncryptedConnection: (peer) => deny(peer, 'inbound'),
    denyOutboundEncryptedConnection: (peer) => deny(peer, 'outbound'),
    denyInboundUpgradedConnection: (peer) => deny(peer, 'inbound'),
    denyOutboundUpgradedConnection: (peer) => deny(peer, 'outbound'),
    // Relay server side: only friends reserve, and we only relay between two friends.
    denyInboundRelayReservation: (peer) =>
      !(options.relayForFriends === true && gate.isFriend(peer.toString())),
    denyOutboundRelayedConnection: (source, destination) =>
      !(
        options.relayForFriends === true &&
        gate.isFriend(source.toString()) &&
        gate.isFriend(destination.toString())
      ),
    // Client side: a relayed connection is accepted only through a friend's relay, from a peer the gate admits.
    denyInboundRelayedConnection: (relay, remote) =>
      !(gate.isFriend(relay.toString()) && gate.allows(remote.toString())),
  };
}
