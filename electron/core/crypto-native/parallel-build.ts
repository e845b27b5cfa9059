/**
 * Builds backup versions with the chunk sealing spread over worker threads (seal-worker.ts), so a large vault's
 * build neither takes one core's time nor blocks the event loop that serves friends and the UI while it seals.
 *
 * The output is byte-identical to shared/formats/backup.ts buildBackupFromEncoded with the native primitives (a
 * test checks it): the snapshot is encoded straight into a SharedArrayBuffer, padded there (encodeSnapshot), and
 * this thread cuts it, handing each batch of pieces to the next worker as soon as it is cut, so sealing overlaps
 * cutting; then it assembles and signs the manifest (assembleBackup). Small backups, and machines with one core, are
 * sealed here without workers.
 *
 * Measured on the 2-vCPU bench machine: a 30 MiB vault builds in ~215 ms with two workers against ~355 ms on this
 * thread alone (~1.6×); handing batches out while cutting instead of after it saved ~5 %.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  assembleBackup,
  buildBackupFromEncoded,
  padBackup,
  preparePadded,
  type BuiltBackup,
  type PreparedBackup,
  type SealedChunk,
} from '../../../shared/formats/backup.ts';
import { chunks } from '../../../shared/formats/chunker.ts';
import {
  encodeSnapshot,
  encodeSnapshotPadded,
  type PaddedSnapshot,
  type Snapshot,
} from '../../../shared/formats/snapshot.ts';
import { paddedSize } from '../../../shared/formats/padding.ts';
import type { BackupManifest } from '../../../shared/formats/manifest.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { nativeBackupCrypto } from './native-backup-crypto.ts';
import { unpackSealed, type SealBatch, type SealBatchResult } from './seal-messages.ts';

/** Below this size (about 64 pieces) the hand-off costs more than it saves. */
const MIN_BYTES_FOR_WORKERS = 512 * 1024;
/** Bytes of pieces per batch: small enough to balance the workers, large enough to keep messages few. */
const BATCH_BYTES = 1024 * 1024;

/** `n` zero bytes in memory the workers share (written pages only take memory). */
function sharedBytes(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

export class BackupBuildError extends Error {
  constructor(message: string) {
    super(`Building the backup failed in a worker thread: ${message}`);
    this.name = 'BackupBuildError';
  }
}

/** The worker's file: beside this module in the sources (.ts), or in the built main bundle (out/main/*.js). */
function workerFile(): string {
  const candidates = ['./seal-worker.ts', './seal-worker.js', '../seal-worker.js'];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new BackupBuildError('the seal worker file is missing from this installation.');
}

interface Pending {
  ranges: [number, number][];
  resolve(sealed: SealedChunk[]): void;
  reject(err: Error): void;
}

export class ParallelBackupBuilder {
  readonly threads: number;
  /** Why the workers are not used (they failed once); null while they are. */
  unavailable: string | null = null;
  private workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextJob = 1;
  private closed = false;
  private readonly file: (() => string) | string;

  /** `options.workerFile` replaces the seal worker's path (tests use it to make the workers fail). */
  constructor(threads = Math.min(availableParallelism(), 4), options: { workerFile?: string } = {}) {
    this.threads = Math.max(1, threads);
    this.file = options.workerFile ?? workerFile;
  }

  /**
   * encodeSnapshot for build(): when the workers will seal it, written straight into shared memory and padded there
   * (snapshot.ts encodeSnapshotPadded), so build() neither copies it to pad it nor to share it.
   */
  encodeSnapshot(snapshot: Snapshot): PaddedSnapshot | Uint8Array {
    if (!this.usable()) return encodeSnapshot(snapshot);
    const encoded = encodeSnapshotPadded(snapshot, sharedBytes);
    return encoded.padded.length < MIN_BYTES_FOR_WORKERS ? encoded.bytes : encoded;
  }

  /**
   * Same arguments and output as buildBackupFromEncoded(…, nativeBackupCrypto); `snapshot` is encodeSnapshot's
   * bytes, or what this.encodeSnapshot returned.
   */
  async build(
    snapshot: Uint8Array | PaddedSnapshot,
    backupKey: Uint8Array,
    ownerKeys: Pick<IdentityKeys, 'signSeed' | 'signPublic'>,
    version: number,
    previous?: BackupManifest,
  ): Promise<BuiltBackup> {
    const bytes = snapshot instanceof Uint8Array ? snapshot : snapshot.bytes;
    const oneThread = () =>
      buildBackupFromEncoded(bytes, backupKey, ownerKeys, version, previous, nativeBackupCrypto);
    if (!this.usable() || paddedSize(bytes.length + 4) < MIN_BYTES_FOR_WORKERS) return oneThread();
    // The padded snapshot is in shared memory: the workers read their pieces there, nothing is copied.
    const padded =
      snapshot instanceof Uint8Array || !(snapshot.padded.buffer instanceof SharedArrayBuffer)
        ? padBackup(bytes, backupKey, ownerKeys, version, previous, sharedBytes)
        : preparePadded(snapshot.padded, backupKey, ownerKeys, version, previous);
    try {
      let sealed: SealedChunk[];
      try {
        sealed = await this.cutAndSeal(padded);
      } catch (err) {
        if (!(err instanceof BackupBuildError) || this.closed) throw err;
        // Workers that cannot run here (a packaging or platform problem) must not stop backups: seal on this
        // thread from now on, with the same result.
        this.unavailable = err.message;
        await this.stopWorkers();
        return oneThread();
      }
      return assembleBackup(padded, sealed, ownerKeys, nativeBackupCrypto);
    } finally {
      padded.keys.chunkKey.fill(0);
      padded.keys.idKey.fill(0);
      padded.keys.nonceKey.fill(0);
    }
  }

  /**
   * Cuts the padded snapshot into pieces and, as each batch of pieces is cut, hands it to the next worker
   * (in turn; batches are of equal size), so the sealing runs while this thread is still cutting.
   */
  private async cutAndSeal(prepared: PreparedBackup): Promise<SealedChunk[]> {
    const workers = this.ensureWorkers();
    const { keys, padded } = prepared;
    const shared = padded.buffer as SharedArrayBuffer;
    const base = padded.byteOffset;
    const sealKeys = { chunkKey: keys.chunkKey, idKey: keys.idKey, nonceKey: keys.nonceKey };
    const results: Promise<SealedChunk[]>[] = [];
    let batch: [number, number][] = [];
    let bytes = 0;
    const dispatch = () => {
      const worker = workers[results.length % workers.length]!;
      results.push(this.send(worker, { job: 0, keys: sealKeys, shared, ranges: batch }));
      batch = [];
      bytes = 0;
    };
    for (const piece of chunks(padded, keys.gear)) {
      const start = piece.byteOffset - base;
      batch.push([start, start + piece.length]);
      bytes += piece.length;
      if (bytes >= BATCH_BYTES) dispatch();
    }
    if (batch.length > 0) dispatch();
    return (await Promise.all(results)).flat();
  }

  private usable(): boolean {
    return this.threads >= 2 && !this.closed && this.unavailable === null;
  }

  /** Stops the workers (a build on them fails with BackupBuildError); later builds run on this thread. */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new BackupBuildError('the backup builder was closed.'));
    await this.stopWorkers();
  }

  private async stopWorkers(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private send(worker: Worker, batch: SealBatch): Promise<SealedChunk[]> {
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      this.pending.set(job, { ranges: batch.ranges, resolve, reject });
      worker.postMessage({ ...batch, job });
    });
  }

  private ensureWorkers(): Worker[] {
    if (this.workers.length > 0) return this.workers;
    const file = typeof this.file === 'string' ? this.file : this.file();
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(file);
      worker.unref();
      worker.on('message', (result: SealBatchResult) => {
        const pending = this.pending.get(result.job);
        if (!pending) return;
        this.pending.delete(result.job);
        if ('error' in result) pending.reject(new BackupBuildError(result.error));
        // The batch's buffers were transferred: this thread's own now, used as they are.
        else pending.resolve(unpackSealed(pending.ranges, result));
      });
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => {
        this.workers = this.workers.filter((w) => w !== worker);
        if (code !== 0 && !this.closed)
          this.failAll(new BackupBuildError(`a worker stopped (exit ${code}).`));
      });
      this.workers.push(worker);
    }
    return this.workers;
  }

  private failAll(err: Error): void {
    const error = err instanceof BackupBuildError ? err : new BackupBuildError(err.message);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
