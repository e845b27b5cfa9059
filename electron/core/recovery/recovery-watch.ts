/**
 * Telling the owner and each other (/tessera/recovery-watch/1.0.0, PROTOCOL §11.7). A custodian that approves,
 * withdraws from or releases a remote recovery signs a notice and sends it to the owner (its friend) and to its
 * connected friends; a friend who holds a piece for the same owner records it, shows it and passes it on to the
 * owner when it can reach them. The owner's device shows who is recovering its vault and can stop it: it signs a
 * cancel (vault unlocked: a thief with the locked device cannot stop a rightful recovery) and sends it to every
 * custodian, now and when they connect; custodians honour it, pass it on, and tell the new device.
 */
import { peerIdOf, signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { formatExpiry } from '../../../shared/protocol/checked-code.ts';
import type { RecoveryWatchEntry } from '../../../shared/api/ops/recovery.ts';
import {
  decodeWatchMessage,
  encodeWatchMessage,
  openRecoveryCancel,
  openRecoveryNotice,
  packSigned,
  signRecoveryCancel,
  signRecoveryNotice,
  unpackSigned,
} from '../../../shared/protocol/recovery-watch.ts';
import type { RecoveryNotice } from '../../../shared/protocol/recovery-watch.ts';
import type { EventBus } from '../event-bus.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { CustodianStore } from '../backup/custodian-store.ts';
import type { OwnerStore } from '../backup/owner-store.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { Conversation } from '../mesh/rpc.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import type { WatchStore } from './watch-store.ts';

export interface WatchMesh {
  readonly friends: FriendsStore;
  identityKeys(): IdentityKeys | null;
  handle(protocol: ProtocolName, handler: (conv: Conversation) => Promise<void>): void;
  open(peerId: string, protocol: 'watch'): Promise<Conversation>;
  connectedFriends(): string[];
  onPeerConnected(listener: (peerId: string) => void): () => void;
}

/** Why a watch message was not taken: the sender's log says so. */
class WatchRefusedError extends RefusedError {
  constructor(reason: string) {
    super(reason, { by: "The friend's device" });
  }
}

export class RecoveryWatch {
  private readonly deps: {
    mesh: WatchMesh;
    vault: VaultService;
    held: CustodianStore;
    owner: OwnerStore;
    store: WatchStore;
    events: EventBus;
    /** A valid cancel for an owner this device holds for arrived (first time): stop its approvals for that session. */
    onCancel(ownerPeerId: string, sessionPeerId: string): void;
    now: () => number;
    log: (message: string) => void;
  };
  private unsubscribe: (() => void) | null = null;

  constructor(deps: RecoveryWatch['deps']) {
    this.deps = deps;
  }

  start(): void {
    this.deps.mesh.handle('watch', (conv) => this.serve(conv));
    this.unsubscribe = this.deps.mesh.onPeerConnected((peerId) => void this.retryCancels(peerId));
  }

  close(): void {
    this.unsubscribe?.();
  }

  private selfPeerId(): string | null {
    return this.deps.vault.publicIdentity()?.peerId ?? null;
  }

  private name(peerId: string): string {
    if (peerId === this.selfPeerId()) return 'You';
    return this.deps.mesh.friends.getFriend(peerId)?.name ?? `someone (${peerId.slice(-8)})`;
  }

  /** Sends one signed statement; true when the friend answered `ok`. */
  private async send(
    peerId: string,
    t: 'notice' | 'cancel',
    signed: { body: Uint8Array; sig: Uint8Array },
  ): Promise<boolean> {
    try {
      const conv = await this.deps.mesh.open(peerId, 'watch');
      try {
        await conv.send(encodeWatchMessage({ t, ...signed }));
        const answer = decodeWatchMessage(await conv.receive());
        if (answer.t === 'refused') throw new WatchRefusedError(answer.reason);
        return answer.t === 'ok';
      } finally {
        await conv.close();
      }
    } catch (err) {
      this.deps.log(
        `recovery watch: ${t} to ${peerId} not delivered: ${err instanceof Error ? err.message : String(err)}`,
      );
      return false;
    }
  }

  /**
   * The custodian's side: signs a notice about its approval and tells the owner (returns whether the owner's device
   * answered) and, best effort, every other connected friend.
   */
  async notify(n: Omit<RecoveryNotice, 'custodian' | 'at'>): Promise<boolean> {
    const keys = this.deps.mesh.identityKeys();
    if (!keys) return false;
    const signed = signRecoveryNotice(
      { ...n, custodian: keys.signPublic, at: this.deps.now() },
      keys.signSeed,
    );
    const ownerPeerId = peerIdOf(n.owner);
    for (const friend of this.deps.mesh.connectedFriends())
      if (friend !== ownerPeerId) void this.send(friend, 'notice', signed);
    return this.send(ownerPeerId, 'notice', signed);
  }

  private async serve(conv: Conversation): Promise<void> {
    const reply = (m: Parameters<typeof encodeWatchMessage>[0]) => conv.send(encodeWatchMessage(m));
    let msg;
    try {
      msg = decodeWatchMessage(await conv.receive());
    } catch (err) {
      return reply({ t: 'refused', reason: err instanceof Error ? err.message : 'bad message' });
    }
    try {
      if (msg.t === 'notice') this.takeNotice(msg, conv.remotePeer);
      else if (msg.t === 'cancel') this.takeCancel(msg, conv.remotePeer);
      else return reply({ t: 'refused', reason: 'expected a notice or a cancel' });
    } catch (err) {
      return reply({ t: 'refused', reason: err instanceof Error ? err.message : 'bad message' });
    }
    return reply({ t: 'ok' });
  }

  private takeNotice(msg: { body: Uint8Array; sig: Uint8Array }, from: string): void {
    const notice = openRecoveryNotice(msg.body, msg.sig);
    const ownerPeerId = peerIdOf(notice.owner);
    const mine = ownerPeerId === this.selfPeerId();
    // A friend who holds nothing for that owner keeps nothing of it (PROTOCOL §11.7).
    if (!mine && !this.deps.held.held(ownerPeerId)) return;
    const row = {
      ownerPeerId,
      sessionPeerId: peerIdOf(notice.session),
      custodianPeerId: peerIdOf(notice.custodian),
      state: notice.state,
      until: notice.until,
      path: notice.path,
      at: notice.at,
      signed: packSigned(msg),
      receivedAt: this.deps.now(),
    };
    if (!this.deps.store.putNotice(row)) return;
    const custodian = this.name(row.custodianPeerId);
    const when = formatExpiry(notice.until);
    const how = notice.path === 'direct' ? 'connected directly' : "connected through a friend's device";
    if (mine) {
      this.deps.events.emit({
        type: 'notice',
        key: `watch:${row.sessionPeerId}`,
        title: 'Someone is recovering your vault',
        body:
          notice.state === 'approved'
            ? `${custodian} approved a recovery of your vault from a new device (${how}). Their piece goes at ${when}. If it is not you, stop it now.`
            : notice.state === 'withdrawn'
              ? `${custodian} withdrew from a recovery of your vault.`
              : `${custodian} released their piece for a recovery of your vault.`,
      });
    } else {
      this.deps.events.emit({
        type: 'notice',
        key: `watch:${row.sessionPeerId}:${row.custodianPeerId}`,
        title: `${this.name(ownerPeerId)}'s vault is being recovered`,
        body: `${custodian} ${notice.state} a remote recovery of ${this.name(ownerPeerId)}'s vault${notice.state === 'approved' ? `; their piece goes at ${when}` : ''}.`,
      });
      // The owner may be reachable from here but not from the custodian: pass it on.
      if (from !== ownerPeerId) void this.send(ownerPeerId, 'notice', msg);
    }
    this.deps.events.changed('recovery');
  }

  private takeCancel(msg: { body: Uint8Array; sig: Uint8Array }, from: string): void {
    const cancel = openRecoveryCancel(msg.body, msg.sig);
    const ownerPeerId = peerIdOf(cancel.owner);
    if (ownerPeerId === this.selfPeerId() || !this.deps.held.held(ownerPeerId)) return;
    const sessionPeerId = peerIdOf(cancel.session);
    const fresh = this.deps.store.putCancel({
      ownerPeerId,
      sessionPeerId,
      signed: packSigned(msg),
      receivedAt: this.deps.now(),
    });
    if (!fresh) return;
    this.deps.log(`recovery watch: ${this.name(ownerPeerId)}'s device stopped the recovery ${sessionPeerId}`);
    this.deps.onCancel(ownerPeerId, sessionPeerId);
    this.deps.events.changed('recovery');
    for (const friend of this.deps.mesh.connectedFriends())
      if (friend !== from && friend !== ownerPeerId) void this.send(friend, 'cancel', msg);
  }

  /** Is this recovery of that owner stopped by the owner's signed cancel? */
  stopped(ownerPeerId: string, sessionPeerId: string): boolean {
    return this.deps.store.cancel(ownerPeerId, sessionPeerId) !== null;
  }

  list(): RecoveryWatchEntry[] {
    const self = this.selfPeerId();
    return this.deps.store.notices().map((n) => ({
      sessionPeerId: n.sessionPeerId,
      mine: n.ownerPeerId === self,
      owner: this.name(n.ownerPeerId),
      ownerPeerId: n.ownerPeerId,
      custodian: this.name(n.custodianPeerId),
      custodianPeerId: n.custodianPeerId,
      state: n.state,
      until: n.until,
      path: n.path,
      at: n.at,
      stopped: this.deps.store.cancel(n.ownerPeerId, n.sessionPeerId) !== null,
    }));
  }

  /** Every custodian of this vault's splits, current and former, and those who sent a notice about the session. */
  private cancelTargets(sessionPeerId: string): string[] {
    const split = this.deps.owner.activeSplit();
    const ids = new Set([
      ...(split ? this.deps.owner.custodians(split.splitId).map((c) => c.peerId) : []),
      ...this.deps.owner.formerCustodians().map((c) => c.peerId),
      ...this.deps.store
        .notices()
        .filter((n) => n.sessionPeerId === sessionPeerId && n.ownerPeerId === this.selfPeerId())
        .map((n) => n.custodianPeerId),
    ]);
    return [...ids].filter((id) => this.deps.mesh.friends.getFriend(id) !== null);
  }

  /** The owner stops a remote recovery of its vault: a signed cancel to every custodian (PROTOCOL §11.7). */
  async stop(sessionPeerId: string): Promise<{ told: number; custodians: number }> {
    this.deps.vault.requireUnlocked();
    const keys = this.deps.vault.identityKeys();
    const self = peerIdOf(keys.signPublic);
    const session = signPublicFromPeerId(sessionPeerId);
    if (!this.deps.store.cancel(self, sessionPeerId)) {
      const signed = signRecoveryCancel(
        { owner: keys.signPublic, session, at: this.deps.now() },
        keys.signSeed,
      );
      this.deps.store.putCancel({
        ownerPeerId: self,
        sessionPeerId,
        signed: packSigned(signed),
        receivedAt: this.deps.now(),
      });
    }
    const targets = this.cancelTargets(sessionPeerId);
    const row = this.deps.store.cancel(self, sessionPeerId)!;
    const signed = unpackSigned(row.signed);
    const results = await Promise.all(
      targets.map(async (peerId) => {
        if (row.told.includes(peerId)) return true;
        const ok = await this.send(peerId, 'cancel', signed);
        if (ok) this.deps.store.markTold(self, sessionPeerId, peerId);
        return ok;
      }),
    );
    this.deps.log(
      `recovery watch: stopped ${sessionPeerId}; told ${results.filter(Boolean).length} of ${targets.length}`,
    );
    // The notice asking the person to stop it has done its work.
    this.deps.events.emit({ type: 'notice-withdrawn', key: `watch:${sessionPeerId}` });
    this.deps.events.changed('recovery');
    return { told: results.filter(Boolean).length, custodians: targets.length };
  }

  /** A friend connected: hand it the owner's cancels it has not answered yet. */
  private async retryCancels(peerId: string): Promise<void> {
    const self = this.selfPeerId();
    if (!self) return;
    for (const row of this.deps.store.cancels(self)) {
      if (row.told.includes(peerId) || !this.cancelTargets(row.sessionPeerId).includes(peerId)) continue;
      if (await this.send(peerId, 'cancel', unpackSigned(row.signed)))
        this.deps.store.markTold(self, row.sessionPeerId, peerId);
    }
  }
}
