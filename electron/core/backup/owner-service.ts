/**
 * The owner's side of backups, as a coordinator: state lives in SQLite and the work is level-triggered. The parts
 * it runs are apart, each testable alone: `reconcile-plan.ts` decides what each custodian is owed, the conversations
 * (`consent-`, `push-`, `deletion-`, `health-conversation.ts`) carry it out with one custodian, `rebuild-scheduler.ts`
 * says when a version is built (`version-builder.ts` builds it) and `status-view.ts` says what `backup.status` reports.
 */
import { randomBytes } from 'node:crypto';
import { splitKey, checkThreshold } from '../../../shared/shards/split.ts';
import { createShardEnvelopes } from '../../../shared/shards/envelope.ts';
import { equalBytes, fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { verifyManifest } from '../../../shared/formats/manifest.ts';
import { NONCE_BYTES } from '../../../shared/protocol/backup.ts';
import { HEALTH_CHUNKS, sampleIndexes } from '../../../shared/protocol/health-proof.ts';
import {
  BadRequestError,
  TesseraError,
  NotVerifiedError,
  UnknownFriendError,
} from '../../../shared/errors.ts';
import type { BackupStatus } from '../../../shared/api/ops/backup.ts';
import type { Conversation } from '../mesh/rpc.ts';
import { OwnerStore } from './owner-store.ts';
import type { CurrentBackup, CustodianRow, SplitRow } from './owner-store.ts';
import { SharedFrames } from './shared-frames.ts';
import { Backoff } from './peer-link.ts';
import type { BackupContext } from './backup-context.ts';
import { nativeEd25519, nativeSha256 } from '../crypto-native/native-backup-crypto.ts';
import { CustodianRefusedError } from './custodian-refused-error.ts';
import { planHealthChecks, planReconcile, pushesSettled } from './reconcile-plan.ts';
import type { ReconcileTask } from './reconcile-plan.ts';
import type { CurrentVersion } from './custodian-standing.ts';
import { backupStatusView, UNNAMED_CUSTODIAN } from './status-view.ts';
import type { SendingProgress } from './status-view.ts';
import { RebuildScheduler, timersOf } from './rebuild-scheduler.ts';
import type { TimerClock } from './rebuild-scheduler.ts';
import { BuiltChunks } from './built-chunks.ts';
import { RecentManifests } from './recent-manifests.ts';
import { askToHold } from './consent-conversation.ts';
import { checkHoldingReceipt, pushVersion } from './push-conversation.ts';
import type { PushOffer } from './push-conversation.ts';
import { askToDelete, checkDeletionReceipt, deletionRequest } from './deletion-conversation.ts';
import { askProof, judgeProof } from './health-conversation.ts';
import type { HealthSample, Proof } from './health-conversation.ts';
import { VersionBuilder } from './version-builder.ts';

export { CustodianRefusedError } from './custodian-refused-error.ts';

/** Most bytes of frames kept for the other pushes of a pass (pushes to custodians run side by side, close together). */
const SHARED_FRAMES_BYTES = 32 * 1024 * 1024;
/** How long to wait before asking again while a friend has not yet answered. */
const CONSENT_POLL_MS = 60_000;
/** How long removing a friend waits for them to confirm the deletion before it goes on without them. */
const REMOVAL_WAIT_MS = 8_000;
/** Progress of a send is announced at most this often (and when everything is sent). */
const SENDING_EVENT_MS = 500;

/** What became of the piece a removed friend kept (friends.remove). */
export type RemovedPiece = 'none' | 'deleted' | 'pending';

/**
 * `reconcile()` compares what each custodian should have with what they confirmed, and does what is missing (ask
 * consent, deposit the shard, send a newer version's missing chunks, ask retired custodians to delete). It runs
 * after every change, when a friend connects, and on a timer, so delivery resumes after restarts and outages
 * without a separate outbox.
 */
export class OwnerBackupService {
  private readonly ctx: BackupContext;
  readonly store: OwnerStore;
  private readonly backoff = new Backoff();
  /** Deposits and updates on their way, by custodian (shown in the status). */
  private readonly sending = new Map<string, SendingProgress>();
  private lastSendingEvent = 0;
  private running = false;
  private again = false;
  private closed = false;
  /** Backup bytes sent to custodians by this process (messages on the wire, before framing and encryption). */
  bytesSent = 0;
  private readonly manifests = new RecentManifests();
  private readonly builtChunks: BuiltChunks;
  /** Frames of chunks encoded by one push and sent again by the others running alongside it. */
  private readonly sharedFrames = new SharedFrames(SHARED_FRAMES_BYTES);
  private readonly rebuilds: RebuildScheduler;
  private readonly versions: VersionBuilder;

  constructor(ctx: BackupContext, timers: TimerClock = timersOf({ now: () => ctx.now() })) {
    this.ctx = ctx;
    this.store = new OwnerStore(ctx.store);
    this.builtChunks = new BuiltChunks(timers);
    this.versions = new VersionBuilder(ctx, this.store, {
      manifests: this.manifests,
      builtChunks: this.builtChunks,
      isClosed: () => this.closed,
      built: () => this.kick(),
    });
    this.rebuilds = new RebuildScheduler(
      timers,
      () => this.versions.buildOnce(this.rebuilds),
      (err) => this.ctx.log(`backup: rebuilding failed: ${String(err)}`),
    );
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
    const keySealed = session.sealRow('backup_splits', toHex(split.splitId), key);
    this.store.startSplit(
      { splitId: split.splitId, threshold: input.threshold, keySealed },
      peerIds.map((peerId, i) => ({
        peerId,
        sealedEnvelope: envelopes[i] as Uint8Array,
        requestNonce: new Uint8Array(randomBytes(NONCE_BYTES)),
        requestExpires: now + this.ctx.config.holdRequestTtlMs,
      })),
      now,
    );
    key.fill(0);
    for (const peerId of peerIds) this.backoff.reset(peerId);
    this.rebuilds.note(`a new backup key for ${records.length} friends, any ${input.threshold} of them`);
    await this.rebuildNow();
    return this.status();
  }

  status(): BackupStatus {
    const split = this.store.activeSplit();
    const rows = [...(split ? this.store.custodians(split.splitId) : []), ...this.store.formerCustodians()];
    const peers = new Set(rows.map((r) => r.peerId));
    return backupStatusView({
      now: this.ctx.now(),
      split,
      rows,
      version: this.store.currentVersion(),
      versionCreatedAt: this.versions.madeAt ?? this.store.versionSavedAt(),
      versionReason: this.versions.reason,
      bytesSent: this.bytesSent,
      problem: this.versions.problem,
      names: new Map([...peers].map((peerId) => [peerId, this.friendName(peerId)])),
      friends: new Set([...peers].filter((peerId) => this.ctx.friends.getFriend(peerId) !== null)),
      sending: this.sending,
    });
  }

  /**
   * Something in the snapshot changed: produce a new version soon (changes in a burst make one version). `reason`
   * says what, in a few words ("settings changed"); the version made says all the reasons it gathered.
   */
  scheduleRebuild(reason?: string, delayMs?: number): void {
    if (this.closed || !this.store.activeSplit()) return;
    this.rebuilds.schedule(reason, delayMs);
  }

  /** Builds the next version now (after any build under way): version-builder.ts. */
  rebuildNow(): Promise<void> {
    return this.rebuilds.now();
  }

  /** Rebuild if changes happened while locked. */
  async onUnlocked(): Promise<void> {
    if (this.store.current().dirty) await this.rebuildNow();
    this.kick();
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
    // The version about to be sent is a base for the next one's edits.
    if (current.manifest) this.manifests.remember(current.manifest);
    const retiring = this.store.custodiansToRemove();
    const tasks = planReconcile({
      now,
      split,
      custodians: split ? this.store.custodians(split.splitId) : [],
      retiring,
      current: versionOf(current),
      friends: new Set(retiring.map((r) => r.peerId).filter((p) => this.ctx.friends.getFriend(p) !== null)),
      deltaBases: this.manifests.hashes(),
      notBefore: this.backoff.snapshot(),
    });
    const byPeer = new Map<string, ReconcileTask[]>();
    for (const task of tasks) {
      if (task.t !== 'wait') byPeer.set(task.peerId, [...(byPeer.get(task.peerId) ?? []), task]);
    }
    await Promise.all(
      [...byPeer.entries()].map(async ([peerId, peerTasks]) => {
        for (const task of peerTasks) {
          try {
            await this.run(task, split, current);
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
    if (this.builtChunks.held && this.pushesDone()) this.builtChunks.drop();
  }

  private run(task: ReconcileTask, split: SplitRow | null, current: CurrentBackup): Promise<void> {
    switch (task.t) {
      case 'ask-consent':
        return this.requestConsent(split!, task.row);
      case 'send-delta':
      case 'send-whole':
        return this.push(split!, task.row, current, task.t === 'send-delta');
      case 'forget':
        return this.requestDeletion(task.row, task.ended);
      case 'wait':
        return Promise.resolve();
    }
  }

  /** Every custodian of the active split holds the current version, declined or let the request expire. */
  private pushesDone(): boolean {
    const split = this.store.activeSplit();
    return pushesSettled({
      now: this.ctx.now(),
      split,
      custodians: split ? this.store.custodians(split.splitId) : [],
      current: versionOf(this.store.current()),
    });
  }

  private recordError(peerId: string, message: string): void {
    const split = this.store.activeSplit();
    if (split && this.store.custodian(split.splitId, peerId)) {
      this.store.updateCustodian(split.splitId, peerId, { lastError: message }, this.ctx.now());
      this.ctx.events.changed('backup');
    }
  }

  /** A conversation with a custodian on the backup protocol; what it sends counts towards `bytesSent`. */
  private async converse<T>(peerId: string, fn: (conv: Conversation) => Promise<T>): Promise<T> {
    const conv = await this.ctx.link.open(peerId);
    const counted: Conversation = {
      remotePeer: conv.remotePeer,
      signal: conv.signal,
      send: (bytes) => {
        this.bytesSent += bytes.length;
        return conv.send(bytes);
      },
      receive: (maxBytes) => conv.receive(maxBytes),
      close: () => conv.close(),
      abort: (reason) => conv.abort(reason),
    };
    try {
      return await fn(counted);
    } finally {
      await conv.close();
    }
  }

  /** Never a peer ID: a friend's name, a former friend's (kept when they were removed), else a plain phrase. */
  private friendName(peerId: string): string {
    return this.ctx.friends.nameOf(peerId) ?? UNNAMED_CUSTODIAN;
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
    const state = await this.converse(row.peerId, (conv) =>
      askToHold(
        conv,
        { threshold: split.threshold, custodians, nonce: row.requestNonce, expires: row.requestExpires },
        this.friendName(row.peerId),
      ),
    );
    const now = this.ctx.now();
    if (state === 'pending') {
      this.store.updateCustodian(split.splitId, row.peerId, { lastError: null }, now);
      this.backoff.wait(row.peerId, now, CONSENT_POLL_MS);
      return;
    }
    this.applyConsent(split, row.peerId, state === 'accepted');
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

  /** Deposit (with the sealed envelope) or update (manifest or its delta + only the chunks the custodian lacks). */
  private async push(
    split: SplitRow,
    row: CustodianRow,
    current: CurrentBackup,
    allowDelta: boolean,
  ): Promise<void> {
    const manifest = current.manifest as Uint8Array;
    const keys = this.ctx.keys()!;
    this.manifests.remember(manifest);
    const delta =
      allowDelta && row.envelopeDelivered && row.manifestHeld
        ? this.manifests.delta(split.splitId, row.manifestHeld, manifest, keys.signPublic)
        : null;
    const offer: PushOffer = delta ?? {
      t: 'offer',
      split: split.splitId,
      sealed: row.envelopeDelivered ? null : row.sealedEnvelope,
      manifest,
    };
    const name = this.friendName(row.peerId);
    const reply = await this.converse(row.peerId, (conv) =>
      pushVersion(conv, offer, this.pushSource(row.peerId), name),
    );
    if (reply.t === 'offer-refused') {
      if (delta) return this.push(split, row, current, false); // it lacks the base (or predates deltas): send it whole
      if (row.envelopeDelivered) {
        // They no longer hold our shard (lost data, restored device): deposit it again next time.
        this.store.updateCustodian(split.splitId, row.peerId, { envelopeDelivered: false }, this.ctx.now());
      }
      throw new CustodianRefusedError(name, reply.reason);
    }
    const manifestHash = nativeSha256(manifest);
    checkHoldingReceipt(
      reply.receipt,
      {
        custodian: row.peerId,
        owner: keys.signPublic,
        split: split.splitId,
        version: current.version,
        manifestHash,
      },
      name,
    );
    this.store.updateCustodian(
      split.splitId,
      row.peerId,
      {
        envelopeDelivered: true,
        versionHeld: current.version,
        manifestHeld: manifestHash,
        receipt: reply.receipt,
        lastConfirmed: this.ctx.now(),
        health: 'ok',
        lastError: null,
      },
      this.ctx.now(),
    );
    this.backoff.reset(row.peerId);
    this.ctx.events.changed('backup');
  }

  /** Chunks from the last build in memory, else SQLite; frames shared across the pass; progress into the status. */
  private pushSource(peerId: string) {
    return {
      chunk: (idHex: string) => this.builtChunks.get(idHex) ?? this.store.chunk(idHex),
      frame: (ids: readonly string[], encode: () => Uint8Array) => this.sharedFrames.frame(ids, encode),
      started: (progress: SendingProgress) => void this.sending.set(peerId, progress),
      advanced: (_progress: SendingProgress, allSent: boolean) => this.sendingChanged(allSent),
      ended: () => void this.sending.delete(peerId),
    };
  }

  /** Progress of a deposit changed: the status is re-read by whoever shows it, at most twice a second (and when all is sent). */
  private sendingChanged(allSent: boolean): void {
    const now = this.ctx.now();
    if (!allSent && now - this.lastSendingEvent < SENDING_EVENT_MS) return;
    this.lastSendingEvent = now;
    this.ctx.events.changed('backup');
  }

  /**
   * Asks a custodian of a retired split to delete its piece (PROTOCOL §9.2, "Deletion"), signed; `ended` tells them
   * this person removed them as a friend. A custodian that predates signed requests closes the stream on the unknown
   * fields: it is asked again as it understands (it then deletes the piece, without being told why).
   */
  private async requestDeletion(row: CustodianRow, ended = false): Promise<void> {
    const keys = this.ctx.keys()!;
    const name = this.friendName(row.peerId);
    const ask = (signed: boolean) =>
      this.converse(row.peerId, (conv) =>
        askToDelete(
          conv,
          deletionRequest(
            { split: row.splitId, custodian: row.peerId, ended, now: this.ctx.now(), signed },
            keys,
          ),
          name,
        ),
      );
    let receipt: Uint8Array;
    try {
      receipt = await ask(true);
    } catch (err) {
      if (
        !(err instanceof TesseraError) ||
        err.code !== 'UNREACHABLE' ||
        !this.ctx.friends.getFriend(row.peerId)
      )
        throw err;
      receipt = await ask(false).catch((second: unknown) => {
        // A refusal is the custodian's answer to the form it understands; anything else, the first error says more.
        throw second instanceof CustodianRefusedError ? second : err;
      });
    }
    checkDeletionReceipt(
      receipt,
      { custodian: row.peerId, owner: keys.signPublic, split: row.splitId },
      name,
    );
    this.store.updateCustodian(
      row.splitId,
      row.peerId,
      { state: 'removed', deletionReceipt: receipt, lastError: null },
      this.ctx.now(),
    );
    this.ctx.events.changed('backup');
    if (ended && !this.retiringPeers().includes(row.peerId)) this.onRetired(row.peerId);
  }

  /**
   * Health check of every custodian holding our envelope (PROTOCOL §9.2, "Health"; health-conversation.ts), those
   * that confirmed the current version also on HEALTH_CHUNKS of its chunks, picked at random.
   */
  async checkHealth(): Promise<BackupStatus> {
    const split = this.store.activeSplit();
    if (!split) return this.status();
    const current = this.store.current();
    const sample = this.healthSample(split, current);
    const checks = planHealthChecks({
      custodians: this.store.custodians(split.splitId),
      currentVersion: current.version,
    });
    await Promise.all(
      checks.map(async ({ row, withChunks }) => {
        try {
          await this.checkOne(split, row, withChunks ? sample : null);
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
  private healthSample(split: SplitRow, current: CurrentBackup): HealthSample | null {
    if (!current.manifest || !current.splitId || !equalBytes(current.splitId, split.splitId)) return null;
    const keys = this.ctx.keys();
    if (!keys) return null;
    const refs = verifyManifest(current.manifest, keys.signPublic, nativeEd25519).chunks;
    const picked = sampleIndexes(refs.length, HEALTH_CHUNKS).map((i) => refs[i]!);
    const sample = picked.map((ref) => ({
      id: fromHex(ref.id),
      data: this.builtChunks.get(ref.id) ?? this.store.chunk(ref.id),
    }));
    // Every chunk of the current version is kept with it (saveVersion); one missing here cannot be sent either.
    if (sample.some((c) => !c.data)) return null;
    return sample.length > 0 ? (sample as HealthSample) : null;
  }

  private async checkOne(split: SplitRow, row: CustodianRow, sample: HealthSample | null): Promise<void> {
    const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
    const name = this.friendName(row.peerId);
    const ask = (chunks: Uint8Array[] | undefined) =>
      this.converse(row.peerId, (conv) => askProof(conv, nonce, chunks, name));
    let proof: Proof;
    let legacy = false;
    try {
      proof = await ask(sample?.map((c) => c.id));
    } catch (err) {
      if (!sample || err instanceof CustodianRefusedError) throw err;
      // A custodian that predates data proofs refuses a challenge with `chunks` (its decoder knows no such field) and
      // resets the stream: ask as it understands, which still proves the envelope (PROTOCOL §9.2).
      try {
        proof = await ask(undefined);
      } catch {
        throw err;
      }
      legacy = true;
    }
    const now = this.ctx.now();
    const patch = judgeProof(row, proof, { nonce, sample, legacy, name, now });
    if (patch) this.store.updateCustodian(split.splitId, row.peerId, patch, now);
  }

  close(): void {
    this.closed = true;
    this.rebuilds.close();
    this.builtChunks.close();
    this.sharedFrames.clear();
    this.versions.close();
  }
}

function versionOf(current: CurrentBackup): CurrentVersion {
  return { version: current.version, splitId: current.splitId, hasManifest: current.manifest !== null };
}
