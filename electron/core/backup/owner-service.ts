import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { encodeSignedManifest, manifestSignature, verifyManifest } from '../../../shared/formats/manifest.ts';
import { diffManifest, manifestFromDelta } from '../../../shared/formats/manifest-delta.ts';
import { splitKey, checkThreshold } from '../../../shared/shards/split.ts';
import { createShardEnvelopes } from '../../../shared/shards/envelope.ts';
import { equalBytes, fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import {
  deletionPayload,
  encodeBackupMessage,
  expectBackupMessage,
  MAX_CHUNKS_PER_FRAME,
  NONCE_BYTES,
} from '../../../shared/protocol/backup.ts';
import { SIGN_CONTEXTS, signWithContext } from '../../../shared/crypto/sign.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { verifyReceipt } from '../../../shared/protocol/receipts.ts';
import { HEALTH_CHUNKS, healthDataProof, sampleIndexes } from '../../../shared/protocol/health-proof.ts';
import {
  BadRequestError,
  TesseraError,
  TooLargeError,
  NotVerifiedError,
  UnknownFriendError,
} from '../../../shared/errors.ts';
import type { BackupStatus, CustodianStatus } from '../../../shared/api/ops/backup.ts';
import type { Conversation } from '../mesh/rpc.ts';
import { OwnerStore } from './owner-store.ts';
import type { CurrentBackup, CustodianPatch, CustodianRow, SplitRow } from './owner-store.ts';
import { SharedFrames } from './shared-frames.ts';
import { Backoff } from './peer-link.ts';
import type { BackupContext } from './backup-context.ts';
import { assembleSnapshot } from './snapshot-source.ts';
import { SNAPSHOT_LIMITS } from '../../../shared/formats/snapshot.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { ParallelBackupBuilder } from '../crypto-native/parallel-build.ts';
import { nativeEd25519, nativeSha256 } from '../crypto-native/native-backup-crypto.ts';
import { sameContent } from '../../../shared/formats/backup.ts';

/** How long a holding request stays open for the friend to answer. */
export const HOLD_REQUEST_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** TESSERA_HOLD_REQUEST_TTL_MS shortens it, for tests that watch a request expire. */
const holdRequestTtlMs = (): number => Number(process.env.TESSERA_HOLD_REQUEST_TTL_MS) || HOLD_REQUEST_TTL_MS;
/** Target size of a `chunks` frame. */
const CHUNK_FRAME_BYTES = 1024 * 1024;
/** Most bytes of frames kept for the other pushes of a pass (pushes to custodians run side by side, close together). */
const SHARED_FRAMES_BYTES = 32 * 1024 * 1024;
/** How long to wait before asking again while a friend has not yet answered. */
const CONSENT_POLL_MS = 60_000;
/** How long removing a friend waits for them to confirm the deletion before it goes on without them. */
const REMOVAL_WAIT_MS = 8_000;

/** What became of the piece a removed friend kept (friends.remove). */
export type RemovedPiece = 'none' | 'deleted' | 'pending';

export class CustodianRefusedError extends TesseraError {
  constructor(name: string, reason: string) {
    super('CONFLICT', `${name} refused: ${reason}`);
  }
}

const hex = (b: Uint8Array) => toHex(b);

/**
 * The owner's side of backups. State lives in SQLite and the work is level-triggered: `reconcile()` compares what
 * each custodian should have with what they confirmed, and does what is missing (ask consent, deposit the shard,
 * send a newer version's missing chunks, ask retired custodians to delete). It runs after every change, when a
 * friend connects, and on a timer, so delivery resumes after restarts and outages without a separate outbox.
 */
export class OwnerBackupService {
  private readonly ctx: BackupContext;
  readonly store: OwnerStore;
  private readonly backoff = new Backoff();
  /** Deposits and updates on their way, by custodian (shown in the status). */
  private readonly sending = new Map<string, NonNullable<CustodianStatus['sending']>>();
  private lastSendingEvent = 0;
  private rebuildTimer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private again = false;
  private closed = false;
  /** What changed since the last version (items, settings, friends…), said with the version they make. */
  private pendingReasons = new Set<string>();
  /** What made the current version, and when, as this process saw it (null after a restart: not stored). */
  private versionReason: string | null = null;
  private versionMadeAt: number | null = null;
  /** Why the newest changes could not be turned into a backup version (shown in backup.status), or null. */
  private problem: string | null = null;
  /** Backup bytes sent to custodians by this process (messages on the wire, before framing and encryption). */
  bytesSent = 0;
  /**
   * Recent signed manifests by SHA-256 (hex), so an update can be sent as edits to the one a custodian holds
   * (its receipt names it). In memory only: after a restart the first update to each custodian goes whole.
   */
  private readonly recentManifests = new Map<string, Uint8Array>();
  /** The chunks of the version built last, until every custodian has it (then dropped to free the memory). */
  private builtChunks: Map<string, Uint8Array> | null = null;
  private builtChunksTimer: ReturnType<typeof setTimeout> | null = null;
  /** Frames of chunks encoded by one push and sent again by the others running alongside it. */
  private readonly sharedFrames = new SharedFrames(SHARED_FRAMES_BYTES);

  /** Seals large backups on worker threads, off the event loop that serves friends and the UI. */
  private readonly builder = new ParallelBackupBuilder();
  private rebuilding: Promise<void> = Promise.resolve();
  private saidUnavailable = false;

  constructor(ctx: BackupContext) {
    this.ctx = ctx;
    this.store = new OwnerStore(ctx.store);
  }

  /** A first backup, or a re-share to a new set of custodians or threshold: always a fresh key and split. */
  async create(input: { custodians: string[]; threshold: number }): Promise<BackupStatus> {
    const { vault, friends } = this.ctx;
    const session = vault.requireUnlocked();
    const keys = vault.identityKeys();
    const peerIds = [...new Set(input.custodians)];
    if (peerIds.length !== input.custodians.length)
      throw new BadRequestError('Each friend can be chosen only once.');
    if (peerIds.includes(this.ctx.selfPeerId())) {
      throw new BadRequestError('You cannot be your own custodian.');
    }
    checkThreshold(input.threshold, peerIds.length);
    const records = peerIds.map((peerId) => {
      const friend = friends.getFriend(peerId);
      if (!friend) throw new UnknownFriendError(peerId);
      // Pairing alone proves nothing against invites swapped in transit (SECURITY.md, pairing): ask only friends
      // whose code the person confirmed.
      if ((friend.verifiedAt ?? null) === null)
        throw new NotVerifiedError(friend.name, 'a friend can be asked to hold a piece');
      return friend;
    });
    const split = await splitKey(input.threshold, peerIds.length);
    const key = split.key;
    const now = this.ctx.now();
    const envelopes = createShardEnvelopes(
      split,
      keys,
      records.map((f) => ({
        signPublic: f.signPublic,
        boxPublic: f.boxPublic,
        boxSignature: f.boxSignature,
      })),
      now,
    );
    const keySealed = session.sealRow('backup_splits', hex(split.splitId), key);
    this.store.startSplit(
      { splitId: split.splitId, threshold: input.threshold, keySealed },
      peerIds.map((peerId, i) => ({
        peerId,
        sealedEnvelope: envelopes[i] as Uint8Array,
        requestNonce: new Uint8Array(randomBytes(NONCE_BYTES)),
        requestExpires: now + holdRequestTtlMs(),
      })),
      now,
    );
    key.fill(0);
    for (const peerId of peerIds) this.backoff.reset(peerId);
    this.pendingReasons.add(`a new backup key for ${records.length} friends, any ${input.threshold} of them`);
    await this.rebuildNow();
    return this.status();
  }

  status(): BackupStatus {
    const split = this.store.activeSplit();
    const rows = [...(split ? this.store.custodians(split.splitId) : []), ...this.store.formerCustodians()];
    return {
      configured: split !== null,
      version: this.store.currentVersion(),
      threshold: split?.threshold ?? 0,
      createdAt: split?.createdAt ?? null,
      versionCreatedAt: this.versionMadeAt ?? this.store.versionSavedAt(),
      versionReason: this.versionReason,
      custodians: rows.map((row) => this.describe(row)),
      bytesSent: this.bytesSent,
      problem: this.problem,
    };
  }

  private describe(row: CustodianRow): CustodianStatus {
    // A custodian that failed to prove the data (health check) is not "delivered" until it has been sent again.
    const state: CustodianStatus['state'] =
      row.state === 'accepted' && row.envelopeDelivered && row.health !== 'mismatch'
        ? 'delivered'
        : row.state === 'requested' && !awaitingAnswer(row, this.ctx.now())
          ? 'expired'
          : row.state;
    return {
      peerId: row.peerId,
      name: this.friendName(row.peerId),
      friend: this.ctx.friends.getFriend(row.peerId) !== null,
      state,
      versionHeld: row.versionHeld,
      lastConfirmed: row.lastConfirmed,
      health: row.health,
      lastError: row.lastError,
      sending: this.sending.get(row.peerId) ?? null,
    };
  }

  /**
   * Something in the snapshot changed: produce a new version soon (changes in a burst make one version). `reason`
   * says what, in a few words ("settings changed"); the version made says all the reasons it gathered.
   */
  scheduleRebuild(reason?: string, delayMs = 1_000): void {
    if (this.closed || !this.store.activeSplit()) return;
    if (reason) this.pendingReasons.add(reason);
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = null;
      this.rebuildNow().catch((err: unknown) => this.ctx.log(`backup: rebuilding failed: ${String(err)}`));
    }, delayMs);
  }

  /**
   * Builds the next version from the current snapshot under the active split's key. While the vault is locked the
   * snapshot cannot be read: the backup is marked dirty and rebuilt at the next unlock. Builds run one at a time
   * (sealing is asynchronous, on worker threads), so two never claim the same version number.
   */
  rebuildNow(): Promise<void> {
    const run = this.rebuilding.then(() => this.rebuildOnce());
    this.rebuilding = run.catch(() => {});
    return run;
  }

  private async rebuildOnce(): Promise<void> {
    const split = this.store.activeSplit();
    if (!split || this.closed) return;
    const now = this.ctx.now();
    if (this.ctx.vault.state() !== 'unlocked') {
      this.store.markDirty(now);
      return;
    }
    const key = this.backupKey(split);
    const keys = this.ctx.vault.identityKeys();
    const reasons = [...this.pendingReasons];
    this.pendingReasons.clear();
    try {
      // Those who hold, or may still agree to hold, this key: a recovered device re-shares to them.
      const custodians = this.store
        .custodians(split.splitId)
        .filter((c) => c.state === 'accepted' || awaitingAnswer(c, now))
        .map((c) => c.peerId);
      const snapshot = assembleSnapshot(
        this.ctx.vault,
        this.ctx.friends,
        this.ctx.custodianStore,
        custodians,
      );
      const current = this.store.current();
      const previous =
        current.manifest && current.splitId && equalBytes(current.splitId, split.splitId)
          ? verifyManifest(current.manifest, keys.signPublic, nativeEd25519)
          : undefined;
      const built = await buildOrExplain(() =>
        this.builder.build(snapshot, key, keys, current.version + 1, previous),
      );
      if (this.builder.unavailable && !this.saidUnavailable) {
        this.saidUnavailable = true;
        this.ctx.log(`backup: sealing on the main thread: ${this.builder.unavailable}`);
      }
      // Connections coming and going (relays, reservations) announce friend changes often; only real changes count.
      if (previous && sameContent(built.info, previous)) {
        // Nothing new to back up: the current version already holds exactly this (e.g. a change was undone).
        if (this.problem !== null) {
          this.problem = null;
          this.ctx.events.changed('backup');
        }
        return;
      }
      // A re-share may have replaced the split while this one was sealing; its own build follows this one.
      const active = this.store.activeSplit();
      if (this.closed || !active || !equalBytes(active.splitId, split.splitId)) return;
      if (current.manifest) this.rememberManifest(current.manifest);
      this.rememberManifest(built.manifest);
      this.store.saveVersion(current.version + 1, split.splitId, built.manifest, built.chunks, now);
      this.versionMadeAt = now;
      this.versionReason = reasons.length > 0 ? reasons.join('; ') : null;
      // Pushes right after a build (every custodian, concurrently) read the chunks from memory, not SQLite; kept
      // until every custodian has this version, and at most a minute (an offline custodian reads from SQLite later).
      this.builtChunks = built.chunks;
      if (this.builtChunksTimer) clearTimeout(this.builtChunksTimer);
      this.builtChunksTimer = setTimeout(() => (this.builtChunks = null), 60_000);
      this.builtChunksTimer.unref();
      this.problem = null;
    } catch (err) {
      // Not backed up: the next version still has these to say.
      for (const reason of reasons) this.pendingReasons.add(reason);
      this.problem =
        err instanceof TesseraError
          ? err.message
          : 'Your latest changes could not be backed up; Tessera will retry.';
      this.ctx.events.changed('backup');
      throw err;
    } finally {
      key.fill(0);
    }
    this.ctx.events.changed('backup');
    this.kick();
  }

  /** Rebuild if changes happened while locked. */
  async onUnlocked(): Promise<void> {
    if (this.store.current().dirty) await this.rebuildNow();
    this.kick();
  }

  private backupKey(split: SplitRow): Uint8Array {
    const session = this.ctx.vault.requireUnlocked();
    return new Uint8Array(session.openRow('backup_splits', hex(split.splitId), split.keySealed));
  }

  /** A friend came online: try them now rather than at the end of their backoff. */
  peerConnected(peerId: string): void {
    this.backoff.reset(peerId);
    this.kick();
  }

  kick(): void {
    if (this.closed) return;
    void this.reconcile().catch((err: unknown) => this.ctx.log(`backup: reconcile failed: ${String(err)}`));
  }

  /** Does whatever is owed to custodians; concurrent calls coalesce into one more pass. */
  async reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.reconcileOnce();
      } while (this.again && !this.closed);
    } finally {
      this.running = false;
    }
  }

  private async reconcileOnce(): Promise<void> {
    if (!this.ctx.keys()) return;
    const now = this.ctx.now();
    const split = this.store.activeSplit();
    const current = this.store.current();
    const work = new Map<string, (() => Promise<void>)[]>();
    const add = (peerId: string, task: () => Promise<void>) => {
      if (!this.backoff.due(peerId, now)) return;
      work.set(peerId, [...(work.get(peerId) ?? []), task]);
    };
    let delivered = 0;
    if (split) {
      for (const row of this.store.custodians(split.splitId)) {
        if (row.state === 'accepted' && row.envelopeDelivered && row.health !== 'mismatch') delivered++;
        // An expired request is not asked again (the friend could no longer answer it); a new backup asks anew.
        if (awaitingAnswer(row, now)) add(row.peerId, () => this.requestConsent(split, row));
        else if (row.state === 'accepted' && this.owes(row, current, split)) {
          add(row.peerId, () => this.push(split, row, current));
        }
      }
    }
    // Old shards are deleted only once the new split can already recover the vault on its own; a friend this person
    // removed is asked at once, whatever the new split's progress (PROTOCOL §9.2, "Deletion").
    const canRetire = !split || delivered >= split.threshold;
    for (const row of this.store.custodiansToRemove()) {
      const ended = this.ctx.friends.getFriend(row.peerId) === null;
      if (ended || canRetire) add(row.peerId, () => this.requestDeletion(row, ended));
    }
    await Promise.all(
      [...work.entries()].map(async ([peerId, tasks]) => {
        for (const task of tasks) {
          try {
            await task();
          } catch (err) {
            const delay = this.backoff.failed(peerId, this.ctx.now());
            const message = err instanceof Error ? err.message : String(err);
            this.ctx.log(`backup: ${peerId.slice(-8)}: ${message} (retry in ${Math.round(delay / 1000)} s)`);
            this.recordError(peerId, message);
            return;
          }
        }
      }),
    );
    this.sharedFrames.clear(); // only the pushes of one pass run side by side
    if (this.builtChunks && this.pushesDone()) this.builtChunks = null;
  }

  /** Every custodian of the active split holds the current version, declined or let the request expire. */
  private pushesDone(): boolean {
    const split = this.store.activeSplit();
    if (!split) return true;
    const current = this.store.current();
    return this.store
      .custodians(split.splitId)
      .every((row) =>
        row.state === 'accepted' ? !this.owes(row, current, split) : !awaitingAnswer(row, this.ctx.now()),
      );
  }

  private owes(row: CustodianRow, current: CurrentBackup, split: SplitRow): boolean {
    if (!current.manifest || !current.splitId || !equalBytes(current.splitId, split.splitId)) return false;
    return !row.envelopeDelivered || (row.versionHeld ?? 0) < current.version;
  }

  private recordError(peerId: string, message: string): void {
    const split = this.store.activeSplit();
    if (split && this.store.custodian(split.splitId, peerId)) {
      this.store.updateCustodian(split.splitId, peerId, { lastError: message }, this.ctx.now());
      this.ctx.events.changed('backup');
    }
  }

  private async converse<T>(peerId: string, fn: (conv: Conversation) => Promise<T>): Promise<T> {
    const conv = await this.ctx.link.open(peerId);
    try {
      return await fn(conv);
    } finally {
      await conv.close();
    }
  }

  /** Progress of a deposit changed: the status is re-read by whoever shows it, at most twice a second (and when all is sent). */
  private sendingChanged(allSent: boolean): void {
    const now = Date.now();
    if (!allSent && now - this.lastSendingEvent < 500) return;
    this.lastSendingEvent = now;
    this.ctx.events.changed('backup');
  }

  private async send(conv: Conversation, msg: BackupMessage): Promise<void> {
    await this.sendEncoded(conv, encodeBackupMessage(msg));
  }

  private async sendEncoded(conv: Conversation, bytes: Uint8Array): Promise<void> {
    this.bytesSent += bytes.length;
    await conv.send(bytes);
  }

  /** Never a peer ID: a friend's name, a former friend's (kept when they were removed), else a plain phrase. */
  private friendName(peerId: string): string {
    return this.ctx.friends.nameOf(peerId) ?? 'A former friend';
  }

  /** Removed friends who still have to be asked to delete a piece (the connection gate lets us reach them). */
  retiringPeers(): string[] {
    const ids = new Set(this.store.custodiansToRemove().map((r) => r.peerId));
    return [...ids].filter((peerId) => this.ctx.friends.getFriend(peerId) === null);
  }

  /** Called when a removed friend is no longer owed any deletion request (the mesh closes the gate to them). */
  onRetired: (peerId: string) => void = () => {};

  /**
   * This person is removing `peerId` as a friend (while they are still one, so the gate lets us reach them): every
   * piece they keep, of the current split or an older one, is to be deleted, and they are told why (`ended`). Waits
   * up to REMOVAL_WAIT_MS for their receipts; whatever is not confirmed by then stays `removing`, and the reconcile
   * loop keeps asking them, and only that.
   */
  async retireCustodian(peerId: string): Promise<RemovedPiece> {
    const split = this.store.activeSplit();
    const now = this.ctx.now();
    if (split) {
      const row = this.store.custodian(split.splitId, peerId);
      if (row && (row.state === 'accepted' || row.state === 'requested'))
        this.store.updateCustodian(split.splitId, peerId, { state: 'removing', lastError: null }, now);
      else if (row && row.state === 'declined')
        this.store.updateCustodian(split.splitId, peerId, { state: 'removed', lastError: null }, now);
    }
    const rows = this.store.custodiansToRemove().filter((r) => r.peerId === peerId);
    if (rows.length === 0) return 'none';
    this.backoff.reset(peerId);
    this.ctx.events.changed('backup');
    const attempt = (async () => {
      for (const row of rows) await this.requestDeletion(row, true);
      return true;
    })().catch((err: unknown) => {
      this.recordError(peerId, err instanceof Error ? err.message : String(err));
      this.backoff.failed(peerId, this.ctx.now());
      return false;
    });
    const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), REMOVAL_WAIT_MS).unref());
    return (await Promise.race([attempt, timer])) ? 'deleted' : 'pending';
  }

  private async requestConsent(split: SplitRow, row: CustodianRow): Promise<void> {
    const custodians = this.store.custodians(split.splitId).length;
    const reply = await this.converse(row.peerId, async (conv) => {
      await this.send(conv, {
        t: 'hold-request',
        threshold: split.threshold,
        custodians,
        nonce: row.requestNonce,
        expires: row.requestExpires,
      });
      return expectBackupMessage(await conv.receive(), 'hold-reply');
    });
    if (reply.t === 'refused') throw new CustodianRefusedError(this.friendName(row.peerId), reply.reason);
    const now = this.ctx.now();
    if (reply.state === 'pending') {
      this.store.updateCustodian(split.splitId, row.peerId, { lastError: null }, now);
      this.backoff.wait(row.peerId, now, CONSENT_POLL_MS);
      return;
    }
    this.applyConsent(split, row.peerId, reply.state === 'accepted');
  }

  /** The custodian's answer arrived (in a reply, or later as a hold-answer from them). */
  onHoldAnswer(peerId: string, nonce: Uint8Array, accepted: boolean): boolean {
    const split = this.store.activeSplit();
    const row = split ? this.store.custodian(split.splitId, peerId) : null;
    if (!split || !row || row.state !== 'requested' || !equalBytes(row.requestNonce, nonce)) return false;
    this.applyConsent(split, peerId, accepted);
    return true;
  }

  private applyConsent(split: SplitRow, peerId: string, accepted: boolean): void {
    this.store.updateCustodian(
      split.splitId,
      peerId,
      { state: accepted ? 'accepted' : 'declined', lastError: null },
      this.ctx.now(),
    );
    this.backoff.reset(peerId);
    this.ctx.events.changed('backup');
    if (accepted) this.kick();
  }

  private rememberManifest(manifest: Uint8Array): void {
    const id = hex(nativeSha256(manifest));
    this.recentManifests.delete(id);
    this.recentManifests.set(id, manifest);
    while (this.recentManifests.size > 4)
      this.recentManifests.delete(this.recentManifests.keys().next().value!);
  }

  /**
   * The update as edits to the manifest the custodian holds, when we still have that manifest and it is of the same
   * split; null to send the manifest whole. Checked by rebuilding the exact bytes, as the custodian will.
   */
  private manifestDelta(
    split: SplitRow,
    row: CustodianRow,
    manifest: Uint8Array,
    ownerKey: Uint8Array,
  ): Extract<BackupMessage, { t: 'offer-delta' }> | null {
    if (!row.envelopeDelivered || !row.manifestHeld) return null;
    const baseBytes = this.recentManifests.get(hex(row.manifestHeld));
    if (!baseBytes) return null;
    const base = verifyManifest(baseBytes, ownerKey, nativeEd25519);
    const next = verifyManifest(manifest, ownerKey, nativeEd25519);
    if (!equalBytes(base.keyId, next.keyId) || next.version <= base.version) return null;
    const edits = diffManifest(base.chunks, next.chunks);
    const sig = manifestSignature(manifest);
    if (
      !equalBytes(
        encodeSignedManifest(manifestFromDelta(base, edits, next.version, next.size), sig),
        manifest,
      )
    )
      return null;
    const delta = {
      t: 'offer-delta' as const,
      split: split.splitId,
      base: row.manifestHeld,
      version: next.version,
      size: next.size,
      sig,
      edits,
    };
    return encodeBackupMessage(delta).length < manifest.length ? delta : null;
  }

  /** Deposit (with the sealed envelope) or update (manifest or its delta + only the chunks the custodian lacks). */
  private async push(
    split: SplitRow,
    row: CustodianRow,
    current: CurrentBackup,
    allowDelta = true,
  ): Promise<void> {
    const manifest = current.manifest as Uint8Array;
    const keys = this.ctx.keys() as IdentityKeys;
    this.rememberManifest(manifest);
    const delta = allowDelta ? this.manifestDelta(split, row, manifest, keys.signPublic) : null;
    const receiptBytes = await this.converse(row.peerId, async (conv) => {
      await this.send(
        conv,
        delta ?? {
          t: 'offer',
          split: split.splitId,
          sealed: row.envelopeDelivered ? null : row.sealedEnvelope,
          manifest,
        },
      );
      const need = expectBackupMessage(await conv.receive(), 'need');
      if (need.t === 'refused' && delta) return null; // it lacks the base (or predates deltas): send it whole
      if (need.t === 'refused') {
        if (row.envelopeDelivered) {
          // They no longer hold our shard (lost data, restored device): deposit it again next time.
          this.store.updateCustodian(split.splitId, row.peerId, { envelopeDelivered: false }, this.ctx.now());
        }
        throw new CustodianRefusedError(this.friendName(row.peerId), need.reason);
      }
      // Chunks go in frames of ~1 MiB: per-frame costs (yamux, Noise, and the custodian's decode and write per frame)
      // dominate small frames. A 100 MiB re-share to 5 custodians took ~10% less time than in 256 KiB frames.
      let batch: { id: Uint8Array; data: Uint8Array }[] = [];
      let batchIds: string[] = [];
      let batchBytes = 0;
      const progress = { sentChunks: 0, totalChunks: need.ids.length, sentBytes: 0 };
      const flush = async () => {
        if (batch.length > 0) {
          const items = batch;
          await this.sendEncoded(
            conv,
            this.sharedFrames.frame(batchIds, () => encodeBackupMessage({ t: 'chunks', items })),
          );
        }
        progress.sentChunks += batch.length;
        progress.sentBytes += batchBytes;
        this.sendingChanged(progress.sentChunks === progress.totalChunks);
        batch = [];
        batchIds = [];
        batchBytes = 0;
      };
      // Shown in the status until the receipt (the custodian stores everything before it answers).
      this.sending.set(row.peerId, progress);
      try {
        for (const id of need.ids) {
          const idHex = hex(id);
          const data = this.builtChunks?.get(idHex) ?? this.store.chunk(idHex);
          if (!data)
            throw new TesseraError('INTERNAL', `Backup chunk ${idHex.slice(0, 12)}… is missing locally.`);
          batch.push({ id, data });
          batchIds.push(idHex);
          batchBytes += data.length;
          if (batchBytes >= CHUNK_FRAME_BYTES || batch.length >= MAX_CHUNKS_PER_FRAME) await flush();
        }
        await flush();
        await this.send(conv, { t: 'done' });
        const answer = expectBackupMessage(await conv.receive(), 'receipt');
        if (answer.t === 'refused')
          throw new CustodianRefusedError(this.friendName(row.peerId), answer.reason);
        return answer.receipt;
      } finally {
        this.sending.delete(row.peerId);
      }
    });
    if (receiptBytes === null) return this.push(split, row, current, false);
    const receipt = verifyReceipt(receiptBytes, signPublicFromPeerId(row.peerId));
    const manifestHash = nativeSha256(manifest);
    if (
      receipt.kind !== 'holding' ||
      !equalBytes(receipt.owner, keys.signPublic) ||
      !equalBytes(receipt.split, split.splitId) ||
      receipt.version !== current.version ||
      !equalBytes(receipt.manifest, manifestHash)
    ) {
      throw new TesseraError(
        'VERIFICATION_FAILED',
        `${this.friendName(row.peerId)} sent a receipt for something else.`,
      );
    }
    this.store.updateCustodian(
      split.splitId,
      row.peerId,
      {
        envelopeDelivered: true,
        versionHeld: current.version,
        manifestHeld: manifestHash,
        receipt: receiptBytes,
        lastConfirmed: this.ctx.now(),
        health: 'ok',
        lastError: null,
      },
      this.ctx.now(),
    );
    this.backoff.reset(row.peerId);
    this.ctx.events.changed('backup');
  }

  /**
   * Asks a custodian of a retired split to delete its piece (PROTOCOL §9.2, "Deletion"), signed; `ended` tells them
   * this person removed them as a friend. A custodian that predates signed requests closes the stream on the unknown
   * fields: it is asked again as it understands (it then deletes the piece, without being told why).
   */
  private async requestDeletion(row: CustodianRow, ended = false): Promise<void> {
    const keys = this.ctx.keys() as IdentityKeys;
    const ask = (signed: boolean) => {
      const msg = {
        t: 'delete' as const,
        split: row.splitId,
        nonce: new Uint8Array(randomBytes(NONCE_BYTES)),
        expires: this.ctx.now() + 10 * 60_000,
      };
      const payload = deletionPayload({ ...msg, ended }, signPublicFromPeerId(row.peerId));
      const sig = signWithContext(SIGN_CONTEXTS.deletion, payload, keys.signSeed, nativeEd25519);
      return this.converse(row.peerId, async (conv) => {
        await this.send(conv, signed ? { ...msg, ended, sig } : msg);
        return expectBackupMessage(await conv.receive(), 'receipt');
      });
    };
    let answer: Awaited<ReturnType<typeof ask>>;
    try {
      answer = await ask(true);
    } catch (err) {
      if (
        !(err instanceof TesseraError) ||
        err.code !== 'UNREACHABLE' ||
        !this.ctx.friends.getFriend(row.peerId)
      )
        throw err;
      answer = await ask(false).catch(() => {
        throw err;
      });
    }
    if (answer.t === 'refused') throw new CustodianRefusedError(this.friendName(row.peerId), answer.reason);
    const receipt = verifyReceipt(answer.receipt, signPublicFromPeerId(row.peerId));
    if (
      receipt.kind !== 'deletion' ||
      !equalBytes(receipt.owner, keys.signPublic) ||
      !equalBytes(receipt.split, row.splitId)
    ) {
      throw new TesseraError(
        'VERIFICATION_FAILED',
        `${this.friendName(row.peerId)} sent the wrong deletion receipt.`,
      );
    }
    this.store.updateCustodian(
      row.splitId,
      row.peerId,
      { state: 'removed', deletionReceipt: answer.receipt, lastError: null },
      this.ctx.now(),
    );
    this.ctx.events.changed('backup');
    if (ended && !this.retiringPeers().includes(row.peerId)) this.onRetired(row.peerId);
  }

  /**
   * Health check (PROTOCOL §9.2, "Health"): each custodian proves it still holds the exact envelope we gave it (an
   * HMAC keyed by a fresh nonce over the stored envelope) and, if it confirmed our current version, the bytes of
   * HEALTH_CHUNKS chunks of that version picked at random (an HMAC under the same nonce over them, which we
   * recompute from our own copy). A lost envelope is deposited again; lost data marks the custodian "mismatch" (no
   * longer "delivered") and the version is sent again, which re-deposits the chunks it lacks.
   */
  async checkHealth(): Promise<BackupStatus> {
    const split = this.store.activeSplit();
    if (!split) return this.status();
    const rows = this.store
      .custodians(split.splitId)
      .filter((r) => r.state === 'accepted' && r.envelopeDelivered);
    const current = this.store.current();
    const sample = this.healthSample(split, current);
    await Promise.all(
      rows.map(async (row) => {
        try {
          await this.checkOne(split, row, row.versionHeld === current.version ? sample : null);
        } catch (err) {
          this.recordError(row.peerId, err instanceof Error ? err.message : String(err));
        }
      }),
    );
    this.ctx.events.changed('backup');
    this.kick();
    return this.status();
  }

  /**
   * Chunks of the current version to name in this round's challenges, drawn uniformly (each custodian gets its own
   * nonce, so one set serves them all), with our bytes of them; null when there is no version of this split yet.
   */
  private healthSample(
    split: SplitRow,
    current: CurrentBackup,
  ): { id: Uint8Array; data: Uint8Array }[] | null {
    if (!current.manifest || !current.splitId || !equalBytes(current.splitId, split.splitId)) return null;
    const keys = this.ctx.keys();
    if (!keys) return null;
    const refs = verifyManifest(current.manifest, keys.signPublic, nativeEd25519).chunks;
    const picked = sampleIndexes(refs.length, HEALTH_CHUNKS).map((i) => refs[i]!);
    const sample = picked.map((ref) => ({
      id: fromHex(ref.id),
      data: this.builtChunks?.get(ref.id) ?? this.store.chunk(ref.id),
    }));
    // Every chunk of the current version is kept with it (saveVersion); one missing here cannot be sent either.
    if (sample.some((c) => !c.data)) return null;
    return sample.length > 0 ? (sample as { id: Uint8Array; data: Uint8Array }[]) : null;
  }

  private async checkOne(
    split: SplitRow,
    row: CustodianRow,
    sample: { id: Uint8Array; data: Uint8Array }[] | null,
  ): Promise<void> {
    const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
    const ask = (chunks: Uint8Array[] | undefined) =>
      this.converse(row.peerId, async (conv) => {
        await this.send(conv, chunks ? { t: 'challenge', nonce, chunks } : { t: 'challenge', nonce });
        return expectBackupMessage(await conv.receive(), 'proof');
      });
    let proof: Awaited<ReturnType<typeof ask>>;
    let legacy = false;
    try {
      proof = await ask(sample?.map((c) => c.id));
    } catch (err) {
      if (!sample) throw err;
      // A custodian that predates data proofs refuses a challenge with `chunks` (its decoder knows no such field) and
      // resets the stream: ask as it understands, which still proves the envelope (PROTOCOL §9.2).
      try {
        proof = await ask(undefined);
      } catch {
        throw err;
      }
      legacy = true;
    }
    if (proof.t === 'refused') throw new CustodianRefusedError(this.friendName(row.peerId), proof.reason);
    const name = this.friendName(row.peerId);
    const now = this.ctx.now();
    const update = (patch: CustodianPatch) =>
      this.store.updateCustodian(split.splitId, row.peerId, patch, now);
    if (!proof.held || !equalBytes(proof.mac, hmac(sha256, nonce, row.sealedEnvelope))) {
      update({
        health: 'missing',
        envelopeDelivered: false,
        versionHeld: null,
        lastError: `${name} no longer holds your piece; sending it again.`,
      });
      return;
    }
    if (legacy) {
      // The piece is there, but nothing about the data was proven: not "ok", and nothing to re-send that would help.
      update({
        health: null,
        versionHeld: proof.version,
        lastError:
          `${name} holds your piece but could not prove it holds your backup's data (their Tessera may be too old ` +
          'for this check); ask them to update.',
      });
      return;
    }
    if (sample && !(proof.data && equalBytes(proof.data, healthDataProof(nonce, sample)))) {
      // Sent again whole (no delta: the manifest they hold may be all that is left), and only what they lack moves.
      update({
        health: 'mismatch',
        versionHeld: null,
        manifestHeld: null,
        lastError:
          `${name} could not prove they still hold your backup's data (a check of ${sample.length} chunks ` +
          'failed); sending it again.',
      });
      return;
    }
    // Only a receipt for the version sent again clears a failed data proof: the envelope alone says nothing of it.
    if (!sample && row.health === 'mismatch') return;
    update({ health: 'ok', lastConfirmed: now, versionHeld: proof.version, lastError: null });
  }

  close(): void {
    this.closed = true;
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    if (this.builtChunksTimer) clearTimeout(this.builtChunksTimer);
    this.builtChunks = null;
    this.sharedFrames.clear();
    void this.builder.close();
  }
}

/** A holding request that is still open: asked, not answered, not expired. */
function awaitingAnswer(row: CustodianRow, now: number): boolean {
  return row.state === 'requested' && row.requestExpires > now;
}

/** Builds from the snapshot; a vault past the format's size limit gets a message a person can act on. */
async function buildOrExplain<T>(build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (err) {
    if (err instanceof MalformedDataError && /larger than/.test(err.message)) {
      const mib = Math.round(SNAPSHOT_LIMITS.bytes / (1024 * 1024));
      throw new TooLargeError(
        `Your vault has grown past the ${mib} MiB a backup can hold, so your latest changes are not backed up. ` +
          'Remove large attachments; your friends keep the last version that fit.',
      );
    }
    throw err;
  }
}
