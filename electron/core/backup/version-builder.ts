/**
 * Builds the owner's next backup version from the current snapshot under the active split's key (PROTOCOL §9.1),
 * sealing on worker threads (parallel-build.ts), and remembers what it made: when, why, and why the newest changes
 * could not be made into a version. When a build runs is rebuild-scheduler.ts's decision.
 */
import { verifyManifest } from '../../../shared/formats/manifest.ts';
import { equalBytes, toHex } from '../../../shared/crypto/bytes.ts';
import { SNAPSHOT_LIMITS } from '../../../shared/formats/snapshot.ts';
import { sameContent } from '../../../shared/formats/backup.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { TesseraError, TooLargeError } from '../../../shared/errors.ts';
import { ParallelBackupBuilder } from '../crypto-native/parallel-build.ts';
import { nativeEd25519 } from '../crypto-native/native-backup-crypto.ts';
import type { BackupContext } from './backup-context.ts';
import type { OwnerStore, SplitRow } from './owner-store.ts';
import { assembleSnapshot } from './snapshot-source.ts';
import { awaitingAnswer } from './custodian-standing.ts';
import type { BuiltChunks } from './built-chunks.ts';
import type { RecentManifests } from './recent-manifests.ts';

/** Where the reasons for a version are gathered (rebuild-scheduler.ts). */
export interface ReasonSource {
  takeReasons(): string[];
  restoreReasons(reasons: readonly string[]): void;
}

export class VersionBuilder {
  private readonly ctx: BackupContext;
  private readonly store: OwnerStore;
  private readonly manifests: RecentManifests;
  private readonly builtChunks: BuiltChunks;
  private readonly isClosed: () => boolean;
  private readonly built: () => void;
  /** Seals large backups on worker threads, off the event loop that serves friends and the UI. */
  private readonly builder = new ParallelBackupBuilder();
  private saidUnavailable = false;
  /** What made the current version, and when, as this process saw it (null after a restart: not stored). */
  reason: string | null = null;
  madeAt: number | null = null;
  /** Why the newest changes could not be turned into a backup version (shown in backup.status), or null. */
  problem: string | null = null;

  constructor(
    ctx: BackupContext,
    store: OwnerStore,
    parts: {
      manifests: RecentManifests;
      builtChunks: BuiltChunks;
      isClosed: () => boolean;
      /** A new version was saved: deliver it. */
      built: () => void;
    },
  ) {
    this.ctx = ctx;
    this.store = store;
    this.manifests = parts.manifests;
    this.builtChunks = parts.builtChunks;
    this.isClosed = parts.isClosed;
    this.built = parts.built;
  }

  /**
   * One build. While the vault is locked the snapshot cannot be read: the backup is marked dirty and rebuilt at the
   * next unlock. A build whose content equals the current version's makes no version.
   */
  async buildOnce(reasonSource: ReasonSource): Promise<void> {
    const split = this.store.activeSplit();
    if (!split || this.isClosed()) return;
    const now = this.ctx.now();
    if (this.ctx.vault.state() !== 'unlocked') {
      this.store.markDirty(now);
      return;
    }
    const key = this.backupKey(split);
    const keys = this.ctx.vault.identityKeys();
    const reasons = reasonSource.takeReasons();
    try {
      // Those who hold, or may still agree to hold, this key: a recovered device re-shares to them.
      const custodians = this.store
        .custodians(split.splitId)
        .filter((c) => c.state === 'accepted' || awaitingAnswer(c, now))
        .map((c) => c.peerId);
      // Large vaults are sealed on worker threads: they start while the snapshot is read and decrypted.
      this.builder.prepare(this.ctx.vault.items.storedBytes());
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
      // (Unless a pack file of the stored chunks is damaged: then the same content is saved again, rewriting them.)
      if (previous && sameContent(built.info, previous) && this.store.chunksIntact()) {
        // Nothing new to back up: the current version already holds exactly this (e.g. a change was undone).
        if (this.problem !== null) {
          this.problem = null;
          this.ctx.events.changed('backup');
        }
        return;
      }
      // The new chunks are written (and made durable) before the transaction that records the version.
      const staged = await this.store.stageChunks(built.chunks);
      // A re-share may have replaced the split while this one was sealing (its own build follows this one), or the
      // core may have closed meanwhile (the store with it).
      const active = this.isClosed() ? null : this.store.activeSplit();
      if (!active || !equalBytes(active.splitId, split.splitId)) {
        staged.discard();
        return;
      }
      if (current.manifest) this.manifests.remember(current.manifest);
      this.manifests.remember(built.manifest);
      this.store.saveVersion(current.version + 1, split.splitId, built.manifest, built.chunks, now, staged);
      this.madeAt = now;
      this.reason = reasons.length > 0 ? reasons.join('; ') : null;
      // Pushes right after a build (every custodian, concurrently) read the chunks from memory, not SQLite.
      this.builtChunks.keep(built.chunks);
      this.problem = null;
    } catch (err) {
      // Not backed up: the next version still has these to say.
      reasonSource.restoreReasons(reasons);
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
    this.built();
  }

  private backupKey(split: SplitRow): Uint8Array {
    const session = this.ctx.vault.requireUnlocked();
    return new Uint8Array(session.openRow('backup_splits', toHex(split.splitId), split.keySealed));
  }

  close(): void {
    void this.builder.close();
  }
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
