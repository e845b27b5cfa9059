/**
 * The libp2p node of this process: started with the identity keys on the first unlock and kept running when the vault
 * locks again, so a custodian in the tray keeps serving its friends; stopped when the core closes. The listen
 * addresses are chosen when the mesh is made (`--listen` or the saved setting, electron/core/services.ts), so a
 * changed setting applies from the next start. Everything that needs the running node is here: the addresses put into
 * invites, open connections and how each friend is reached (reachability.ts), the tick that retries pending pairings
 * and re-dials absent friends (friend-dialer.ts, which also fills the peer store), and opening conversations. Who may
 * connect is the gate's (gater.ts); which protocols are served, the registry's (protocol-registry.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { IdentifyResult } from '@libp2p/interface';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { CONVERSATION_TIMEOUT_MS } from '../../../shared/protocol/protocols.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import type { CoreConfig } from '../config.ts';
import { isLoopbackOnly } from './addresses.ts';
import type { FriendsStore } from './friends-store.ts';
import type { ForwardMesh } from './forwarding/forward-service.ts';
import type { ComparisonMesh } from './friend-comparisons.ts';
import { FriendDialer, MAX_PEER_ADDRESSES } from './friend-dialer.ts';
import { connectionGater } from './gater.ts';
import type { PeerGate } from './gater.ts';
import { createMeshNode, DEFAULT_LISTEN } from './node.ts';
import type { MeshNode } from './node.ts';
import type { ProtocolHandler, ProtocolRegistry } from './protocol-registry.ts';
import { advertisedAddresses, friendAddresses, replyAddresses, reservedRelays } from './reachability.ts';
import { pathOfConnections } from './reachability.ts';
import type { FriendPath } from './reachability.ts';
import { relayListenAddresses, reserveOnNewFriend } from './relay.ts';
import type { RelayMode } from './relay.ts';
import { NetworkNotRunningError, openConversation } from './rpc.ts';
import type { Conversation } from './rpc.ts';
import type { StrangerRelay } from './stranger-relay.ts';

/** What the rest of the mesh hears from the node. */
export interface NodeHostHooks {
  /** The node is up and ticking. */
  started(): void;
  /** Each tick, before absent friends are dialed again: pending pairings are retried. */
  tick(): Promise<void>;
  /** A connection to a friend opened or closed. */
  friendConnection(peerId: string, open: boolean): void;
  /** Identify told where a friend listens (usable addresses only). */
  friendIdentified(peerId: string, addresses: string[]): void;
  /**
   * Identify told what a friend's or pending pairing's device speaks (its protocol list and agent string): how an
   * older Tessera is recognised (friend-versions.ts, PROTOCOL §13.3).
   */
  peerProtocols(peerId: string, protocols: string[], agentVersion: string | undefined): void;
  /** A peer whose invite was accepted (a pending pairing) showed up at a new address. */
  pendingPeerSeen(peerId: string): void;
}

export interface NodeHostDeps {
  /** Where friends (and former friends still owed a deletion request) were last seen. */
  friends: FriendsStore;
  gate: PeerGate;
  protocols: ProtocolRegistry;
  /** Listen multiaddrs; null or empty: DEFAULT_LISTEN. */
  listen?: string[] | null;
  /** Serve friends as a circuit relay (relay.ts). */
  relay: RelayMode;
  /** When relaying: the strangers friends announced, let through to them only (PROTOCOL §11.7). */
  strangers: StrangerRelay;
  config: Pick<CoreConfig, 'mdns' | 'upnp' | 'meshRetryMs'>;
  hooks: NodeHostHooks;
  log(message: string): void;
}

export class NodeHost implements ForwardMesh, ComparisonMesh {
  readonly friends: FriendsStore;
  private readonly deps: NodeHostDeps;
  private readonly gate: PeerGate;
  private readonly listen: string[];
  private readonly loopbackOnly: boolean;
  private node: MeshNode | null = null;
  private keys: IdentityKeys | null = null;
  private starting: Promise<void> | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly connectListeners = new Set<(peerId: string) => void>();
  private readonly windowListeners = new Set<(peerId: string) => void>();
  private readonly dialer: FriendDialer;
  /** Friends asked to renew a relay reservation once paired (nudgeRelay). */
  private readonly nudged = new Set<string>();
  /** Says whether something for a friend who is not connected is on its way through a mutual friend (forwarding). */
  private viaFriend: (peerId: string) => boolean = () => false;

  constructor(deps: NodeHostDeps) {
    this.deps = deps;
    this.friends = deps.friends;
    this.gate = deps.gate;
    this.listen = deps.listen && deps.listen.length > 0 ? deps.listen : DEFAULT_LISTEN;
    this.loopbackOnly = isLoopbackOnly(this.listen);
    this.dialer = new FriendDialer({
      node: () => this.node,
      friends: deps.friends,
      gate: deps.gate,
      loopbackOnly: this.loopbackOnly,
      tickMs: deps.config.meshRetryMs,
      pendingPeerSeen: (peerId) => deps.hooks.pendingPeerSeen(peerId),
      log: deps.log,
    });
  }

  /** How often absent friends are dialed again (TESSERA_MESH_RETRY_MS); forwarding retries parcels as often. */
  get retryMs(): number {
    return this.deps.config.meshRetryMs;
  }

  get running(): boolean {
    return this.node !== null || this.starting !== null;
  }

  /** Resolves once the node is up (rejects if it failed to start or was never started). */
  async ready(): Promise<void> {
    if (this.starting) await this.starting;
    this.requireKeys();
  }

  /** Starts the node with these keys (copied and kept in memory until stop); later calls are no-ops. */
  start(keys: IdentityKeys): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.starting ??= this.doStart(keys).catch((err: unknown) => {
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  private async doStart(keys: IdentityKeys): Promise<void> {
    this.keys = {
      signSeed: Uint8Array.from(keys.signSeed),
      signPublic: Uint8Array.from(keys.signPublic),
      boxSecret: Uint8Array.from(keys.boxSecret),
      boxPublic: Uint8Array.from(keys.boxPublic),
      boxSignature: Uint8Array.from(keys.boxSignature),
    };
    const relayMode = this.deps.relay;
    const node = await createMeshNode({
      signSeed: this.keys.signSeed,
      signPublic: this.keys.signPublic,
      // Beyond the LAN, keep reservations on friend relays (found among connected friends by identify).
      listen: this.loopbackOnly ? this.listen : [...this.listen, ...relayListenAddresses()],
      gater: connectionGater(this.gate, {
        loopbackOnly: this.loopbackOnly,
        onDeny: (peer, dir) => this.deps.log(`refused ${dir} connection from ${peer}`),
        relayForFriends: relayMode === 'on',
        onRelayDeny: (from, to) => this.deps.log(`refused to relay ${from} to ${to}`),
      }),
      mdns: this.deps.config.mdns,
      relayMode,
      loopbackOnly: this.loopbackOnly,
      // Not on loopback-only nodes (tests); TESSERA_UPNP=0 turns it off.
      upnp: !this.loopbackOnly && this.deps.config.upnp,
    });
    if (relayMode === 'on') {
      this.deps.strangers.attach(node);
      this.deps.log('serving as a circuit relay for friends');
    }
    await this.deps.protocols.serveOn(node);
    node.addEventListener('connection:open', (e) => this.onConnection(e.detail.remotePeer.toString(), true));
    node.addEventListener('connection:close', (e) =>
      this.onConnection(e.detail.remotePeer.toString(), false),
    );
    node.addEventListener('peer:identify', (e) => this.onIdentify(e.detail));
    // Not 'peer:discovery': libp2p fires that only for peers new to its peer store, and a friend dialed before is
    // there already, so mDNS finding it at a new address is only a 'peer:update' (which every change fires).
    node.addEventListener('peer:update', (e) => this.dialer.onPeerUpdate(e.detail));
    if (this.stopped) {
      this.deps.protocols.detach();
      this.deps.strangers.detach();
      await node.stop();
      return;
    }
    this.node = node;
    // Pending pairings' addresses (from their invites) go in now; a friend's when first dialed (friend-dialer.ts).
    for (const p of this.friends.listPending()) await this.dialer.remember(p.peerId, p.addresses);
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
    this.deps.log(`mesh node ${node.peerId.toString()} listening on ${this.addresses().join(', ')}`);
    void this.tick();
    this.deps.hooks.started();
  }

  /** Stops the node for good; `drain` runs once a start under way has finished, before the node stops. */
  async stop(drain: () => Promise<void> = async () => {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.starting?.catch(() => {});
    await drain();
    const node = this.node;
    this.node = null;
    this.deps.protocols.detach();
    this.deps.strangers.detach();
    if (node) await node.stop();
    if (this.keys) {
      this.keys.signSeed.fill(0);
      this.keys.boxSecret.fill(0);
      this.keys = null;
    }
  }

  /** The identity keys held in memory since the node started (so the custodian role works while locked). */
  identityKeys(): IdentityKeys | null {
    return this.keys;
  }

  /** The keys of the running node; NetworkNotRunningError before it started. */
  requireKeys(): IdentityKeys {
    if (!this.node || !this.keys) throw new NetworkNotRunningError();
    return this.keys;
  }

  /** The addresses this node can be reached at (without /p2p), as put into invites. */
  addresses(): string[] {
    if (!this.node) return [];
    return advertisedAddresses(this.node.getMultiaddrs(), this.loopbackOnly);
  }

  peerId(): string | null {
    return this.node ? this.node.peerId.toString() : null;
  }

  /** What a reply code names (PROTOCOL §11.7): up to 2 direct addresses others could dial, up to 2 relay addresses. */
  replyAddresses(): string[] {
    if (!this.node) return [];
    return replyAddresses(this.node.getMultiaddrs(), this.loopbackOnly);
  }

  /** The friend relays this node holds a reservation on now. */
  reservedRelays(): string[] {
    return this.node ? reservedRelays(this.node.getMultiaddrs()) : [];
  }

  /** Whether this node runs the relay server for friends now (chosen at start). */
  relaying(): boolean {
    return this.node !== null && this.deps.relay === 'on';
  }

  // ---- connections ------------------------------------------------------------------------------------------------

  /** A connection (direct or relayed) to `peerId` is open. */
  isConnected(peerId: string): boolean {
    return this.node ? this.node.getConnections(peerIdFromString(peerId)).length > 0 : false;
  }

  /** Peer IDs of the friends with an open connection, read from the open connections (not the friend list). */
  connectedFriends(): string[] {
    if (!this.node) return [];
    const ids = new Set(this.node.getConnections().map((c) => c.remotePeer.toString()));
    return [...ids].filter((peerId) => this.gate.isFriend(peerId));
  }

  /** How a friend is reached now: an open connection's kind, else a parcel on its way via a mutual friend. */
  pathOf(peerId: string): FriendPath {
    const open = this.node ? pathOfConnections(this.node.getConnections(peerIdFromString(peerId))) : null;
    return open ?? (this.viaFriend(peerId) ? 'via-friend' : 'unreachable');
  }

  /** Forwarding tells the node which unconnected friends are being served through a mutual friend. */
  setViaFriend(check: (peerId: string) => boolean): void {
    this.viaFriend = check;
  }

  onPeerConnected(listener: (peerId: string) => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  /** A peer of an open window (a recovery session, PROTOCOL §11.7) connected, whoever dialed. */
  onWindowPeerConnected(listener: (peerId: string) => void): () => void {
    this.windowListeners.add(listener);
    return () => this.windowListeners.delete(listener);
  }

  /** How `peerId` is connected now (direct or through a relay), or null when it is not. */
  connectionPath(peerId: string): 'direct' | 'relayed' | null {
    const path = this.node ? pathOfConnections(this.node.getConnections(peerIdFromString(peerId))) : null;
    return path === 'direct' || path === 'relayed' ? path : null;
  }

  /** The remote address of an open direct connection to `peerId` (to tell a LAN from anywhere else), or null. */
  directAddress(peerId: string): string | null {
    if (!this.node) return null;
    const direct = this.node
      .getConnections(peerIdFromString(peerId))
      .find(
        (c) =>
          c.status === 'open' && c.limits === undefined && !c.remoteAddr.toString().includes('/p2p-circuit'),
      );
    return direct ? direct.remoteAddr.toString() : null;
  }

  /** Ends every connection to `peerId` (errors are the caller's). */
  async hangUp(peerId: string): Promise<void> {
    if (this.node) await this.node.hangUp(peerIdFromString(peerId));
  }

  /** Ends the connections to `peerId` if the gate no longer admits them. */
  async hangUpUnlessAdmitted(peerId: string): Promise<void> {
    if (this.node && !this.gate.allows(peerId)) {
      await this.node.hangUp(peerIdFromString(peerId)).catch(() => {});
    }
  }

  /**
   * Recovery: lets this node dial (and be reached by) a non-friend `peerId` until `until`, at `addresses` (e.g. a
   * recovery session from its code). Always dialed by its pinned peer ID; `release` closes the window again.
   */
  async admit(peerId: string, addresses: string[], until: number): Promise<void> {
    this.requireKeys();
    this.gate.openWindow(peerId, until);
    await this.dialer.remember(peerId, addresses);
  }

  async release(peerId: string): Promise<void> {
    this.gate.closeWindow(peerId);
    await this.hangUpUnlessAdmitted(peerId);
  }

  /** A friendship just completed: if they run a relay, make sure we hold a reservation there (relay.ts). */
  nudgeRelay(peerId: string): void {
    const node = this.node;
    if (!node || this.loopbackOnly || this.deps.relay === 'on' || this.nudged.has(peerId)) return;
    this.nudged.add(peerId);
    setTimeout(() => void reserveOnNewFriend(node, peerId, (m) => this.deps.log(m)), 1_000).unref();
  }

  // ---- conversations ----------------------------------------------------------------------------------------------

  /** Serves `protocol` for the peers it admits (protocol-registry.ts), now if the node runs, else once it starts. */
  handle(protocol: ProtocolName, handler: ProtocolHandler): void {
    this.deps.protocols.handle(protocol, handler);
  }

  /** Opens a conversation with a friend's pinned peer ID, at its stored addresses if not dialed yet in this run. */
  async open(peerId: string, protocol: ProtocolName): Promise<Conversation> {
    this.requireKeys();
    await this.dialer.knownAddresses(peerId);
    return this.openConversation(peerId, protocol, CONVERSATION_TIMEOUT_MS[protocol]);
  }

  /** Opens a conversation with whatever addresses the peer store has for `peerId` (a pending pairing's). */
  openConversation(peerId: string, protocol: ProtocolName, timeoutMs: number): Promise<Conversation> {
    if (!this.node) return Promise.reject(new NetworkNotRunningError());
    return openConversation(this.node, peerId, protocol, { timeoutMs });
  }

  /** Puts `addrs` (the usable ones) into the peer store for `peerId` (a pending pairing's, from its invite). */
  remember(peerId: string, addrs: string[]): Promise<void> {
    return this.dialer.remember(peerId, addrs);
  }

  /** The friend was removed: their stored addresses are read again should they be dialed (a deletion request). */
  forget(peerId: string): void {
    this.dialer.forget(peerId);
  }

  // ---- background -------------------------------------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.ticking || !this.node) return;
    this.ticking = true;
    try {
      await this.deps.hooks.tick();
      await this.dialer.dialAbsentFriends();
    } finally {
      this.ticking = false;
    }
  }

  private onConnection(peerId: string, open: boolean): void {
    // A recovery session reached us (it dialed, or we did): the custodian's side has something to say (§11.7).
    if (open && this.gate.reason(peerId) === 'window') for (const l of this.windowListeners) l(peerId);
    if (!this.gate.isFriend(peerId)) return;
    if (open) this.dialer.connected(peerId);
    this.deps.hooks.friendConnection(peerId, open);
    if (open) for (const listener of this.connectListeners) listener(peerId);
  }

  private onIdentify(result: IdentifyResult): void {
    const peerId = result.peerId.toString();
    // An announced stranger (PROTOCOL §11.7) is only passed through: what it speaks is nobody's business here.
    if (!this.gate.allowsOutbound(peerId)) return;
    this.deps.hooks.peerProtocols(peerId, result.protocols, result.agentVersion);
    if (!this.gate.isFriend(peerId)) return;
    this.deps.hooks.friendIdentified(
      peerId,
      friendAddresses(result.listenAddrs, this.loopbackOnly, MAX_PEER_ADDRESSES),
    );
  }
}
