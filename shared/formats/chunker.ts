/**
 * Content-defined chunking (FastCDC-style gear hash with normalized chunking) so that a small change to the backup
 * changes only a few chunks.
 *
 * Parameters: MIN = 2 KiB, AVG = 8 KiB, MAX = 32 KiB (suited to vaults of a few KiB to a few MiB).
 * The gear table is KEYED: gear[i] = u32be(G[4i .. 4i+4]) with G = HKDF-SHA256(K, "tessera/backup/gear/v1", 1024),
 * so chunk boundaries cannot be predicted from known content without K.
 *
 * Cut-point search for data[start..]:   (all arithmetic on unsigned 32-bit h)
 *   remaining = len - start; if remaining ≤ MIN: return remaining
 *   limit = min(remaining, MAX); normal = min(AVG, limit); h = 0; i = MIN
 *   while i < normal: h = (h << 1) + gear[data[start+i]] mod 2^32; if h & MASK_S == 0: return i + 1; i++
 *   while i < limit:  h = (h << 1) + gear[data[start+i]] mod 2^32; if h & MASK_L == 0: return i + 1; i++
 *   return limit
 * MASK_S = 0xFFFE0000 (top 15 bits), MASK_L = 0xFFE00000 (top 11 bits): normalization level 2 around 2^13.
 */
import { deriveKey } from '../crypto/kdf.ts';

export const CHUNK_MIN = 2 * 1024;
export const CHUNK_AVG = 8 * 1024;
export const CHUNK_MAX = 32 * 1024;
// As signed 32-bit values: the cut loop runs in int32 arithmetic (`| 0`), which V8 keeps in registers; the same bits
// as the unsigned rule above (faster than `>>> 0`, which leaves the small-integer range).
const MASK_S = 0xfffe0000 | 0;
const MASK_L = 0xffe00000 | 0;

export function gearTable(backupKey: Uint8Array): Uint32Array {
  const g = deriveKey(backupKey, 'tessera/backup/gear/v1', 1024);
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++)
    table[i] = ((g[4 * i]! << 24) | (g[4 * i + 1]! << 16) | (g[4 * i + 2]! << 8) | g[4 * i + 3]!) >>> 0;
  return table;
}

/**
 * `gear` is the table's bits read as int32 (a view, no copy). The rule of the header, with each loop taken four bytes
 * at a time (the same hash and checks after every byte; docs/PERFORMANCE.md, "Bulk encryption").
 */
function cutPoint(data: Uint8Array, start: number, gear: Int32Array): number {
  const remaining = data.length - start;
  if (remaining <= CHUNK_MIN) return remaining;
  const limit = start + Math.min(remaining, CHUNK_MAX);
  const normal = Math.min(start + CHUNK_AVG, limit);
  let h = 0;
  let i = start + CHUNK_MIN;
  for (; i + 3 < normal; i += 4) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & MASK_S) === 0) return i + 1 - start;
    h = ((h << 1) + gear[data[i + 1]!]!) | 0;
    if ((h & MASK_S) === 0) return i + 2 - start;
    h = ((h << 1) + gear[data[i + 2]!]!) | 0;
    if ((h & MASK_S) === 0) return i + 3 - start;
    h = ((h << 1) + gear[data[i + 3]!]!) | 0;
    if ((h & MASK_S) === 0) return i + 4 - start;
  }
  for (; i < normal; i++) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & MASK_S) === 0) return i + 1 - start;
  }
  for (; i + 3 < limit; i += 4) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & MASK_L) === 0) return i + 1 - start;
    h = ((h << 1) + gear[data[i + 1]!]!) | 0;
    if ((h & MASK_L) === 0) return i + 2 - start;
    h = ((h << 1) + gear[data[i + 2]!]!) | 0;
    if ((h & MASK_L) === 0) return i + 3 - start;
    h = ((h << 1) + gear[data[i + 3]!]!) | 0;
    if ((h & MASK_L) === 0) return i + 4 - start;
  }
  for (; i < limit; i++) {
    h = ((h << 1) + gear[data[i]!]!) | 0;
    if ((h & MASK_L) === 0) return i + 1 - start;
  }
  return limit - start;
}

/**
 * Cuts bytes that are still being written (a snapshot encoded a piece at a time): each call of pieces() yields, as
 * [start, end) offsets, the pieces from where the last call stopped. A piece is final once the bytes written reach
 * CHUNK_MAX past its start (the cut rule reads no further), so until the last call (`final`), pieces() stops short
 * of that. Over the same bytes, the pieces are exactly chunk()'s.
 */
export class Cutter {
  private readonly gear: Int32Array;
  private next = 0;

  /** `gear` is read as int32 (a view of the table, no copy). */
  constructor(gear: Uint32Array) {
    this.gear = new Int32Array(gear.buffer, gear.byteOffset, 256);
  }

  /**
   * `data`: everything written so far, from offset 0 (the same memory on every call, longer each time); `final`: no
   * more will be written, cut to the end.
   */
  *pieces(data: Uint8Array, final: boolean): Generator<[number, number]> {
    while (this.next < data.length && (final || data.length - this.next >= CHUNK_MAX)) {
      const start = this.next;
      this.next += cutPoint(data, start, this.gear);
      yield [start, this.next];
    }
  }
}

/** The consecutive content-defined chunks of `data` (views into it), one at a time, for work that overlaps the cutting. */
export function* chunks(data: Uint8Array, gear: Uint32Array): Generator<Uint8Array> {
  for (const [start, end] of new Cutter(gear).pieces(data, true)) yield data.subarray(start, end);
}

/** Splits `data` into consecutive content-defined chunks (views into `data`). */
export function chunk(data: Uint8Array, gear: Uint32Array): Uint8Array[] {
  return [...chunks(data, gear)];
}
