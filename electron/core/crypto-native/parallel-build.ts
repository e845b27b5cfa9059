/**
 * Builds backup versions with the chunk sealing spread over worker threads (seal-worker.ts), so a large vault's
 * build neither takes one core's time nor blocks the event loop that serves friends and the UI while it seals.
 *
 * The output is byte-identical to shared/formats/backup.ts buildBackup with the native primitives (a test checks
 * it). The snapshot is encoded straight into a SharedArrayBuffer (snapshot.ts encodeSnapshotPadded), and as each
 * contact, item or held shard is written there, this thread cuts the bytes that are final (chunker.ts Cutter) and
 * hands each batch of pieces to the next worker: encoding, cutting and sealing overlap. The first piece holds the
 * snapshot's length, written last, so it is sealed last, here. Then this thread assembles and signs the manifest
 * (assembleBackup). Small backups, and machines with one core, are sealed here without workers.
 *
 * Two workers build a large vault in far less time than this thread alone, and cutting and sealing while encoding
 * saves the wait for the whole snapshot (figures: docs/PERFORMANCE.md, "Bulk encryption").
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  assembleBackup,
  backupKeysFor,
  buildBackup,
  buildBackupFromEncoded,
  sealBackupChunk,
  type BuiltBackup,
  type SealedChunk,
} from '../../../shared/formats/backup.ts';
import { wipeBackupKeys, type BackupKeys } from '../../../shared/formats/backup-keys.ts';
import { Cutter } from '../../../shared/formats/chunker.ts';
import { encodeSnapshotPadded, type Snapshot } from '../../../shared/formats/snapshot.ts';
import type { BackupManifest } from '../../../shared/formats/manifest.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { nativeBackupCrypto } from './native-backup-crypto.ts';
import { unpackSealed, type SealBatch, type SealBatchResult } from './seal-messages.ts';

/** Below this size (about 64 pieces) the hand-off costs more than it saves. */
const MIN_BYTES_FOR_WORKERS = 512 * 1024;
/** Bytes of pieces per batch: small enough to balance the workers, large enough to keep messages few. */
const BATCH_BYTES = 1024 * 1024;
/**
 * Workers unused this long are stopped; the next large build starts them again (quickly). Each holds its own V8
 * isolate, and a custodian that built once would otherwise keep them for as long as it runs (docs/PERFORMANCE.md).
 */
const WORKER_IDLE_MS = 30_000;

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
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Builds on the workers now. */
  private building = 0;

  /**
   * `options.workerFile` replaces the seal worker's path (tests use it to make the workers fail); `options.idleMs`
   * how long unused workers are kept.
   */
  constructor(
    threads = Math.min(availableParallelism(), 4),
    options: { workerFile?: string; idleMs?: number } = {},
  ) {
    this.threads = Math.max(1, threads);
    this.file = options.workerFile ?? workerFile;
    this.idleMs = options.idleMs ?? WORKER_IDLE_MS;
  }

  /**
   * A build of about `expectedBytes` is about to start: starts the workers now if it will use them, so that they
   * load while the snapshot is gathered (a cold worker takes ~0.2 s on a busy machine) rather than after its first
   * batch is cut. Workers not used are stopped after idleMs as usual.
   */
  prepare(expectedBytes: number): void {
    if (expectedBytes < MIN_BYTES_FOR_WORKERS || !this.usable() || this.workers.length > 0) return;
    this.ensureWorkers();
    this.stopWhenIdle();
  }

  /** Worker threads running now: none before the first large build, and none once they have been idle a while. */
  get runningWorkers(): number {
    return this.workers.length;
  }

  /**
   * buildBackup(…, nativeBackupCrypto): the same arguments and output, with the snapshot encoded, cut and sealed at
   * once, on the workers when it is large enough.
   */
  async build(
    snapshot: Snapshot,
    backupKey: Uint8Array,
    ownerKeys: Pick<IdentityKeys, 'signSeed' | 'signPublic'>,
    version: number,
    previous?: BackupManifest,
  ): Promise<BuiltBackup> {
    if (!this.usable())
      return buildBackup(snapshot, backupKey, ownerKeys, version, previous, nativeBackupCrypto);
    const keys = backupKeysFor(backupKey, ownerKeys, version, previous);
    this.building++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      const run = new SealRun(keys, (batch) => this.seal(batch));
      // If this throws (a snapshot too large), batches already handed out finish unheard.
      const encoded = encodeSnapshotPadded(
        snapshot,
        (n) => run.allocate(n),
        (end) => run.written(end),
      );
      let sealed: SealedChunk[];
      try {
        sealed = await run.finish(encoded.padded);
      } catch (err) {
        if (!(err instanceof BackupBuildError) || this.closed) throw err;
        // Workers that cannot run here (a packaging or platform problem) must not stop backups: seal on this
        // thread from now on, with the same result.
        this.unavailable = err.message;
        await this.stopWorkers();
        return buildBackupFromEncoded(
          encoded.bytes,
          backupKey,
          ownerKeys,
          version,
          previous,
          nativeBackupCrypto,
        );
      }
      const prepared = { keys, version, previous, padded: encoded.padded };
      return assembleBackup(prepared, sealed, ownerKeys, nativeBackupCrypto);
    } finally {
      wipeBackupKeys(keys);
      this.building--;
      this.stopWhenIdle();
    }
  }

  /** Once no build has used the workers for idleMs, stops them (the timer never keeps the process alive). */
  private stopWhenIdle(): void {
    if (this.building > 0 || this.workers.length === 0 || this.closed) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.building === 0) void this.stopWorkers();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private usable(): boolean {
    return this.threads >= 2 && !this.closed && this.unavailable === null;
  }

  /** Stops the workers (a build on them fails with BackupBuildError); later builds run on this thread. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.failAll(new BackupBuildError('the backup builder was closed.'));
    await this.stopWorkers();
  }

  private async stopWorkers(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** Seals a batch on the next worker (in turn; batches are of about equal size). */
  private seal(batch: Omit<SealBatch, 'job'>): Promise<SealedChunk[]> {
    const workers = this.ensureWorkers();
    const job = this.nextJob++;
    const worker = workers[job % workers.length]!;
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
        // A worker stopped here (idle, or given up on) is no longer in the list; its exit fails nothing.
        const ours = this.workers.includes(worker);
        this.workers = this.workers.filter((w) => w !== worker);
        if (ours && code !== 0 && !this.closed)
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

/**
 * One build's cutting and sealing, fed as the snapshot is written: allocate() gives the encoder its shared memory,
 * written(end) cuts the final pieces of the bytes before `end` and hands them out in batches, finish(padded) cuts the
 * rest and returns every sealed chunk in order. The first piece holds the length, written last: it is sealed in
 * finish(), here. A snapshot too small for the workers is sealed here whole.
 */
class SealRun {
  private readonly keys: BackupKeys;
  private readonly seal: (batch: Omit<SealBatch, 'job'>) => Promise<SealedChunk[]>;
  private readonly cutter: Cutter;
  private readonly sealKeys: SealBatch['keys'];
  private readonly results: Promise<SealedChunk[]>[] = [];
  private space: Uint8Array | null = null;
  private first: [number, number] | null = null;
  private batch: [number, number][] = [];
  private bytes = 0;
  private failure: unknown = null;

  constructor(keys: BackupKeys, seal: (batch: Omit<SealBatch, 'job'>) => Promise<SealedChunk[]>) {
    this.keys = keys;
    this.seal = seal;
    this.cutter = new Cutter(keys.gear);
    this.sealKeys = { chunkKey: keys.chunkKey, sivKey: keys.sivKey };
  }

  allocate(n: number): Uint8Array {
    this.space = sharedBytes(n);
    return this.space;
  }

  /** The padded bytes before `end` are written, but for the length in front. Never throws: finish() does. */
  written(end: number): void {
    if (this.failure) return;
    try {
      this.take(end, false);
    } catch (err) {
      this.failure = err;
    }
  }

  async finish(padded: Uint8Array): Promise<SealedChunk[]> {
    if (this.failure) throw this.failure;
    this.take(padded.length, true);
    const here = (range: [number, number]) =>
      sealBackupChunk(this.keys, padded.subarray(...range), nativeBackupCrypto);
    // Nothing is handed out before BATCH_BYTES (≥ MIN_BYTES_FOR_WORKERS) are cut, so a small snapshot is all here.
    if (padded.length < MIN_BYTES_FOR_WORKERS) return [this.first!, ...this.batch].map(here);
    if (this.batch.length > 0) this.dispatch();
    const first = here(this.first!);
    return [first, ...(await Promise.all(this.results)).flat()];
  }

  private take(end: number, final: boolean): void {
    for (const range of this.cutter.pieces(this.space!.subarray(0, end), final)) {
      if (range[0] === 0) {
        this.first = range;
        continue;
      }
      this.batch.push(range);
      this.bytes += range[1] - range[0];
      if (this.bytes >= BATCH_BYTES) this.dispatch();
    }
  }

  private dispatch(): void {
    const result = this.seal({
      keys: this.sealKeys,
      shared: this.space!.buffer as SharedArrayBuffer,
      ranges: this.batch,
    });
    // Awaited in finish(); if the encoding fails first, nobody waits for it.
    result.catch(() => {});
    this.results.push(result);
    this.batch = [];
    this.bytes = 0;
  }
}
