/**
 * The mesh: one libp2p node per process, started on the first unlock (it needs the identity's secret key) and kept
 * running when the vault locks again, so a custodian in the tray keeps serving its friends. It stops when the core
 * closes. Friends and pairing state live in SQLite (migration 002) and feed the connection gate.
 */
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Database } from 'better-sqlite3';
import type { IdentifyResult, PeerUpdate } from '@libp2p/interface';
import { fingerprintOf, peerIdOf } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { systemRandom } from '../../../shared/crypto/random.ts';
import { BadRequestError, NotFoundError, TesseraError } from '../../../shared/errors.ts';
import type { Friend, PendingFriend } from '../../../shared/api/ops/friends.ts';
import type { TesseraEvent, Topic } from '../../../shared/api/events.ts';
import {
  checkInviteFresh,
  decodeInvite,
  encodeInvite,
  inviteBytes,
  inviteHash,
  INVITE_SECRET_BYTES,
} from '../../../shared/protocol/invite.ts';
import { isLoopbackOnly } from './addresses.ts';
import { FriendsStore } from './friends-store.ts';
import { FriendComparisons } from './friend-comparisons.ts';
import { NameNotices } from './name-notices.ts';
import { shownName } from './friends-store.ts';
import type { FriendRecord } from './friends-store.ts';
import { connectionGater, PeerGate } from './gater.ts';
import { createMeshNode, DEFAULT_LISTEN } from './node.ts';
import type { MeshNode } from './node.ts';
import { runPairingDialer, runPairingListener } from './pairing.ts';
import { openConversation, serveProtocol } from './rpc.ts';
import type { Conversation } from './rpc.ts';
import { CONVERSATION_TIMEOUT_MS } from '../../../shared/protocol/protocols.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import { relayListenAddresses, reserveOnNewFriend } from './relay.ts';
import type { RelayMode } from './relay.ts';
import { advertisedAddresses, friendAddresses, PathTracker } from './reachability.ts';
import type { FriendPath } from './reachability.ts';
import { systemClock } from '../config.ts';
import type { Clock, CoreConfig } from '../config.ts';

export const PENDING_PAIRING_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface MeshEvents {
  changed(...topics: Topic[]): void;
  /** Tells the person something (a new friend); absent in tests that only watch topics. */
  emit?(event: TesseraEvent): void;
}

/**
 * The tunables the mesh reads (electron/core/config.ts): mDNS discovery on `_tessera._udp.local`, UPnP port mapping,
 * and how often pending pairings are retried and absent friends re-dialed.
 */
export type MeshConfig = Pick<CoreConfig, 'mdns' | 'upnp' | 'meshRetryMs'>;

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
  readonly gate: PeerGate;
  private readonly events: MeshEvents;
  private readonly listen: string[];
  private readonly loopbackOnly: boolean;
  private readonly options: MeshOptions;
  private readonly now: () => number;
  private node: MeshNode | null = null;
  private keys: IdentityKeys | null = null;
  private name = '';
  private starting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly inFlight = new Map<string, Promise<FriendRecord | null>>();
  private stopped = false;
  /** Protocols other services (backups, recovery) serve on this node. */
  /** The code comparison of each friendship (PROTOCOL §8.5). */
  readonly comparisons: FriendComparisons;
  /** The person's new name, told to friends, and friends' new names (PROTOCOL §8.6). */
  readonly names: NameNotices;
  private readonly services: { protocol: ProtocolName; handler: (conv: Conversation) => Promise<void> }[] =
    [];
  private readonly connectListeners = new Set<(peerId: string) => void>();
  private readonly contactListeners = new Set<() => void>();
  /** Per friend or pending peer: the addresses onPeerUpdate has already reacted to. */
  private readonly seenAddresses = new Map<string, Set<string>>();
  /** Friends whose stored addresses are in the peer store already (knownAddresses). */
  private readonly storedAddressesLoaded = new Set<string>();
  private cursor = 0;
  /** Direct, hole-punched or relayed, per friend (reachability.ts). */
  readonly paths: PathTracker;
  /** Says whether something for a friend who is not connected is on its way through a mutual friend (forwarding). */
  private viaFriend: (peerId: string) => boolean = () => false;
  private relayMode: RelayMode = 'off';
  private readonly nudged = new Set<string>();
  /** Former friends still owed a deletion request (the backup owner says who: setRetiring). */
  private retiringPeers: () => string[] = () => [];

  constructor(db: Database, events: MeshEvents, options: MeshOptions) {
    const clock = options.clock ?? systemClock;
    this.now = () => clock.now();
    this.friends = new FriendsStore(db, this.now);
    this.events = events;
    this.options = options;
    this.gate = new PeerGate(this.now);
    this.paths = new PathTracker(this.now);
    this.listen = options.listen && options.listen.length > 0 ? options.listen : DEFAULT_LISTEN;
    this.loopbackOnly = isLoopbackOnly(this.listen);
    this.refreshGate();
    this.comparisons = new FriendComparisons({
      mesh: this,
      friends: this.friends,
      changed: () => this.events.changed('friends'),
      now: this.now,
      log: (m) => this.log(m),
    });
    this.names = new NameNotices({
      friends: this.friends,
      keys: () => this.keys,
      open: (peerId) => this.open(peerId, 'profile'),
      connectedFriends: () => this.connectedFriends(),
      changed: () => this.events.changed('friends', 'backup', 'held', 'requests', 'recovery'),
      emit: (event) => this.events.emit?.(event),
      now: this.now,
      log: (m) => this.log(m),
    });
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  get running(): boolean {
    return this.node !== null || this.starting !== null;
  }

  /** Resolves once the node is up (rejects if it failed to start or was never started). */
  async ready(): Promise<void> {
    if (this.starting) await this.starting;
    this.requireNode();
  }

  /** Starts the node with these keys (copied and kept in memory until stop); later calls are no-ops. */
  start(keys: IdentityKeys, name: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.starting ??= this.doStart(keys, name).catch((err: unknown) => {
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  private async doStart(keys: IdentityKeys, name: string): Promise<void> {
    this.keys = {
      signSeed: Uint8Array.from(keys.signSeed),
      signPublic: Uint8Array.from(keys.signPublic),
      boxSecret: Uint8Array.from(keys.boxSecret),
      boxPublic: Uint8Array.from(keys.boxPublic),
      boxSignature: Uint8Array.from(keys.boxSignature),
    };
    this.name = name;
    const relayMode = this.options.relay ?? 'off';
    this.relayMode = relayMode;
    const node = await createMeshNode({
      signSeed: this.keys.signSeed,
      signPublic: this.keys.signPublic,
      // Beyond the LAN, keep reservations on friend relays (found among connected friends by identify).
      listen: this.loopbackOnly ? this.listen : [...this.listen, ...relayListenAddresses()],
      gater: connectionGater(this.gate, {
        loopbackOnly: this.loopbackOnly,
        onDeny: (peer, dir) => this.log(`refused ${dir} connection from ${peer}`),
        relayForFriends: relayMode === 'on',
      }),
      mdns: this.options.config.mdns,
      relayMode,
      loopbackOnly: this.loopbackOnly,
      // Not on loopback-only nodes (tests); TESSERA_UPNP=0 turns it off.
      upnp: !this.loopbackOnly && this.options.config.upnp,
    });
    this.paths.attach(node);
    if (relayMode === 'on') this.log('serving as a circuit relay for friends');
    await serveProtocol(
      node,
      this.gate,
      'pair',
      async (conv) => {
        const friend = await runPairingListener(conv, this.keys!, this.friends, this.now);
        if (friend) this.afterFriendsChanged(true);
        if (friend) this.announceFriend(friend.peerId);
        if (friend) this.onNewFriend(conv.remotePeer);
        if (friend) void this.comparisons.afterPairing(friend.peerId, peerIdOf(this.keys!.signPublic));
      },
      {
        onError: (err, peer) => this.log(`pairing with ${peer} failed: ${String(err)}`),
      },
    );
    await this.serveService(node, 'profile', (conv) => this.names.serve(conv));
    for (const { protocol, handler } of this.services) await this.serveService(node, protocol, handler);
    node.addEventListener('connection:open', (e) => this.onConnection(e.detail.remotePeer.toString(), true));
    node.addEventListener('connection:close', (e) =>
      this.onConnection(e.detail.remotePeer.toString(), false),
    );
    node.addEventListener('peer:identify', (e) => this.onIdentify(e.detail));
    // Not 'peer:discovery': libp2p fires that only for peers new to its peer store, and a friend dialed before is
    // there already, so mDNS finding it at a new address is only a 'peer:update' (which every change fires).
    node.addEventListener('peer:update', (e) => this.onPeerUpdate(e.detail));
    if (this.stopped) {
      await node.stop();
      return;
    }
    this.node = node;
    // Friends' stored addresses go into the peer store when we first dial them (knownAddresses), not all at start:
    // a custodian for 10,000 friends would otherwise build 10,000 peer records before serving, most never dialed.
    for (const p of this.friends.listPending()) await this.rememberAddresses(p.peerId, p.addresses);
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
    this.log(`mesh node ${node.peerId.toString()} listening on ${this.addresses().join(', ')}`);
    void this.tick();
    this.events.changed('status', 'friends');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.starting?.catch(() => {});
    await this.names.settled();
    const node = this.node;
    this.node = null;
    if (node) await node.stop();
    if (this.keys) {
      this.keys.signSeed.fill(0);
      this.keys.boxSecret.fill(0);
      this.keys = null;
    }
  }

  /** The addresses this node can be reached at (without /p2p), as put into invites. */
  addresses(): string[] {
    if (!this.node) return [];
    return advertisedAddresses(this.node.getMultiaddrs(), this.loopbackOnly);
  }

  peerId(): string | null {
    return this.node ? this.node.peerId.toString() : null;
  }

  private requireNode(): { node: MeshNode; keys: IdentityKeys } {
    if (!this.node || !this.keys)
      throw new TesseraError('UNREACHABLE', 'The network is not running yet. Unlock the vault first.');
    return { node: this.node, keys: this.keys };
  }

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

  /** A removed friend no longer owed anything: close the gate to them and end any connection. */
  async retired(peerId: string): Promise<void> {
    this.refreshGate();
    if (this.node && !this.gate.allows(peerId)) {
      await this.node.hangUp(peerIdFromString(peerId)).catch(() => {});
    }
  }

  /** Friends or pending pairings changed; `contacts`: the friends themselves (what a backup's contact list holds). */
  private afterFriendsChanged(contacts: boolean): void {
    this.refreshGate();
    this.events.changed('friends', 'status');
    if (contacts) this.contactsChanged();
  }

  private contactsChanged(): void {
    for (const listener of this.contactListeners) listener();
  }

  /**
   * Friends were added or removed, or a friend's stored addresses changed: what a backup's contact list holds.
   * (The `friends` event topic also fires on every connection, for the UI.)
   */
  onContactsChanged(listener: () => void): () => void {
    this.contactListeners.add(listener);
    return () => this.contactListeners.delete(listener);
  }

  /** Puts a friend's stored addresses into the peer store before the first dial of this run. */
  private async knownAddresses(peerId: string): Promise<void> {
    if (this.storedAddressesLoaded.has(peerId)) return;
    const friend = this.friends.getFriend(peerId);
    const addresses = friend ? friend.addresses : this.friends.formerAddresses(peerId);
    if (addresses.length === 0) return;
    this.storedAddressesLoaded.add(peerId);
    await this.rememberAddresses(peerId, addresses);
  }

  private async rememberAddresses(peerId: string, addrs: string[]): Promise<void> {
    const node = this.node;
    if (!node) return;
    const multiaddrs = friendAddresses(addrs, this.loopbackOnly, 16).map((a) => multiaddr(a));
    if (multiaddrs.length === 0) return;
    const seen = this.seenAddresses.get(peerId) ?? new Set<string>();
    for (const a of multiaddrs) seen.add(a.toString());
    this.seenAddresses.set(peerId, seen);
    try {
      await node.peerStore.merge(peerIdFromString(peerId), { multiaddrs });
    } catch (err) {
      this.log(`could not store addresses of ${peerId}: ${String(err)}`);
    }
  }

  // ---- operations ---------------------------------------------------------------------------------------------

  invite(ttlMinutes: number): { code: string; expiresAt: number } {
    const { keys } = this.requireNode();
    const now = this.now();
    const expiresAt = now + ttlMinutes * 60_000;
    const invite = {
      signPublic: keys.signPublic,
      boxPublic: keys.boxPublic,
      boxSignature: keys.boxSignature,
      name: this.name,
      addresses: this.addresses(),
      expiresAt,
      secret: systemRandom(INVITE_SECRET_BYTES),
    };
    const code = encodeInvite(invite);
    this.friends.addOwnInvite(inviteHash(inviteBytes(invite)), now, expiresAt);
    this.friends.pruneOwnInvites(now - PENDING_PAIRING_DAYS * DAY_MS);
    return { code, expiresAt };
  }

  async pair(code: string): Promise<{
    state: 'waiting' | 'paired';
    name: string;
    peerId: string;
    comparisonCode: string;
    friend?: Friend;
  }> {
    const { keys } = this.requireNode();
    const invite = decodeInvite(code);
    const now = this.now();
    checkInviteFresh(invite, now);
    if (invite.peerId === peerIdOf(keys.signPublic))
      throw new BadRequestError('That is your own invite code. Enter the code your friend shows you.');
    // The code exists only once the friends have run a comparison (PROTOCOL §8.5), after pairing completes.
    const base = { name: invite.name, peerId: invite.peerId, comparisonCode: '' };
    const existing = this.friends.getFriend(invite.peerId);
    if (existing) return this.paired(base, existing.peerId);
    this.friends.putPending({
      peerId: invite.peerId,
      name: invite.name,
      signPublic: invite.signPublic,
      boxPublic: invite.boxPublic,
      boxSignature: invite.boxSignature,
      addresses: invite.addresses,
      inviteHash: invite.hash,
      acceptedAt: now,
      giveUpAt: now + PENDING_PAIRING_DAYS * DAY_MS,
    });
    this.afterFriendsChanged(false);
    await this.rememberAddresses(invite.peerId, invite.addresses);
    const friend = await this.tryPair(invite.peerId, 8_000);
    if (friend) {
      await this.comparisons.afterPairing(friend.peerId, peerIdOf(keys.signPublic), 8_000);
      return this.paired(base, friend.peerId);
    }
    return { ...base, state: 'waiting' };
  }

  private paired(
    base: { name: string; peerId: string; comparisonCode: string },
    peerId: string,
  ): { state: 'paired'; name: string; peerId: string; comparisonCode: string; friend?: Friend } {
    const record = this.friends.getFriend(peerId);
    if (!record) return { ...base, state: 'paired' };
    const friend = this.toFriend(record);
    return { ...base, comparisonCode: friend.comparisonCode, state: 'paired', friend };
  }

  /** One friend as the API shows it. */
  friend(peerId: string): Friend {
    const record = this.friends.getFriend(peerId);
    if (!record) throw new NotFoundError('No friend with that peer ID.');
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

  /** Whether this node runs the relay server for friends now (chosen at start). */
  relaying(): boolean {
    return this.node !== null && this.relayMode === 'on';
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
    if (!this.friends.setNickname(peerId, nickname)) throw new NotFoundError('No friend with that peer ID.');
    this.events.changed('friends', 'backup', 'held', 'requests', 'recovery');
    return this.friend(peerId);
  }

  async remove(peerId: string): Promise<void> {
    const wasFriend = this.friends.getFriend(peerId) !== null;
    if (!this.friends.removeFriend(peerId))
      throw new NotFoundError('No friend or pending pairing with that peer ID.');
    this.afterFriendsChanged(wasFriend);
    this.storedAddressesLoaded.delete(peerId);
    // Still owed a deletion request: the connection stays allowed (PROTOCOL §8.1) until it is delivered.
    if (this.gate.reason(peerId) === 'retiring') return;
    if (this.node) {
      try {
        await this.node.hangUp(peerIdFromString(peerId));
      } catch (err) {
        this.log(`hang up ${peerId}: ${String(err)}`);
      }
    }
  }

  private toFriend(f: FriendRecord): Friend {
    return {
      name: shownName(f),
      chosenName: f.name,
      nickname: f.nickname ?? null,
      peerId: f.peerId,
      fingerprint: fingerprintOf(f.signPublic),
      comparisonCode: f.sasCode ?? '',
      verified: (f.verifiedAt ?? null) !== null,
      addresses: f.addresses,
      addedAt: f.addedAt,
      lastSeen: f.lastSeen,
      reachable: this.isConnected(f.peerId),
      path: this.pathOf(f.peerId),
    };
  }

  /** How a friend is reached now: an open connection's kind, else a parcel on its way via a mutual friend. */
  pathOf(peerId: string): FriendPath {
    const open = this.node
      ? this.paths.pathOf(peerId, this.node.getConnections(peerIdFromString(peerId)))
      : null;
    return open ?? (this.viaFriend(peerId) ? 'via-friend' : 'unreachable');
  }

  /** A friendship just completed: if they run a relay, make sure we hold a reservation there (relay.ts). */
  /** Pairing finished (on either side): say so, and what comes next (comparing codes, PROTOCOL §6.4). */
  private announceFriend(peerId: string): void {
    const name = this.friends.getFriend(peerId)?.name ?? 'Your friend';
    this.events.emit?.({
      type: 'notice',
      key: `paired:${peerId}`,
      title: `${name} is now your friend`,
      body: `Under Friends, check with ${name} that both screens show the same code before you ask them to keep a piece.`,
    });
  }

  /** The person judged a friend's code: the notice asking them to (announceFriend) has done its work. */
  friendJudged(peerId: string): void {
    this.events.emit?.({ type: 'notice-withdrawn', key: `paired:${peerId}` });
  }

  private onNewFriend(peerId: string): void {
    const node = this.node;
    if (!node || this.loopbackOnly || this.relayMode === 'on' || this.nudged.has(peerId)) return;
    this.nudged.add(peerId);
    setTimeout(() => void reserveOnNewFriend(node, peerId, (m) => this.log(m)), 1_000).unref();
  }

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

  /** How often absent friends are re-dialed (TESSERA_MESH_RETRY_MS); forwarding retries parcels as often. */
  get retryMs(): number {
    return this.options.config.meshRetryMs;
  }

  /** What store and forward needs from the mesh (electron/core/mesh/forwarding): the mesh itself. */
  get forwarding(): MeshService {
    return this;
  }

  /** Forwarding tells the mesh which unconnected friends are being served through a mutual friend. */
  setViaFriend(check: (peerId: string) => boolean): void {
    this.viaFriend = check;
  }

  // ---- background ---------------------------------------------------------------------------------------------

  /**
   * Runs the pairing protocol as dialer; null when the peer is unreachable or has not accepted our invite yet.
   * Concurrent calls for one peer share a single attempt.
   */
  private tryPair(peerId: string, timeoutMs = 10_000): Promise<FriendRecord | null> {
    const running = this.inFlight.get(peerId);
    if (running) return running;
    const attempt = this.pairOnce(peerId, timeoutMs).finally(() => this.inFlight.delete(peerId));
    this.inFlight.set(peerId, attempt);
    return attempt;
  }

  private async pairOnce(peerId: string, timeoutMs: number): Promise<FriendRecord | null> {
    const node = this.node;
    const keys = this.keys;
    if (!node || !keys) return null;
    const started = this.now();
    try {
      const conv = await openConversation(node, peerId, 'pair', { timeoutMs });
      try {
        const friend = await runPairingDialer(conv, keys, this.friends, this.now);
        await conv.close();
        this.log(`paired with ${peerId}`);
        this.afterFriendsChanged(true);
        this.announceFriend(peerId);
        this.onNewFriend(peerId);
        void this.comparisons.afterPairing(peerId, peerIdOf(keys.signPublic));
        return friend;
      } catch (err) {
        conv.abort(String(err));
        throw err;
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.log(`pairing with ${peerId} not done yet (${this.now() - started} ms): ${why}`);
      return null;
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || !this.node) return;
    this.ticking = true;
    try {
      const now = this.now();
      const before = this.friends.listPending().length;
      this.friends.prunePending(now);
      this.friends.pruneOwnInvites(now - PENDING_PAIRING_DAYS * DAY_MS);
      if (this.friends.listPending().length !== before) this.afterFriendsChanged(false);
      for (const p of this.friends.listPending()) await this.tryPair(p.peerId);
      const all = this.friends.friendIds();
      let dialed = 0;
      let k = 0;
      for (; k < all.length && dialed < 16; k++) {
        const peerId = all[(this.cursor + k) % all.length]!;
        if (!this.node) break;
        const id = peerIdFromString(peerId);
        if (this.node.getConnections(id).length > 0) continue;
        dialed++;
        try {
          await this.knownAddresses(peerId);
          await this.node.dial(id, { signal: AbortSignal.timeout(5_000) });
        } catch {
          // Offline friends are normal; try again next tick.
        }
      }
      this.cursor = all.length ? (this.cursor + k) % all.length : 0;
    } finally {
      this.ticking = false;
    }
  }

  private onConnection(peerId: string, open: boolean): void {
    if (!this.gate.isFriend(peerId)) return;
    // Seen when a connection opens and when it closes, so lastSeen says how recently their device was online.
    this.friends.touchFriend(peerId, this.now());
    this.events.changed('friends');
    if (open) {
      if (this.name) this.names.connected(peerId, this.name);
      for (const listener of this.connectListeners) listener(peerId);
    }
  }

  // ---- for other services ---------------------------------------------------------------------------------------

  /** Serves `protocol` for friends (gate-checked) with `handler`, now if the node runs, else once it starts. */
  handle(protocol: ProtocolName, handler: (conv: Conversation) => Promise<void>): void {
    this.services.push({ protocol, handler });
    if (this.node) void this.serveService(this.node, protocol, handler);
  }

  private serveService(
    node: MeshNode,
    protocol: ProtocolName,
    handler: (conv: Conversation) => Promise<void>,
  ): Promise<void> {
    return serveProtocol(node, this.gate, protocol, (conv) => handler(conv), {
      timeoutMs: CONVERSATION_TIMEOUT_MS[protocol],
      onError: (err, peer) => this.log(`${protocol} with ${peer} failed: ${String(err)}`),
    });
  }

  /** Opens a conversation with a friend's pinned peer ID. */
  async open(peerId: string, protocol: ProtocolName): Promise<Conversation> {
    const { node } = this.requireNode();
    await this.knownAddresses(peerId);
    return openConversation(node, peerId, protocol, { timeoutMs: CONVERSATION_TIMEOUT_MS[protocol] });
  }

  /** The identity keys held in memory since the node started (so the custodian role works while locked). */
  identityKeys(): IdentityKeys | null {
    return this.keys;
  }

  /**
   * Recovery: lets this node dial (and be reached by) a non-friend `peerId` until `until`, at `addresses` (e.g. a
   * recovery session from its code). Always dialed by its pinned peer ID; `release` closes the window again.
   */
  async admit(peerId: string, addresses: string[], until: number): Promise<void> {
    this.requireNode();
    this.gate.openWindow(peerId, until);
    await this.rememberAddresses(peerId, addresses);
  }

  async release(peerId: string): Promise<void> {
    this.gate.closeWindow(peerId);
    if (this.node && !this.gate.allows(peerId)) {
      await this.node.hangUp(peerIdFromString(peerId)).catch(() => {});
    }
  }

  onPeerConnected(listener: (peerId: string) => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  private onIdentify(result: IdentifyResult): void {
    const peerId = result.peerId.toString();
    if (!this.gate.isFriend(peerId)) return;
    const addrs = friendAddresses(result.listenAddrs, this.loopbackOnly, 16);
    const moved = this.friends.touchFriend(peerId, this.now(), addrs);
    this.events.changed('friends');
    if (moved) this.contactsChanged();
  }

  /**
   * A friend or pending peer got a new address (mDNS, identify, our own merge): reach out if not connected. The
   * update's `previous` cannot be trusted to differ (libp2p may hand over the merged record twice), so the addresses
   * already acted on are remembered here.
   */
  private onPeerUpdate(update: PeerUpdate): void {
    const peerId = update.peer.id.toString();
    const reason = this.gate.reason(peerId);
    if (!reason || !this.node) return;
    const seen = this.seenAddresses.get(peerId) ?? new Set<string>();
    const added = [...new Set(update.peer.addresses.map((a) => a.multiaddr.toString()))].filter(
      (a) => !seen.has(a),
    );
    if (added.length === 0) return;
    for (const a of added) seen.add(a);
    this.seenAddresses.set(peerId, seen);
    this.log(`new address for ${reason} ${peerId}: ${added.join(', ')}`);
    if (reason === 'pairing') void this.tryPair(peerId);
    else if (reason === 'friend' && !this.isConnected(peerId)) this.dialNewAddress(update.peer.id, true);
  }

  /**
   * Dials a friend just seen at a new address. libp2p joins a dial to a peer that is already under way, and that one
   * may be trying only the old addresses (the periodic dial right after a restart): if it fails, dial once more a
   * moment later, with the peer store's addresses as they are then.
   */
  private dialNewAddress(id: PeerUpdate['peer']['id'], retry: boolean): void {
    this.node?.dial(id, { signal: AbortSignal.timeout(5_000) }).catch(() => {
      if (!retry) return;
      setTimeout(() => {
        if (this.node && !this.isConnected(id.toString())) this.dialNewAddress(id, false);
      }, 1_000).unref();
    });
  }
}
