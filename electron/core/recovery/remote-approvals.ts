/**
 * The custodian's side of a remote recovery (PROTOCOL §11.7), kept across restarts for the whole waiting period.
 *
 * connecting → (the new device connected, either side dialing) hello and codes → awaiting-confirmation → (the person
 * compared the codes aloud on a call and approved) waiting → (the owner's waiting period passed, nobody stopped it,
 * at least t approvals stand) sent. On the way: declined (before approving), withdrawn (during the wait), stopped
 * (the owner's signed cancel), expired. The gate window for the session stays open while the approval lives, the
 * friend relays this device reserves on admit the session (stranger admission), and the reply code tells the new
 * device where to dial. Each step runs when the session connects, when the person acts, and on a timer set to the
 * next release or expiry; nothing polls while nothing is due.
 */
import { randomBytes } from 'node:crypto';
import { sealTo } from '../../../shared/crypto/box.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import {
  BadRequestError,
  ExpiredError,
  NotFoundError,
  RefusedError,
  TesseraError,
} from '../../../shared/errors.ts';
import type { RecoveryApproval } from '../../../shared/api/ops/recovery.ts';
import type { PendingRequest } from '../../../shared/api/ops/backup.ts';
import { decodeRecoveryCode, possessionProof } from '../../../shared/protocol/recovery-code.ts';
import type { DecodedRecoveryCode } from '../../../shared/protocol/recovery-code.ts';
import { RECOVERY_SHARD_CONTEXT } from '../../../shared/protocol/recovery.ts';
import type { WithdrawReason } from '../../../shared/protocol/recovery.ts';
import { encodeReplyCode } from '../../../shared/protocol/reply-code.ts';
import type { RecoveryNotice } from '../../../shared/protocol/recovery-watch.ts';
import { openShardEnvelope, waitingPeriodOf } from '../../../shared/shards/envelope.ts';
import { describeDuration } from '../../../shared/durations.ts';
import type { EventBus } from '../event-bus.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { CustodianStore } from '../backup/custodian-store.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { Conversation } from '../mesh/rpc.ts';
import { deliver, sayHello, tellWaiting, withdraw } from './custodian-protocol.ts';
import type { RemoteApprovalRow, RemoteApprovalStore } from './remote-approval-store.ts';

/** How long an approval may wait for the new device to connect and the person to compare codes. */
export const REMOTE_COMPARE_WINDOW_MS = 24 * 60 * 60_000;
/** After its release time, how long an approval keeps trying to deliver (the new device may be asleep). */
export const REMOTE_DELIVERY_WINDOW_MS = 7 * 24 * 60 * 60_000;
/** Ended approvals are listed this long, then forgotten. */
const ENDED_KEPT_MS = 7 * 24 * 60 * 60_000;

const LIVE: ReadonlySet<RemoteApprovalRow['state']> = new Set([
  'connecting',
  'awaiting-confirmation',
  'waiting',
]);

export interface RemoteMesh {
  readonly friends: FriendsStore;
  identityKeys(): IdentityKeys | null;
  admit(peerId: string, addresses: string[], until: number): Promise<void>;
  release(peerId: string): Promise<void>;
  open(peerId: string, protocol: 'recovery'): Promise<Conversation>;
  admitStranger(stranger: string, until: number): Promise<{ relay: string; ok: boolean; reason?: string }[]>;
  replyAddresses(): string[];
  connectionPath(peerId: string): 'direct' | 'relayed' | null;
  onWindowPeerConnected(listener: (peerId: string) => void): () => void;
  onPeerConnected(listener: (peerId: string) => void): () => void;
}

export interface RemoteWatch {
  /** Tells the owner (and connected friends); true when the owner's device answered. */
  notify(n: Omit<RecoveryNotice, 'custodian' | 'at'>): Promise<boolean>;
  stopped(ownerPeerId: string, sessionPeerId: string): boolean;
}

/** The owner's own device stopped this recovery: nothing will be sent for it. */
export class StoppedByOwnerError extends RefusedError {
  constructor(owner: string) {
    super(`${owner}'s own device stopped this recovery, so your piece will not be sent.`);
  }
}

export class RemoteApprovals {
  private readonly deps: {
    vault: VaultService;
    mesh: RemoteMesh;
    held: CustodianStore;
    events: EventBus;
    store: RemoteApprovalStore;
    watch: RemoteWatch;
    /** The least this device waits, whatever the envelope says (TESSERA_MIN_REMOTE_WAIT_MS). */
    minWaitMs: number;
    now: () => number;
    log: (message: string) => void;
  };
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Sessions told about an ending (withdraw), in this run. */
  private readonly toldEnding = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private closed = false;

  constructor(deps: RemoteApprovals['deps']) {
    this.deps = deps;
  }

  private now(): number {
    return this.deps.now();
  }

  /** After start-up (the mesh runs): reopen the windows of live approvals, listen for sessions, set the timer. */
  async start(): Promise<void> {
    this.unsubscribe.push(
      this.deps.mesh.onWindowPeerConnected((peerId) => {
        for (const row of this.deps.store.all()) if (row.sessionPeerId === peerId) this.kick(row.id);
      }),
      this.deps.mesh.onPeerConnected((peerId) => {
        for (const row of this.deps.store.all())
          if (row.friendPeerId === peerId && row.ownerToldState !== this.noticeState(row))
            void this.tellOwner(row);
      }),
    );
    this.deps.store.prune(this.now() - ENDED_KEPT_MS);
    for (const row of this.deps.store.all()) {
      if (!LIVE.has(row.state)) continue;
      await this.openWindow(row).catch((err: unknown) =>
        this.deps.log(`recovery: reopening ${row.id}: ${String(err)}`),
      );
      this.kick(row.id);
    }
    this.schedule();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const u of this.unsubscribe) u();
  }

  async settled(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  /** What the person does (approve, confirm, decline) needs the vault unlocked. */
  private keys(): IdentityKeys {
    this.deps.vault.requireUnlocked();
    return this.meshKeys();
  }

  /**
   * What runs on its own (the hello, the release days later) uses the keys the mesh holds since the first unlock:
   * the tray keeps serving friends while the vault is locked, and a waiting period ends whenever it ends.
   */
  private meshKeys(): IdentityKeys {
    const keys = this.deps.mesh.identityKeys();
    if (!keys)
      throw new TesseraError('UNREACHABLE', 'The network is not running yet. Try again in a moment.');
    return keys;
  }

  private friendName(peerId: string): string {
    return this.deps.mesh.friends.getFriend(peerId)?.name ?? 'your friend';
  }

  private code(row: RemoteApprovalRow): DecodedRecoveryCode {
    return decodeRecoveryCode(row.code);
  }

  /** The gate window: while the approval may still connect, wait or deliver. */
  private windowUntil(row: RemoteApprovalRow): number {
    return Math.max(row.expiresAt, (row.releaseAt ?? 0) + REMOTE_DELIVERY_WINDOW_MS);
  }

  private async openWindow(row: RemoteApprovalRow): Promise<void> {
    const code = this.code(row);
    const until = this.windowUntil(row);
    await this.deps.mesh.admit(row.sessionPeerId, code.addresses, until);
    const relays = await this.deps.mesh.admitStranger(row.sessionPeerId, until);
    for (const r of relays)
      this.deps.log(
        `recovery: relay ${r.relay} ${r.ok ? 'admits' : `refused (${r.reason ?? '?'})`} the new device`,
      );
  }

  /** Starts a remote approval: checks, stores, opens the way in, and returns the reply code to show. */
  async approve(
    code: DecodedRecoveryCode,
    friendPeerId: string,
    codeText: string,
  ): Promise<RecoveryApproval> {
    const keys = this.keys();
    const friend = this.deps.mesh.friends.getFriend(friendPeerId)!;
    if (this.deps.watch.stopped(friend.peerId, code.peerId)) throw new StoppedByOwnerError(friend.name);
    const existing = this.deps.store.find(code.peerId, friend.peerId);
    if (existing && LIVE.has(existing.state)) return this.view(existing);
    const addresses = this.deps.mesh.replyAddresses();
    if (addresses.length === 0)
      throw new TesseraError(
        'UNREACHABLE',
        'This device has no address your friend’s new device could reach yet (no network, or no friend relay). Try again in a minute.',
      );
    const now = this.now();
    const row: RemoteApprovalRow = {
      id: `recovery:${randomBytes(12).toString('hex')}`,
      code: codeText,
      sessionPeerId: code.peerId,
      friendPeerId: friend.peerId,
      state: 'connecting',
      comparisonCode: null,
      replyCode: encodeReplyCode({ signPublic: keys.signPublic, addresses }),
      createdAt: now,
      expiresAt: Math.min(code.expiresAt, now + REMOTE_COMPARE_WINDOW_MS),
      releaseAt: null,
      standing: null,
      path: null,
      error: null,
      ownerToldState: null,
    };
    this.deps.store.insert(row);
    await this.openWindow(row);
    this.deps.log(`recovery: remote approval ${row.id} for ${friend.name}; waiting for the new device`);
    this.kick(row.id);
    this.schedule();
    this.deps.events.changed('requests', 'recovery');
    return this.view(row);
  }

  /** Runs the next step of an approval, one at a time per approval (a request during a step runs it again). */
  private kick(id: string): void {
    if (this.closed) return;
    if (this.running.has(id)) {
      this.again.add(id);
      return;
    }
    const run = this.step(id)
      .catch((err: unknown) =>
        this.deps.log(`recovery: ${id}: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        this.running.delete(id);
        if (this.again.delete(id)) this.kick(id);
        this.schedule();
      });
    this.running.set(id, run);
  }

  private async step(id: string): Promise<void> {
    const row = this.deps.store.get(id);
    if (!row) return;
    const now = this.now();
    if (LIVE.has(row.state) && this.deps.watch.stopped(row.friendPeerId, row.sessionPeerId)) {
      return this.end(row, 'stopped');
    }
    switch (row.state) {
      case 'connecting':
        if (now >= row.expiresAt) return this.end(row, 'expired');
        return this.hello(row);
      case 'awaiting-confirmation':
        if (now >= row.expiresAt) return this.end(row, 'expired');
        return;
      case 'waiting':
        if (now >= row.releaseAt! + REMOTE_DELIVERY_WINDOW_MS) return this.end(row, 'expired');
        return this.waitOrRelease(row);
      default:
        return this.tellEnding(row);
    }
  }

  /** Opens a conversation with the session: on a connection it made to us, or by dialing the code's addresses. */
  private async openSession(row: RemoteApprovalRow): Promise<Conversation | null> {
    const connected = this.deps.mesh.connectionPath(row.sessionPeerId) !== null;
    if (!connected && this.code(row).addresses.length === 0) return null;
    try {
      const conv = await this.deps.mesh.open(row.sessionPeerId, 'recovery');
      const path = this.deps.mesh.connectionPath(row.sessionPeerId);
      if (path && path !== row.path) this.deps.store.update(row.id, { path });
      return conv;
    } catch (err) {
      if (connected) throw err;
      return null;
    }
  }

  private async hello(row: RemoteApprovalRow): Promise<void> {
    const keys = this.meshKeys();
    const conv = await this.openSession(row);
    if (!conv) return;
    let comparisonCode: string;
    try {
      const code = this.code(row);
      const name = this.deps.vault.publicIdentity()?.name ?? 'A friend';
      comparisonCode = await sayHello(conv, possessionProof(code), name, {
        initiator: keys.signPublic,
        responder: code.signPublic,
      });
    } finally {
      await conv.close();
    }
    this.deps.store.update(row.id, { state: 'awaiting-confirmation', comparisonCode });
    const friend = this.friendName(row.friendPeerId);
    this.deps.events.emit({
      type: 'notice',
      key: row.id,
      title: `Help ${friend} recover`,
      body: `Call ${friend} and read the code ${comparisonCode} aloud: approve only if their new device shows the same code.`,
    });
    this.deps.events.changed('requests', 'recovery');
  }

  private async waitOrRelease(row: RemoteApprovalRow): Promise<void> {
    const conv = await this.openSession(row);
    if (!conv) return;
    const code = this.code(row);
    let standing: string[];
    try {
      standing = await tellWaiting(conv, possessionProof(code), row.releaseAt!);
    } finally {
      await conv.close();
    }
    this.deps.store.update(row.id, { standing });
    this.deps.events.changed('recovery');
    if (this.now() < row.releaseAt!) return;
    const threshold = this.threshold(row);
    if (standing.length < threshold) {
      this.deps.log(
        `recovery: ${row.id}: ${standing.length} of ${threshold} approvals stand; not releasing yet`,
      );
      return;
    }
    await this.release(row, code);
  }

  /** Only here does anything secret leave this device: the piece and the newest backup, after the wait. */
  private async release(row: RemoteApprovalRow, code: DecodedRecoveryCode): Promise<void> {
    const keys = this.meshKeys();
    const held = this.deps.held.held(row.friendPeerId);
    if (!held)
      return this.end(row, 'failed', `You no longer hold anything for ${this.friendName(row.friendPeerId)}.`);
    const opened = openShardEnvelope(held.sealedEnvelope, keys, signPublicFromPeerId(row.friendPeerId));
    const shard = sealTo(code.boxPublic, opened.signed, RECOVERY_SHARD_CONTEXT);
    opened.signed.fill(0);
    const conv = await this.deps.mesh.open(row.sessionPeerId, 'recovery');
    try {
      await deliver(conv, {
        q: possessionProof(code),
        shard,
        manifest: held.manifest,
        chunk: (idHex) => this.deps.held.chunk(row.friendPeerId, idHex),
      });
    } finally {
      await conv.close();
    }
    this.deps.store.update(row.id, { state: 'sent' });
    this.deps.log(`recovery: ${row.id}: piece released to the new device`);
    this.deps.events.emit({ type: 'notice-withdrawn', key: row.id });
    this.deps.events.changed('requests', 'recovery');
    void this.tellOwner({ ...row, state: 'sent' });
  }

  private threshold(row: RemoteApprovalRow): number {
    const held = this.deps.held.held(row.friendPeerId);
    if (!held) return Number.POSITIVE_INFINITY;
    const keys = this.meshKeys();
    return openShardEnvelope(held.sealedEnvelope, keys, signPublicFromPeerId(row.friendPeerId)).envelope
      .threshold;
  }

  private waitingPeriod(row: RemoteApprovalRow): number {
    const held = this.deps.held.held(row.friendPeerId);
    if (!held)
      throw new NotFoundError(`You no longer hold anything for ${this.friendName(row.friendPeerId)}.`);
    const env = openShardEnvelope(
      held.sealedEnvelope,
      this.keys(),
      signPublicFromPeerId(row.friendPeerId),
    ).envelope;
    return Math.max(waitingPeriodOf(env), this.deps.minWaitMs);
  }

  /** The person compared the codes on a call and approves: the waiting period starts now. */
  async confirm(id: string): Promise<RecoveryApproval> {
    const row = this.get(id);
    if (row.state === 'expired')
      throw new ExpiredError('This recovery request expired before it was approved; nothing was sent.');
    if (row.state === 'stopped') throw new StoppedByOwnerError(this.friendName(row.friendPeerId));
    if (row.state !== 'awaiting-confirmation')
      throw new BadRequestError(
        row.state === 'connecting'
          ? 'Your friend’s new device has not connected yet: give them the reply code, then compare the codes.'
          : `This recovery request is already ${row.state}.`,
      );
    const wait = this.waitingPeriod(row);
    const releaseAt = this.now() + wait;
    this.deps.store.update(id, { state: 'waiting', releaseAt });
    const updated = this.get(id);
    await this.openWindow(updated);
    this.deps.log(`recovery: ${id} approved; the piece is released after ${describeDuration(wait)}`);
    this.deps.events.emit({ type: 'notice-withdrawn', key: id });
    this.deps.events.changed('requests', 'recovery');
    void this.tellOwner(updated);
    this.kick(id);
    return this.view(updated);
  }

  /** Declines before approving, or withdraws during the wait: nothing is sent, and everyone is told. */
  async decline(id: string): Promise<RecoveryApproval> {
    const row = this.get(id);
    if (row.state === 'connecting' || row.state === 'awaiting-confirmation') await this.end(row, 'declined');
    else if (row.state === 'waiting') await this.end(row, 'withdrawn');
    return this.view(this.get(id));
  }

  /** The owner's signed cancel arrived: every approval for that session ends. */
  stopFor(ownerPeerId: string, sessionPeerId: string): void {
    for (const row of this.deps.store.all())
      if (row.friendPeerId === ownerPeerId && row.sessionPeerId === sessionPeerId && LIVE.has(row.state))
        this.kick(row.id);
  }

  private async end(
    row: RemoteApprovalRow,
    state: RemoteApprovalRow['state'],
    error?: string,
  ): Promise<void> {
    const wasWaiting = row.state === 'waiting';
    this.deps.store.update(row.id, { state, ...(error ? { error } : {}) });
    this.deps.log(`recovery: ${row.id} ${state}${error ? `: ${error}` : ''}`);
    this.deps.events.emit({ type: 'notice-withdrawn', key: row.id });
    this.deps.events.changed('requests', 'recovery');
    const ended = this.get(row.id);
    if (wasWaiting && state === 'withdrawn') void this.tellOwner(ended);
    await this.tellEnding(ended);
  }

  /** Tells the new device how this approval ended (best effort; again when it connects, once per run). */
  private async tellEnding(row: RemoteApprovalRow): Promise<void> {
    const why: WithdrawReason | null =
      row.state === 'declined'
        ? 'declined'
        : row.state === 'expired'
          ? 'expired'
          : row.state === 'withdrawn'
            ? 'withdrew'
            : row.state === 'stopped'
              ? 'stopped'
              : null;
    if (!why || this.toldEnding.has(row.id) || row.comparisonCode === null) return;
    const conv = await this.openSession(row).catch(() => null);
    if (!conv) return;
    try {
      await withdraw(conv, possessionProof(this.code(row)), why);
      await conv.close();
      this.toldEnding.add(row.id);
    } catch (err) {
      this.deps.log(`recovery: could not tell the new device (${row.id}): ${String(err)}`);
    }
  }

  private noticeState(row: RemoteApprovalRow): 'approved' | 'withdrawn' | 'released' | null {
    return row.state === 'waiting'
      ? 'approved'
      : row.state === 'withdrawn'
        ? 'withdrawn'
        : row.state === 'sent' && row.releaseAt !== null
          ? 'released'
          : null;
  }

  /** Tells the owner's device (and connected friends) where this approval stands; remembered once answered. */
  private async tellOwner(row: RemoteApprovalRow): Promise<void> {
    const state = this.noticeState(row);
    if (!state || row.ownerToldState === state) return;
    const told = await this.deps.watch.notify({
      owner: signPublicFromPeerId(row.friendPeerId),
      session: signPublicFromPeerId(row.sessionPeerId),
      state,
      until: state === 'approved' ? row.releaseAt! : this.now(),
      path: row.path ?? this.deps.mesh.connectionPath(row.sessionPeerId) ?? 'relayed',
    });
    if (told) this.deps.store.update(row.id, { ownerToldState: state });
  }

  /** One timer, at the next release or expiry among live approvals. */
  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now();
    const due = this.deps.store
      .all()
      .filter((r) => LIVE.has(r.state))
      .map((r) => ({
        id: r.id,
        at:
          r.state !== 'waiting'
            ? r.expiresAt
            : r.releaseAt! > now
              ? r.releaseAt!
              : // Past its release time with too few approvals standing (or the new device away): ask again
                // later, never in a loop. More approvals reach the new device, not this one, so this side asks.
                now + this.recheckMs(),
      }));
    if (due.length === 0) return;
    const next = Math.min(...due.map((d) => d.at));
    const delay = Math.min(Math.max(0, next - now) + 50, 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = null;
      // Each step sets the timer again when it ends (kick), from what it changed.
      for (const d of due) if (d.at <= next) this.kick(d.id);
    }, delay);
    this.timer.unref();
  }

  /** How often an approval past its release time asks again: a quarter of the shortest wait, at most a minute. */
  private recheckMs(): number {
    return Math.min(60_000, Math.max(1_000, Math.floor(this.deps.minWaitMs / 4)));
  }

  has(id: string): boolean {
    return this.deps.store.get(id) !== null;
  }

  private get(id: string): RemoteApprovalRow {
    const row = this.deps.store.get(id);
    if (!row) throw new NotFoundError('There is no such recovery request.');
    return row;
  }

  private view(row: RemoteApprovalRow): RecoveryApproval {
    let threshold: number | undefined;
    try {
      threshold = this.threshold(row);
    } catch {
      threshold = undefined;
    }
    return {
      id: row.id,
      friend: this.friendName(row.friendPeerId),
      friendPeerId: row.friendPeerId,
      sessionPeerId: row.sessionPeerId,
      comparisonCode: row.comparisonCode ?? '',
      state: row.state,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      remote: true,
      replyCode: row.replyCode,
      ...(row.error ? { error: row.error } : {}),
      ...(row.releaseAt !== null ? { releaseAt: row.releaseAt } : {}),
      ...(row.standing !== null ? { standing: row.standing } : {}),
      ...(threshold !== undefined && Number.isFinite(threshold) ? { threshold } : {}),
      ...((this.deps.mesh.connectionPath(row.sessionPeerId) ?? row.path)
        ? { path: (this.deps.mesh.connectionPath(row.sessionPeerId) ?? row.path)! }
        : {}),
    };
  }

  list(): RecoveryApproval[] {
    return this.deps.store.all().map((r) => this.view(r));
  }

  pendingRequests(): PendingRequest[] {
    return this.deps.store
      .all()
      .filter((r) => r.state === 'awaiting-confirmation')
      .map((r) => ({
        id: r.id,
        kind: 'recovery' as const,
        fromPeerId: r.friendPeerId,
        from: this.friendName(r.friendPeerId),
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
        detail: `${this.friendName(r.friendPeerId)}'s new device, elsewhere, asks for your piece. Call them and approve only if it shows the code ${r.comparisonCode ?? ''}; your piece goes after the waiting period.`,
      }));
  }
}
