/**
 * The owner's side of backups, as a coordinator of parts that are each testable alone: `reconcile-plan.ts` decides
 * what each custodian is owed, `owner-push.ts`, `consent-conversation.ts`, `owner-deletion.ts` and `owner-health.ts`
 * carry it out with one custodian, `rebuild-scheduler.ts` says when a version is built and `version-builder.ts`
 * builds it, `status-view.ts` says what `backup.status` reports.
 */
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { isOlderReleaseRefusal, olderCustodianError } from '../../../shared/needs-update.ts';
import type { BackupCreated, BackupStatus } from '../../../shared/api/ops/backup.ts';
import { OwnerStore } from './owner-store.ts';
import type { CurrentBackup, CustodianRow, SplitRow } from './owner-store.ts';
import { Backoff } from './peer-link.ts';
import type { BackupContext } from './backup-context.ts';
import { planReconcile, pushesSettled } from './reconcile-plan.ts';
import type { ReconcileTask } from './reconcile-plan.ts';
import type { CurrentVersion } from './custodian-standing.ts';
import { backupStatusView } from './status-view.ts';
import { RebuildScheduler, timersOf } from './rebuild-scheduler.ts';
import type { TimerClock } from './rebuild-scheduler.ts';
import { BuiltChunks } from './built-chunks.ts';
import { RecentManifests } from './recent-manifests.ts';
import { VersionBuilder } from './version-builder.ts';
import { CustodianChannel } from './custodian-channel.ts';
import { VersionPusher } from './owner-push.ts';
import { MissingChunkError } from './push-conversation.ts';
import { askToHold } from './consent-conversation.ts';
import { requestDeletion, retiringPeers } from './owner-deletion.ts';
import { checkCustodians } from './owner-health.ts';
import { startNewSplit } from './split-creation.ts';

/** How long to wait before asking again while a friend has not yet answered. */
const CONSENT_POLL_MS = 60_000;
/** How long removing a friend waits for them to confirm the deletion before it goes on without them. */
const REMOVAL_WAIT_MS = 8_000;

/** What became of the piece a removed friend kept (friends.remove). */
export type RemovedPiece = 'none' | 'deleted' | 'pending';

/**
 * State lives in SQLite and the work is level-triggered: `reconcile()` compares what each custodian should have with
 * what they confirmed, and does what is missing (ask consent, deposit the shard, send a newer version's missing
 * chunks, ask retired custodians to delete). It runs after every change, when a friend connects, and on a timer, so
 * delivery resumes after restarts and outages without a separate outbox.
 */
export class OwnerBackupService {
  private readonly ctx: BackupContext;
  readonly store: OwnerStore;
  private readonly backoff = new Backoff();
  private readonly channel: CustodianChannel;
  private readonly manifests = new RecentManifests();
  private readonly builtChunks: BuiltChunks;
  private readonly pusher: VersionPusher;
  private readonly versions: VersionBuilder;
  private readonly rebuilds: RebuildScheduler;
  private running = false;
  private again = false;
  private closed = false;

  constructor(ctx: BackupContext, timers: TimerClock = timersOf({ now: () => ctx.now() })) {
    this.ctx = ctx;
    this.store = new OwnerStore(ctx.store);
    this.channel = new CustodianChannel(ctx, this.store);
    this.builtChunks = new BuiltChunks(timers);
    this.pusher = new VersionPusher(ctx, this.store, {
      channel: this.channel,
      manifests: this.manifests,
      builtChunks: this.builtChunks,
      backoff: this.backoff,
    });
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

  /** Backup bytes sent to custodians by this process (messages on the wire, before framing and encryption). */
  get bytesSent(): number {
    return this.channel.bytesSent;
  }

  /**
   * A first backup, or a re-share to a new set of custodians or threshold: always a fresh key and split. Paper
   * pieces' words are in the answer only (PROTOCOL §4.4).
   */
  async create(input: {
    custodians: string[];
    threshold: number;
    paper?: number;
    waitingPeriodMs?: number;
  }): Promise<BackupCreated> {
    const made = await startNewSplit(this.ctx, this.store, input);
    const { peerIds } = made;
    for (const peerId of peerIds) this.backoff.reset(peerId);
    // The holding requests go out while the first version is built: the planner owes no push before it exists.
    this.kick();
    this.rebuilds.note(
      `a new backup key for ${peerIds.length} friends${made.paper.length ? ` and ${made.paper.length} on paper` : ''}, any ${input.threshold} of them`,
    );
    await this.rebuildNow();
    const status = this.status();
    if (made.paper.length === 0) return status;
    const owner = this.ctx.vault.publicIdentity();
    return {
      ...status,
      paperPieces: made.paper.map((p) => ({
        number: p.x,
        words: p.words,
        createdAt: made.createdAt,
        threshold: input.threshold,
        pieces: peerIds.length + made.paper.length,
        ownerName: owner?.name ?? '',
        fingerprint: owner?.fingerprint ?? '',
      })),
    };
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
      names: new Map([...peers].map((peerId) => [peerId, this.channel.name(peerId)])),
      friends: new Set([...peers].filter((peerId) => this.ctx.friends.getFriend(peerId) !== null)),
      sending: this.pusher.sending,
      cannotRecover: new Set([...peers].filter((peerId) => this.ctx.versions.lacks(peerId).has('recovery'))),
      paper: this.store.paperPieces(),
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

  /** Builds the next version now, after any build under way (version-builder.ts). */
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

  /**
   * Does whatever is owed to custodians; a call while one runs makes it plan again at once (and resolves then). Each
   * peer's tasks run in order, peers side by side, and a peer whose tasks are done no longer holds up the others: a
   * friend whose consent arrives while another's deposit is on its way starts theirs at once, rather than after it
   * (the deposits of a first backup then run together and share their frames: docs/PERFORMANCE.md, "First full
   * backup").
   */
  async reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      this.wake();
      return;
    }
    this.running = true;
    try {
      this.again = true;
      while (!this.closed) {
        if (this.again) {
          this.again = false;
          this.startOwedTasks();
        }
        if (this.busy.size === 0 && !this.again) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = () => {};
      }
    } finally {
      this.running = false;
      this.wake = () => {};
      this.pusher.passEnded();
      if (this.builtChunks.held && this.pushesDone()) this.builtChunks.drop();
    }
  }

  /** Peers whose tasks are running now, and those that were owed more while they ran (planned again when done). */
  private readonly busy = new Set<string>();
  private readonly owedWhileBusy = new Set<string>();
  /** Ends the reconcile loop's wait: a peer's tasks ended, or a kick came. */
  private wake: () => void = () => {};

  /** Plans, and starts the tasks of every peer that has some and is not already busy. */
  private startOwedTasks(): void {
    if (!this.ctx.keys()) return;
    const split = this.store.activeSplit();
    const current = this.store.current();
    // The version about to be sent is a base for the next one's edits.
    if (current.manifest) this.manifests.remember(current.manifest);
    const retiring = this.store.custodiansToRemove();
    const tasks = planReconcile({
      now: this.ctx.now(),
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
    for (const [peerId, peerTasks] of byPeer) {
      if (this.busy.has(peerId)) {
        this.owedWhileBusy.add(peerId);
        continue;
      }
      this.busy.add(peerId);
      void this.runPeerTasks(peerId, peerTasks, split as SplitRow, current).finally(() => {
        this.busy.delete(peerId);
        // What was planned while this peer was busy is planned again now, with the rows its tasks left.
        if (this.owedWhileBusy.delete(peerId)) this.again = true;
        // Frames are shared only by pushes that run together: once none runs, they are let go.
        if (this.busy.size === 0) this.pusher.passEnded();
        this.wake();
      });
    }
  }

  /** One peer's tasks in order; a failure backs that peer off and ends its tasks for now. */
  private async runPeerTasks(
    peerId: string,
    peerTasks: ReconcileTask[],
    split: SplitRow,
    current: CurrentBackup,
  ): Promise<void> {
    for (const task of peerTasks) {
      try {
        await this.run(task, split, current);
      } catch (err) {
        const delay = this.backoff.failed(peerId, this.ctx.now());
        // A custodian whose Tessera cannot read this version is told as such (PROTOCOL §13.3).
        const message =
          err instanceof RefusedError && isOlderReleaseRefusal(err.reason, err.reasonCode)
            ? olderCustodianError(this.channel.name(peerId))
            : err instanceof Error
              ? err.message
              : String(err);
        this.ctx.log(`backup: ${peerId.slice(-8)}: ${message} (retry in ${Math.round(delay / 1000)} s)`);
        this.channel.recordError(peerId, message);
        // A stored chunk is gone (its pack file damaged): the next version writes them again (version-builder.ts).
        if (err instanceof MissingChunkError)
          this.scheduleRebuild('some stored chunks of the backup were missing');
        return;
      }
    }
  }

  /** Runs one planned task (`split` is the active split: the planner plans no consent or push without one). */
  private run(task: ReconcileTask, split: SplitRow, current: CurrentBackup): Promise<void> {
    switch (task.t) {
      case 'ask-consent':
        return this.requestConsent(split, task.row);
      case 'send-delta':
      case 'send-whole':
        return this.pusher.push(split, task.row, current, task.t === 'send-delta');
      case 'forget':
        return this.forget(task.row, task.ended);
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

  private async requestConsent(split: SplitRow, row: CustodianRow): Promise<void> {
    const custodians = this.store.custodians(split.splitId).length;
    const state = await this.channel.converse(row.peerId, (conv) =>
      askToHold(
        conv,
        { threshold: split.threshold, custodians, nonce: row.requestNonce, expires: row.requestExpires },
        this.channel.name(row.peerId),
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

  /** Deletion of an old piece (owner-deletion.ts); a removed friend owed nothing more is let go by the mesh. */
  private async forget(row: CustodianRow, ended: boolean): Promise<void> {
    await requestDeletion(this.ctx, this.store, this.channel, row, ended);
    if (ended && !this.retiringPeers().includes(row.peerId)) this.onRetired(row.peerId);
  }

  /** Removed friends who still have to be asked to delete a piece (the connection gate lets us reach them). */
  retiringPeers(): string[] {
    return retiringPeers(this.ctx, this.store);
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
      for (const row of rows) await this.forget(row, true);
      return true;
    })().catch((err: unknown) => {
      this.channel.recordError(peerId, err instanceof Error ? err.message : String(err));
      this.backoff.failed(peerId, this.ctx.now());
      return false;
    });
    const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), REMOVAL_WAIT_MS).unref());
    return (await Promise.race([attempt, timer])) ? 'deleted' : 'pending';
  }

  /**
   * Health check (PROTOCOL §9.2, "Health"; owner-health.ts): each custodian proves it still holds the exact envelope
   * we gave it and, if it confirmed our current version, chunks of it. A lost envelope is deposited again; lost data
   * marks the custodian "mismatch" and the version is sent again by the reconcile that follows.
   */
  async checkHealth(): Promise<BackupStatus> {
    const split = this.store.activeSplit();
    if (!split) return this.status();
    await checkCustodians(
      {
        store: this.store,
        channel: this.channel,
        keys: this.ctx.keys(),
        chunk: (idHex) => this.builtChunks.get(idHex) ?? this.store.chunk(idHex),
        now: () => this.ctx.now(),
      },
      split,
    );
    this.ctx.events.changed('backup');
    this.kick();
    return this.status();
  }

  close(): void {
    this.closed = true;
    this.rebuilds.close();
    this.builtChunks.close();
    this.pusher.passEnded();
    this.versions.close();
  }
}

function versionOf(current: CurrentBackup): CurrentVersion {
  return { version: current.version, splitId: current.splitId, hasManifest: current.manifest !== null };
}
