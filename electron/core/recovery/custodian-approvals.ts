/**
 * The custodian's side of recovery, in the process that stays online (tray or `serve`). A person enters the code
 * shown by their friend's new device and picks the friend; this checks the code and that we hold something for that
 * friend, dials the session's pinned peer ID and says hello (nothing secret), and keeps an approval with the
 * comparison code both screens show. Only `confirm` opens the held envelope and sends it, re-sealed to the
 * session's box key, with the newest backup. An approval not confirmed within the window expires having sent nothing.
 * When the person declines, or the approval expires, the new device is told so (a withdraw, best effort), so its
 * screen does not keep waiting for an approval that will not come.
 */
import { randomBytes } from 'node:crypto';
import { sealTo } from '../../../shared/crypto/box.ts';
import { peerIdOf, signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import {
  BadRequestError,
  ExpiredError,
  NotFoundError,
  TesseraError,
  UnknownFriendError,
} from '../../../shared/errors.ts';
import type { RecoveryApproval } from '../../../shared/api/ops/recovery.ts';
import type { PendingRequest } from '../../../shared/api/ops/backup.ts';
import {
  checkRecoveryCodeFresh,
  decodeRecoveryCode,
  possessionProof,
} from '../../../shared/protocol/recovery-code.ts';
import type { DecodedRecoveryCode } from '../../../shared/protocol/recovery-code.ts';
import { RECOVERY_SHARD_CONTEXT } from '../../../shared/protocol/recovery.ts';
import { openShardEnvelope } from '../../../shared/shards/envelope.ts';
import type { EventBus } from '../event-bus.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { CustodianStore } from '../backup/custodian-store.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { Conversation } from '../mesh/rpc.ts';
import { deliver, sayHello, withdraw } from './custodian-protocol.ts';
import type { WithdrawReason } from '../../../shared/protocol/recovery.ts';
import { describeDialFailure, describeSessionFailure } from './errors.ts';
import type { RemoteApprovals } from './remote-approvals.ts';
import { isLanAddress } from '../mesh/addresses.ts';

/** How long telling the new device about a decline or an expiry may take; it is a courtesy, never a wait. */
const WITHDRAW_TIMEOUT_MS = 5_000;

export interface CustodianMesh {
  readonly friends: FriendsStore;
  identityKeys(): IdentityKeys | null;
  admit(peerId: string, addresses: string[], until: number): Promise<void>;
  release(peerId: string): Promise<void>;
  open(peerId: string, protocol: 'recovery'): Promise<Conversation>;
  /** How the peer is connected (direct or relayed), and the remote address of a direct connection. */
  connectionPath(peerId: string): 'direct' | 'relayed' | null;
  directAddress(peerId: string): string | null;
}

/** A LAN code reached over anything but the LAN: the person is not in the same room as the new device (§11.7). */
export class NotOnLanError extends BadRequestError {
  constructor(friend: string) {
    super(
      `${friend}'s new device is not on your local network, so this is not an in-person recovery. If ${friend} is elsewhere, ask them to start a remote recovery and send you that code: your piece then goes after the waiting period ${friend} chose.`,
    );
  }
}

interface Approval {
  view: RecoveryApproval;
  code: DecodedRecoveryCode;
  /** Expires the approval when its window ends, while nobody looks (the new device is told then). */
  timer?: NodeJS.Timeout;
}

export class RecoveryApprovals {
  private readonly vault: VaultService;
  private readonly mesh: CustodianMesh;
  private readonly held: CustodianStore;
  private readonly events: EventBus;
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly log: (message: string) => void;
  private readonly approvals = new Map<string, Approval>();
  private readonly withdrawals = new Set<Promise<void>>();
  private readonly remote: RemoteApprovals;

  constructor(deps: {
    vault: VaultService;
    mesh: CustodianMesh;
    held: CustodianStore;
    events: EventBus;
    /**
     * How long an approval waits for the person's confirmation (PROTOCOL §11.3: 10 minutes; the configuration's
     * `recoveryApprovalMs`, which tests shorten).
     */
    windowMs: number;
    /** Remote codes (PROTOCOL §11.7) are handed to these. */
    remote: RemoteApprovals;
    now?: () => number;
    log?: (message: string) => void;
  }) {
    this.remote = deps.remote;
    this.vault = deps.vault;
    this.mesh = deps.mesh;
    this.held = deps.held;
    this.events = deps.events;
    this.now = deps.now ?? Date.now;
    this.windowMs = deps.windowMs;
    this.log = deps.log ?? (() => {});
  }

  private keys(): IdentityKeys {
    this.vault.requireUnlocked();
    const keys = this.mesh.identityKeys();
    if (!keys)
      throw new TesseraError('UNREACHABLE', 'The network is not running yet. Try again in a moment.');
    return keys;
  }

  private ownName(): string {
    return this.vault.publicIdentity()?.name ?? 'A friend';
  }

  async approve(input: { code: string; friendPeerId: string }): Promise<RecoveryApproval> {
    const keys = this.keys();
    const code = decodeRecoveryCode(input.code);
    const now = this.now();
    checkRecoveryCodeFresh(code, now);
    if (code.peerId === peerIdOf(keys.signPublic))
      throw new BadRequestError(
        'That is the code of this device. Enter the code your friend’s new device shows.',
      );
    const friend = this.mesh.friends.getFriend(input.friendPeerId);
    if (!friend) throw new UnknownFriendError(input.friendPeerId);
    const held = this.held.held(friend.peerId);
    if (!held)
      throw new NotFoundError(`You hold nothing for ${friend.name}. Pick the friend whose piece you keep.`);
    // Fail now, not after the person approved, if what we hold cannot be opened.
    openShardEnvelope(held.sealedEnvelope, keys, signPublicFromPeerId(friend.peerId));
    if (code.remote) return this.remote.approve(code, friend.peerId, input.code);
    const expiresAt = Math.min(now + this.windowMs, code.expiresAt);
    await this.mesh.admit(code.peerId, code.addresses, expiresAt);
    let comparisonCode: string;
    try {
      const conv = await this.mesh.open(code.peerId, 'recovery').catch((err: unknown) => {
        throw describeDialFailure(err, code.peerId, friend.name);
      });
      // In person means on this LAN: a LAN code reached through a relay or from a public address gets no
      // immediate piece (PROTOCOL §11.7, "Which approvals wait").
      if (!this.onLan(code.peerId)) {
        await conv.close();
        throw new NotOnLanError(friend.name);
      }
      try {
        comparisonCode = await sayHello(conv, possessionProof(code), this.ownName(), {
          initiator: keys.signPublic,
          responder: code.signPublic,
        });
      } finally {
        await conv.close();
      }
    } catch (err) {
      await this.mesh.release(code.peerId);
      throw describeSessionFailure(err, code.peerId);
    }
    const id = `recovery:${randomBytes(12).toString('hex')}`;
    const view: RecoveryApproval = {
      id,
      friend: friend.name,
      friendPeerId: friend.peerId,
      sessionPeerId: code.peerId,
      comparisonCode,
      state: 'awaiting-confirmation',
      createdAt: now,
      expiresAt,
    };
    const approval: Approval = { view, code };
    approval.timer = setTimeout(() => this.expire(approval), Math.max(0, expiresAt - this.now()));
    approval.timer.unref();
    this.approvals.set(id, approval);
    this.events.emit({
      type: 'notice',
      key: id,
      title: `Help ${friend.name} recover`,
      body: `Compare the code ${view.comparisonCode} with ${friend.name}'s new device, then approve to send your piece.`,
    });
    this.events.changed('requests', 'recovery', 'status');
    return { ...view };
  }

  private onLan(peerId: string): boolean {
    if (this.mesh.connectionPath(peerId) !== 'direct') return false;
    const address = this.mesh.directAddress(peerId);
    return address !== null && isLanAddress(address);
  }

  private get(id: string): Approval {
    const a = this.approvals.get(id);
    if (!a) throw new NotFoundError('There is no such recovery request.');
    this.expire(a);
    return a;
  }

  private expire(a: Approval): void {
    if (a.view.state === 'awaiting-confirmation' && a.view.expiresAt <= this.now()) {
      a.view.state = 'expired';
      clearTimeout(a.timer);
      this.events.emit({ type: 'notice-withdrawn', key: a.view.id });
      this.events.changed('requests', 'recovery', 'status');
      this.track(this.withdraw(a, 'expired').finally(() => this.mesh.release(a.view.sessionPeerId)));
    }
  }

  private track(p: Promise<void>): void {
    this.withdrawals.add(p);
    void p.finally(() => this.withdrawals.delete(p));
  }

  /**
   * Best effort: tells the session that nothing will come of this hello (PROTOCOL §11.3), so the new device stops
   * waiting. The gate window is held open a moment for it (it has just ended, for an expiry); failures are logged.
   */
  private async withdraw(a: Approval, why: WithdrawReason): Promise<void> {
    const peerId = a.view.sessionPeerId;
    try {
      await this.mesh.admit(peerId, a.code.addresses, this.now() + WITHDRAW_TIMEOUT_MS);
      const conv = await this.mesh.open(peerId, 'recovery');
      const timer = setTimeout(
        () => conv.abort('the new device did not take the withdrawal in time'),
        WITHDRAW_TIMEOUT_MS,
      );
      try {
        await withdraw(conv, possessionProof(a.code), why);
        await conv.close();
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      this.log(
        `recovery: could not tell ${a.view.friend}'s new device about the ${why} approval: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Waits for the withdrawals under way (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.withdrawals]);
  }

  close(): void {
    for (const a of this.approvals.values()) clearTimeout(a.timer);
  }

  /** Sends the piece and the newest backup to the session. Only here does anything secret leave this device. */
  async confirm(id: string): Promise<RecoveryApproval> {
    if (!this.approvals.has(id) && this.remote.has(id)) return this.remote.confirm(id);
    const a = this.get(id);
    if (a.view.state === 'expired')
      throw new ExpiredError(
        'This recovery request expired before it was approved; nothing was sent. Enter the code again.',
      );
    if (a.view.state !== 'awaiting-confirmation')
      throw new BadRequestError(`This recovery request is already ${a.view.state}.`);
    const keys = this.keys();
    clearTimeout(a.timer);
    const held = this.held.held(a.view.friendPeerId);
    if (!held) throw new NotFoundError(`You no longer hold anything for ${a.view.friend}.`);
    const opened = openShardEnvelope(held.sealedEnvelope, keys, signPublicFromPeerId(a.view.friendPeerId));
    const shard = sealTo(a.code.boxPublic, opened.signed, RECOVERY_SHARD_CONTEXT);
    opened.signed.fill(0);
    try {
      const conv = await this.mesh.open(a.view.sessionPeerId, 'recovery').catch((err: unknown) => {
        throw describeDialFailure(err, a.view.sessionPeerId, a.view.friend);
      });
      try {
        await deliver(conv, {
          q: possessionProof(a.code),
          shard,
          manifest: held.manifest,
          chunk: (idHex) => this.held.chunk(a.view.friendPeerId, idHex),
        });
      } finally {
        await conv.close();
      }
      a.view.state = 'sent';
    } catch (err) {
      const failure = describeSessionFailure(err, a.view.sessionPeerId);
      a.view.state = 'failed';
      a.view.error = failure.message;
      throw failure;
    } finally {
      // Sent or failed, the request is answered: its notice ("then approve to send your piece") no longer applies.
      this.events.emit({ type: 'notice-withdrawn', key: a.view.id });
      await this.mesh.release(a.view.sessionPeerId);
      this.events.changed('requests', 'recovery', 'status');
    }
    return { ...a.view };
  }

  async decline(id: string): Promise<RecoveryApproval> {
    if (!this.approvals.has(id) && this.remote.has(id)) return this.remote.decline(id);
    const a = this.get(id);
    if (a.view.state === 'awaiting-confirmation') {
      a.view.state = 'declined';
      clearTimeout(a.timer);
      // Said "they do not match" (or declined): the new device is told, so its screen stops waiting.
      const told = this.withdraw(a, 'declined');
      this.track(told);
      await told;
    }
    this.events.emit({ type: 'notice-withdrawn', key: a.view.id });
    await this.mesh.release(a.view.sessionPeerId);
    this.events.changed('requests', 'recovery', 'status');
    return { ...a.view };
  }

  list(): RecoveryApproval[] {
    return [
      ...[...this.approvals.values()].map((a) => {
        this.expire(a);
        return { ...a.view };
      }),
      ...this.remote.list(),
    ];
  }

  /** Approvals waiting for the person, as `requests.list` shows them. */
  pendingRequests(): PendingRequest[] {
    const lan: PendingRequest[] = [...this.approvals.values()]
      .map((a) => {
        this.expire(a);
        return { ...a.view };
      })
      .filter((a) => a.state === 'awaiting-confirmation')
      .map((a) => ({
        id: a.id,
        kind: 'recovery' as const,
        fromPeerId: a.friendPeerId,
        from: a.friend,
        createdAt: a.createdAt,
        expiresAt: a.expiresAt,
        detail: `${a.friend}'s new device asks for your piece. Approve only if it shows the code ${a.comparisonCode}.`,
      }));
    return [...lan, ...this.remote.pendingRequests()];
  }
}
