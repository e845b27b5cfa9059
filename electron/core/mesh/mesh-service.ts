/**
 * The mesh of a data dir, as the rest of the core uses it: one libp2p node per process (node-host.ts), the friends
 * (friend-directory.ts, kept in SQLite: migration 002) that feed the connection gate (gater.ts), invites and pairing
 * (pairing-service.ts), the protocols served (protocol-registry.ts), code comparisons (friend-comparisons.ts) and name
 * notices (name-notices.ts). This class only wires them together and keeps the API the handlers, backups and recovery
 * call; the node starts on the first unlock (it needs the identity's secret key) and keeps running when the vault
 * locks again, so a custodian in the tray keeps serving its friends. It stops when the core closes.
 */
import type { Database } from 'better-sqlite3';
import { peerIdOf } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import type { Friend, PendingFriend } from '../../../shared/api/ops/friends.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import { systemClock } from '../config.ts';
import type { Clock, CoreConfig } from '../config.ts';
import { FriendComparisons } from './friend-comparisons.ts';
import { FriendDirectory } from './friend-directory.ts';
import { FriendVersions, isUnsupportedProtocol } from './friend-versions.ts';
import { PROTOCOLS } from '../../../shared/protocol/protocols.ts';
import { FriendsStore } from './friends-store.ts';
import type { ForwardMesh } from './forwarding/forward-service.ts';
import { PeerGate } from './gater.ts';
import type { MeshEvents } from './mesh-events.ts';
import { NameNotices } from './name-notices.ts';
import { NodeHost } from './node-host.ts';
import { PairingService } from './pairing-service.ts';
import { ProtocolRegistry } from './protocol-registry.ts';
import type { ProtocolHandler } from './protocol-registry.ts';
import type { RelayMode } from './relay.ts';
import type { Conversation } from './rpc.ts';
import { announceStranger } from './stranger-announce.ts';
import type { StrangerAdmissionResult } from './stranger-announce.ts';
import { StrangerRelay } from './stranger-relay.ts';

/**
 * The tunables the mesh reads (electron/core/config.ts): mDNS discovery on `_tessera._udp.local`, UPnP port mapping,
 * and how often pending pairings are retried and absent friends re-dialed.
 */
export type MeshConfig = Pick<
  CoreConfig,
  'mdns' | 'upnp' | 'meshRetryMs' | 'strangerRelayMs' | 'strangerRelayBytes'
>;

export interface MeshOptions {
  listen?: string[] | null;
  config: MeshConfig;
  clock?: Clock;
  log?: (message: string) => void;
  /** Serve friends as a circuit relay (default off; the app decides in electron/core/services.ts). */
  relay?: RelayMode;
}

export class MeshService {
  readonly friends: FriendsStore;
  /** The code comparison of each friendship (PROTOCOL §8.5). */
  readonly comparisons: FriendComparisons;
  /** What store and forward needs (forwarding/forward-service.ts): the running node's links to friends. */
  readonly forwarding: ForwardMesh;
  /** What this run has seen of each friend's Tessera: "NAME needs to update Tessera" (PROTOCOL §13.3). */
  readonly versions: FriendVersions;
  private readonly gate: PeerGate;
  /** The person's new name, told to friends, and friends' new names (PROTOCOL §8.6). */
  private readonly names: NameNotices;
  private readonly host: NodeHost;
  private readonly directory: FriendDirectory;
  private readonly pairing: PairingService;
  private readonly protocols: ProtocolRegistry;
  private readonly log: (message: string) => void;
  /** The person's own name, put into invites and name notices. */
  private name = '';

  constructor(db: Database, events: MeshEvents, options: MeshOptions) {
    const clock = options.clock ?? systemClock;
    const now = (): number => clock.now();
    this.log = (message) => options.log?.(message);
    this.friends = new FriendsStore(db, now);
    this.gate = new PeerGate(now);
    this.protocols = new ProtocolRegistry(this.gate, this.log);
    const strangers = new StrangerRelay({
      gate: this.gate,
      limits: { maxMs: options.config.strangerRelayMs, maxBytes: options.config.strangerRelayBytes },
      now,
      log: this.log,
    });
    this.versions = new FriendVersions(() => events.changed('friends', 'backup', 'requests'));
    this.host = new NodeHost({
      friends: this.friends,
      gate: this.gate,
      protocols: this.protocols,
      listen: options.listen,
      relay: options.relay ?? 'off',
      strangers,
      config: options.config,
      log: this.log,
      hooks: {
        started: () => events.changed('status', 'friends'),
        tick: () => this.pairing.retryPending(),
        friendConnection: (peerId, open) => {
          this.directory.seen(peerId);
          if (open && this.name) this.names.connected(peerId, this.name);
        },
        friendIdentified: (peerId, addresses) => this.directory.identified(peerId, addresses),
        peerProtocols: (peerId, protocols, agent) => this.versions.identified(peerId, protocols, agent),
        pendingPeerSeen: (peerId) => void this.pairing.tryPair(peerId),
      },
    });
    this.forwarding = this.host;
    this.directory = new FriendDirectory({
      friends: this.friends,
      gate: this.gate,
      presence: this.host,
      versions: this.versions,
      events,
      now,
    });
    this.pairing = new PairingService({
      friends: this.friends,
      link: {
        open: (peerId, timeoutMs) => this.host.openConversation(peerId, 'pair', timeoutMs),
        remember: (peerId, addresses) => this.host.remember(peerId, addresses),
      },
      self: () => {
        const keys = this.host.identityKeys();
        return keys && { keys, name: this.name, addresses: this.host.addresses() };
      },
      pendingChanged: () => this.directory.changed(false),
      paired: (peerId) => this.afterPairing(peerId),
      now,
      log: this.log,
    });
    this.protocols.handle('pair', (conv) => this.pairing.serve(conv), 'pairing');
    this.protocols.handle('profile', (conv) => this.names.serve(conv));
    // Friends announce remote recoveries' new devices; a device that does not relay answers that it does not.
    this.protocols.handle('relayAdmit', (conv) => strangers.serve(conv), 'stranger admission');
    this.comparisons = new FriendComparisons({
      mesh: {
        identityKeys: () => this.host.identityKeys(),
        open: (peerId, protocol) => this.open(peerId, protocol),
        handle: (protocol, handler) => this.host.handle(protocol, handler),
      },
      versions: this.versions,
      friends: this.friends,
      changed: () => events.changed('friends'),
      now,
      log: this.log,
    });
    this.names = new NameNotices({
      friends: this.friends,
      keys: () => this.host.identityKeys(),
      open: (peerId) => this.host.open(peerId, 'profile'),
      connectedFriends: () => this.host.connectedFriends(),
      changed: () => events.changed('friends', 'backup', 'held', 'requests', 'recovery'),
      emit: (event) => events.emit?.(event),
      now,
      log: this.log,
    });
  }

  /** Pairing finished (on either side): tell the person, reserve on their relay, compare codes (PROTOCOL §8.5). */
  private afterPairing(peerId: string): void {
    this.directory.changed(true);
    this.directory.announcePaired(peerId);
    this.host.nudgeRelay(peerId);
    const keys = this.host.identityKeys();
    if (keys) void this.comparisons.afterPairing(peerId, peerIdOf(keys.signPublic));
  }

  // ---- the node -------------------------------------------------------------------------------------------------

  get running(): boolean {
    return this.host.running;
  }

  /** Resolves once the node is up (rejects if it failed to start or was never started). */
  ready(): Promise<void> {
    return this.host.ready();
  }

  /** Starts the node with these keys (copied and kept in memory until stop); later calls are no-ops. */
  start(keys: IdentityKeys, name: string): Promise<void> {
    if (!this.host.running) this.name = name;
    return this.host.start(keys);
  }

  async stop(): Promise<void> {
    await this.host.stop(() => this.names.settled());
  }

  /** The addresses this node can be reached at (without /p2p), as put into invites. */
  addresses(): string[] {
    return this.host.addresses();
  }

  peerId(): string | null {
    return this.host.peerId();
  }

  /** Whether this node runs the relay server for friends now (chosen at start). */
  relaying(): boolean {
    return this.host.relaying();
  }

  /** The identity keys held in memory since the node started (so the custodian role works while locked). */
  identityKeys(): IdentityKeys | null {
    return this.host.identityKeys();
  }

  onPeerConnected(listener: (peerId: string) => void): () => void {
    return this.host.onPeerConnected(listener);
  }

  // ---- the gate -------------------------------------------------------------------------------------------------

  refreshGate(): void {
    this.directory.refreshGate();
  }

  /**
   * The narrow exception of PROTOCOL §8.1: removed friends who still have to be asked to delete a piece may be
   * reached (by us, on the backup protocol) until they have. Called again (refreshGate) when that changes.
   */
  setRetiring(source: () => string[]): void {
    this.directory.setRetiring(source);
  }

  /** A removed friend no longer owed anything: close the gate to them and end any connection. */
  async retired(peerId: string): Promise<void> {
    this.directory.refreshGate();
    await this.host.hangUpUnlessAdmitted(peerId);
  }

  /**
   * Recovery: lets this node dial (and be reached by) a non-friend `peerId` until `until`, at `addresses` (e.g. a
   * recovery session from its code). Always dialed by its pinned peer ID; `release` closes the window again.
   */
  /** A recovery session admitted by a window connected (PROTOCOL §11.7: the custodian then opens the streams). */
  onWindowPeerConnected(listener: (peerId: string) => void): () => void {
    return this.host.onWindowPeerConnected(listener);
  }

  connectionPath(peerId: string): 'direct' | 'relayed' | null {
    return this.host.connectionPath(peerId);
  }

  directAddress(peerId: string): string | null {
    return this.host.directAddress(peerId);
  }

  connectedFriends(): string[] {
    return this.host.connectedFriends();
  }

  admit(peerId: string, addresses: string[], until: number): Promise<void> {
    return this.host.admit(peerId, addresses, until);
  }

  release(peerId: string): Promise<void> {
    return this.host.release(peerId);
  }

  /**
   * Remote recovery (PROTOCOL §11.7): announces `stranger` (the new device's session peer ID) until `until` to each
   * friend relay this node holds a reservation on, so it may reach this node through them. One answer per relay;
   * none when this node holds no reservation.
   */
  admitStranger(stranger: string, until: number): Promise<StrangerAdmissionResult[]> {
    this.host.requireKeys();
    return announceStranger(
      { relays: () => this.host.reservedRelays(), open: (peerId, protocol) => this.open(peerId, protocol) },
      stranger,
      until,
    );
  }

  /**
   * What this node's reply code names (PROTOCOL §11.7): at most 2 direct addresses others could dial and at most 2
   * relay addresses `/…/p2p/<relay>/p2p-circuit`, without this node's own `/p2p/<id>`.
   */
  replyAddresses(): string[] {
    return this.host.replyAddresses();
  }

  // ---- friends --------------------------------------------------------------------------------------------------

  invite(ttlMinutes: number): { code: string; expiresAt: number } {
    this.host.requireKeys();
    return this.pairing.invite(ttlMinutes);
  }

  async pair(code: string): Promise<{
    state: 'waiting' | 'paired';
    name: string;
    peerId: string;
    comparisonCode: string;
    friend?: Friend;
  }> {
    this.host.requireKeys();
    const outcome = await this.pairing.accept(code);
    // The code exists only once the friends have run a comparison (PROTOCOL §8.5), after pairing completes.
    const base = { name: outcome.name, peerId: outcome.peerId, comparisonCode: '' };
    if (outcome.state === 'waiting') return { ...base, state: 'waiting' };
    if (outcome.state === 'paired')
      await this.comparisons.afterPairing(outcome.peerId, outcome.selfPeerId, 8_000);
    return this.directory.paired(base, outcome.peerId);
  }

  /** One friend as the API shows it. */
  friend(peerId: string): Friend {
    return this.directory.friend(peerId);
  }

  list(): Friend[] {
    return this.directory.list();
  }

  pending(): PendingFriend[] {
    return this.directory.pending();
  }

  /**
   * The person renamed themselves: new invites carry the new name, and friends are told (PROTOCOL §8.6), connected
   * ones now, the others when they next connect.
   */
  renamed(name: string): void {
    this.name = name;
    this.names.renamed(name);
  }

  /** Gives a friend a nickname on this device (null: none); returns the friend as the API shows it. */
  rename(peerId: string, nickname: string | null): Friend {
    return this.directory.rename(peerId, nickname);
  }

  async remove(peerId: string): Promise<void> {
    this.directory.remove(peerId);
    this.host.forget(peerId);
    // Still owed a deletion request: the connection stays allowed (PROTOCOL §8.1) until it is delivered.
    if (this.gate.reason(peerId) === 'retiring') return;
    try {
      await this.host.hangUp(peerId);
    } catch (err) {
      this.log(`hang up ${peerId}: ${String(err)}`);
    }
  }

  /** The person judged a friend's code: the notice asking them to has done its work. */
  friendJudged(peerId: string): void {
    this.directory.judged(peerId);
  }

  /**
   * Friends were added or removed, or a friend's stored addresses changed: what a backup's contact list holds.
   * (The `friends` event topic also fires on every connection, for the UI.)
   */
  onContactsChanged(listener: () => void): () => void {
    return this.directory.onContactsChanged(listener);
  }

  // ---- for other services ---------------------------------------------------------------------------------------

  /** Serves `protocol` for friends (gate-checked) with `handler`, now if the node runs, else once it starts. */
  handle(protocol: ProtocolName, handler: ProtocolHandler): void {
    this.protocols.handle(protocol, handler);
  }

  /**
   * Opens a conversation with a friend's pinned peer ID. A negotiation the friend's device fails because it does
   * not speak the protocol is remembered (friend-versions.ts), so the person is told who needs to update.
   */
  open(peerId: string, protocol: ProtocolName): Promise<Conversation> {
    return this.host.open(peerId, protocol).catch((err: unknown) => {
      if (isUnsupportedProtocol(err)) this.versions.unsupported(peerId, PROTOCOLS[protocol]);
      throw err;
    });
  }
}
