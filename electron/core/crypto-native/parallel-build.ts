/**
 * Builds backup versions with the chunk sealing spread over worker threads (seal-worker.ts), so a large vault's
 * build neither takes one core's time nor blocks the event loop that serves friends and the UI while it seals.
 *
 * The output is byte-identical to shared/formats/backup.ts buildBackupFromEncoded with the native primitives (a
 * test checks it): this thread pads the snapshot into a SharedArrayBuffer and cuts it (prepareBackup), hands out
 * batches of pieces to the workers as they become free, and assembles and signs the manifest (assembleBackup).
 * Small backups, and machines with one core, are sealed here without workers.
 *
 * Measured on the 2-vCPU bench machine (bench/results.json): about 1.25× the one-thread build for a 30 MiB vault;
 * the padding, cutting, snapshot encoding and manifest signature stay on this thread.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  assembleBackup,
  prepareBackup,
  sealBackupChunk,
  type BuiltBackup,
  type SealedChunk,
} from '../../../shared/formats/backup.ts';
import type { BackupManifest } from '../../../shared/formats/manifest.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { nativeBackupCrypto } from './native-backup-crypto.ts';
import type { SealBatch, SealBatchResult } from './seal-messages.ts';

/** Below this many pieces the hand-off costs more than it saves. */
const MIN_PIECES_FOR_WORKERS = 64;
/** Bytes of pieces per batch: small enough to balance the workers, large enough to keep messages few. */
const BATCH_BYTES = 1024 * 1024;

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

  /** Same arguments and output as buildBackupFromEncoded(…, nativeBackupCrypto). */
  async build(
    snapshotBytes: Uint8Array,
    backupKey: Uint8Array,
    ownerKeys: Pick<IdentityKeys, 'signSeed' | 'signPublic'>,
    version: number,
    previous?: BackupManifest,
  ): Promise<BuiltBackup> {
    // The padded snapshot goes straight into shared memory: the workers read their pieces there, nothing is copied.
    const prepared = prepareBackup(
      snapshotBytes,
      backupKey,
      ownerKeys,
      version,
      previous,
      (n) => new Uint8Array(new SharedArrayBuffer(n)),
    );
    try {
      const here = () =>
        assembleBackup(
          prepared,
          prepared.pieces.map((p) => sealBackupChunk(prepared.keys, p, nativeBackupCrypto)),
          ownerKeys,
        );
      if (
        this.threads < 2 ||
        this.closed ||
        this.unavailable !== null ||
        prepared.pieces.length < MIN_PIECES_FOR_WORKERS
      )
        return here();
      const shared = prepared.padded.buffer as SharedArrayBuffer;
      const base = prepared.padded.byteOffset;
      const batches: [number, number][][] = [];
      let batch: [number, number][] = [];
      let bytes = 0;
      for (const piece of prepared.pieces) {
        const start = piece.byteOffset - base;
        batch.push([start, start + piece.length]);
        bytes += piece.length;
        if (bytes >= BATCH_BYTES) {
          batches.push(batch);
          batch = [];
          bytes = 0;
        }
      }
      if (batch.length > 0) batches.push(batch);
      let results: SealedChunk[][];
      try {
        results = await this.runBatches(batches, prepared.keys, shared);
      } catch (err) {
        if (!(err instanceof BackupBuildError)) throw err;
        // Workers that cannot run here (a packaging or platform problem) must not stop backups: seal on this
        // thread from now on, with the same result.
        this.unavailable = err.message;
        await this.stopWorkers();
        return here();
      }
      return assembleBackup(prepared, results.flat(), ownerKeys);
    } finally {
      prepared.keys.chunkKey.fill(0);
      prepared.keys.idKey.fill(0);
      prepared.keys.nonceKey.fill(0);
    }
  }

  /** Stops the workers; later builds run on this thread. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopWorkers();
  }

  private async stopWorkers(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private async runBatches(
    batches: [number, number][][],
    keys: SealBatch['keys'],
    shared: SharedArrayBuffer,
  ): Promise<SealedChunk[][]> {
    const workers = this.ensureWorkers();
    const results: SealedChunk[][] = new Array<SealedChunk[]>(batches.length);
    let next = 0;
    let failed = false;
    // Each worker takes the next batch as soon as it is done with one, so a slower core does less; after a
    // failure the others stop taking batches.
    await Promise.all(
      workers.map(async (worker) => {
        while (next < batches.length && !failed) {
          const index = next++;
          try {
            results[index] = await this.send(worker, {
              job: 0,
              keys: { chunkKey: keys.chunkKey, idKey: keys.idKey, nonceKey: keys.nonceKey },
              shared,
              ranges: batches[index]!,
            });
          } catch (err) {
            failed = true;
            throw err;
          }
        }
      }),
    );
    return results;
  }

  private send(worker: Worker, batch: SealBatch): Promise<SealedChunk[]> {
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
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
        else
          pending.resolve(
            result.sealed.map((s) => ({
              id: new Uint8Array(s.id),
              bytes: new Uint8Array(s.bytes.buffer, s.bytes.byteOffset, s.bytes.length),
              digest: new Uint8Array(s.digest),
            })),
          );
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
