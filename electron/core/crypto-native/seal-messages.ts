/** Messages between the parallel backup builder and its seal workers (parallel-build.ts, seal-worker.ts). */
import type { SealedChunk } from '../../../shared/formats/backup.ts';
import type { ChunkKeys } from '../../../shared/formats/chunk-crypto.ts';

export interface SealBatch {
  job: number;
  /** The three keys sealChunk uses (copies; the worker wipes them after the batch). */
  keys: ChunkKeys;
  /** The padded snapshot of this build. */
  shared: SharedArrayBuffer;
  /** The pieces of this batch as [start, end) offsets into `shared`, in order. */
  ranges: [number, number][];
}

export type SealBatchResult = { job: number; sealed: SealedChunk[] } | { job: number; error: string };
