/** Messages between the parallel backup builder and its seal workers (parallel-build.ts, seal-worker.ts). */
import type { SealedChunk } from '../../../shared/formats/backup.ts';
import { CHUNK_OVERHEAD, type ChunkKeys } from '../../../shared/formats/chunk-crypto.ts';

/** A chunk id in hex. */
export const ID_CHARS = 64;
export const DIGEST_BYTES = 32;

export interface SealBatch {
  job: number;
  /** The keys sealChunk uses (copies; the worker wipes them after the batch). */
  keys: ChunkKeys;
  /** The padded snapshot of this build. */
  shared: SharedArrayBuffer;
  /** The pieces of this batch as [start, end) offsets into `shared`, in order. */
  ranges: [number, number][];
}

/**
 * A sealed batch: the chunks back to back (piece i sealed is its length + CHUNK_OVERHEAD bytes), the ids in hex one
 * after another in one string (made on the worker, not on the thread that assembles the manifest), and the digests,
 * 32 bytes each, in piece order.
 */
export type SealBatchResult =
  { job: number; chunks: Uint8Array; ids: string; digests: Uint8Array } | { job: number; error: string };

/** The size of the piece [start, end) once sealed. */
export function sealedSize([start, end]: readonly [number, number]): number {
  return end - start + CHUNK_OVERHEAD;
}

/** The batch's sealed chunks as views into its buffers (no copies), with their ids. */
export function unpackSealed(
  ranges: readonly [number, number][],
  result: { chunks: Uint8Array; ids: string; digests: Uint8Array },
): SealedChunk[] {
  let offset = 0;
  return ranges.map((range, i) => {
    const size = sealedSize(range);
    const bytes = result.chunks.subarray(offset, offset + size);
    offset += size;
    return {
      id: result.ids.slice(i * ID_CHARS, (i + 1) * ID_CHARS),
      bytes,
      digest: result.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES),
    };
  });
}
