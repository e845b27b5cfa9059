/**
 * Sends the current version to one custodian (push-conversation.ts) and records their receipt: as edits to the
 * manifest they hold when it can (recent-manifests.ts), else whole, with the envelope when it was never delivered.
 * Pushes of one reconcile pass run side by side and share each encoded frame of chunks (shared-frames.ts); their
 * progress shows in backup.status.
 */
import { RefusedError } from '../../../shared/errors.ts';
import type { BackupContext } from './backup-context.ts';
import type { CurrentBackup, CustodianRow, OwnerStore, SplitRow } from './owner-store.ts';
import type { CustodianChannel } from './custodian-channel.ts';
import type { BuiltChunks } from './built-chunks.ts';
import type { RecentManifests } from './recent-manifests.ts';
import type { Backoff } from './peer-link.ts';
import { SharedFrames } from './shared-frames.ts';
import { checkHoldingReceipt, pushVersion } from './push-conversation.ts';
import type { PushOffer, PushSource } from './push-conversation.ts';
import type { SendingProgress } from './status-view.ts';
import { nativeSha256 } from '../crypto-native/native-backup-crypto.ts';

/**
 * Most bytes of frames kept for the other pushes running alongside (shared-frames.ts): how far the slowest push may
 * fall behind the fastest and still share their frames. Five deposits of a first backup on two cores drifted up to
 * a third of a 100 MiB backup apart (docs/PERFORMANCE.md, "First full backup").
 */
const SHARED_FRAMES_BYTES = 48 * 1024 * 1024;
/** Progress of a send is announced at most this often (and when everything is sent). */
const SENDING_EVENT_MS = 500;

export class VersionPusher {
  private readonly ctx: BackupContext;
  private readonly store: OwnerStore;
  private readonly channel: CustodianChannel;
  private readonly manifests: RecentManifests;
  private readonly builtChunks: BuiltChunks;
  private readonly backoff: Backoff;
  /** Frames of chunks encoded by one push and sent again by the others running alongside it. */
  private readonly sharedFrames = new SharedFrames(SHARED_FRAMES_BYTES);
  /** Deposits and updates on their way, by custodian (shown in the status). */
  readonly sending = new Map<string, SendingProgress>();
  private lastSendingEvent = 0;

  constructor(
    ctx: BackupContext,
    store: OwnerStore,
    parts: {
      channel: CustodianChannel;
      manifests: RecentManifests;
      builtChunks: BuiltChunks;
      backoff: Backoff;
    },
  ) {
    this.ctx = ctx;
    this.store = store;
    this.channel = parts.channel;
    this.manifests = parts.manifests;
    this.builtChunks = parts.builtChunks;
    this.backoff = parts.backoff;
  }

  /** Deposit (with the sealed envelope) or update (manifest or its delta + only the chunks the custodian lacks). */
  async push(split: SplitRow, row: CustodianRow, current: CurrentBackup, allowDelta: boolean): Promise<void> {
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
    const name = this.channel.name(row.peerId);
    // Registered from the offer on, so that frames made by a push whose custodian answered sooner wait for this one.
    const leave = this.sharedFrames.join();
    const reply = await this.channel
      .converse(row.peerId, (conv) => pushVersion(conv, offer, this.source(row.peerId), name))
      .finally(leave);
    if (reply.t === 'offer-refused') {
      if (delta) return this.push(split, row, current, false); // it lacks the base (or predates deltas): send it whole
      if (row.envelopeDelivered) {
        // They no longer hold our shard (lost data, restored device): deposit it again next time.
        this.store.updateCustodian(split.splitId, row.peerId, { envelopeDelivered: false }, this.ctx.now());
      }
      throw new RefusedError(reply.reason, { by: name, reasonCode: reply.code });
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

  /** The pass is over: the frames it shared are let go (only the pushes of one pass run side by side). */
  passEnded(): void {
    this.sharedFrames.clear();
  }

  /** Chunks from the last build in memory, else SQLite; frames shared across the pass; progress into the status. */
  private source(peerId: string): PushSource {
    return {
      chunk: (idHex) => this.builtChunks.get(idHex) ?? this.store.chunk(idHex),
      frame: (ids, encode) => this.sharedFrames.frame(ids, encode),
      started: (progress) => void this.sending.set(peerId, progress),
      advanced: (_progress, allSent) => this.sendingChanged(allSent),
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
}
