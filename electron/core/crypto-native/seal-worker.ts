/**
 * Worker thread of the parallel backup builder (parallel-build.ts): seals a batch of backup chunks with the native
 * primitives and sends them back. The padded snapshot arrives once per build in a SharedArrayBuffer; each batch
 * names its pieces as [start, end) offsets into it.
 *
 * A batch's sealed chunks are written one after another into one buffer and their digests into another, and those
 * two buffers are transferred back (not copied), with the chunk ids in hex in one string: the chunks' bytes need one
 * allocation per batch instead of one per chunk, the main thread receives three values instead of thousands of small
 * arrays to clone, and the ids' hex is made here, in parallel, not on the thread that then assembles the manifest.
 */
import { parentPort } from 'node:worker_threads';
import { sealBackupChunk } from '../../../shared/formats/backup.ts';
import { nativeBackupCrypto } from './native-backup-crypto.ts';
import { DIGEST_BYTES, sealedSize, type SealBatch, type SealBatchResult } from './seal-messages.ts';

if (!parentPort) throw new Error('seal-worker.ts runs only as a worker thread.');
const port = parentPort;

port.on('message', (batch: SealBatch) => {
  const { keys, ranges } = batch;
  try {
    const data = new Uint8Array(batch.shared);
    const total = ranges.reduce((sum, range) => sum + sealedSize(range), 0);
    const chunks = new Uint8Array(total);
    const ids: string[] = [];
    const digests = new Uint8Array(ranges.length * DIGEST_BYTES);
    let offset = 0;
    ranges.forEach(([start, end], i) => {
      const size = sealedSize([start, end]);
      const into = chunks.subarray(offset, offset + size);
      const sealed = sealBackupChunk(keys, data.subarray(start, end), nativeBackupCrypto, into);
      ids.push(sealed.id);
      digests.set(sealed.digest, i * DIGEST_BYTES);
      offset += size;
    });
    const result: SealBatchResult = { job: batch.job, chunks, ids: ids.join(''), digests };
    port.postMessage(result, [chunks.buffer, digests.buffer]);
  } catch (err) {
    const result: SealBatchResult = {
      job: batch.job,
      error: err instanceof Error ? err.message : String(err),
    };
    port.postMessage(result);
  } finally {
    keys.chunkKey.fill(0);
    keys.sivKey.fill(0);
  }
});
