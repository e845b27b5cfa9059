/**
 * Worker thread of the parallel backup builder (parallel-build.ts): seals a batch of backup chunks with the native
 * primitives and sends them back. The padded snapshot arrives once per build in a SharedArrayBuffer; each batch
 * names its pieces as [start, end) offsets into it. Sealed bytes are transferred back, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { sealBackupChunk } from '../../../shared/formats/backup.ts';
import { nativeBackupCrypto } from './native-backup-crypto.ts';
import type { SealBatch, SealBatchResult } from './seal-messages.ts';

if (!parentPort) throw new Error('seal-worker.ts runs only as a worker thread.');
const port = parentPort;

port.on('message', (batch: SealBatch) => {
  const { keys } = batch;
  try {
    const data = new Uint8Array(batch.shared);
    const sealed = batch.ranges.map(([start, end]) =>
      sealBackupChunk(keys, data.subarray(start, end), nativeBackupCrypto),
    );
    // Only whole, unshared buffers can be transferred; anything else (none today) is copied.
    const transfer = sealed
      .map((s) => s.bytes)
      .filter(
        (b) => b.byteOffset === 0 && b.buffer.byteLength === b.length && b.buffer instanceof ArrayBuffer,
      )
      .map((b) => b.buffer as ArrayBuffer);
    const result: SealBatchResult = { job: batch.job, sealed };
    port.postMessage(result, transfer);
  } catch (err) {
    const result: SealBatchResult = {
      job: batch.job,
      error: err instanceof Error ? err.message : String(err),
    };
    port.postMessage(result);
  } finally {
    keys.chunkKey.fill(0);
    keys.idKey.fill(0);
    keys.nonceKey.fill(0);
  }
});
