/**
 * Length-hiding padding for the backup plaintext.
 *
 *   padded = u32be(len) || data || 0x00 * (bucket(len + 4) - len - 4)
 *   bucket(n) = max(4096, next power of two ≥ n)   for n ≤ 1 MiB
 *             = n rounded up to a multiple of 1 MiB  above that
 *
 * So a custodian learns only the bucket (4, 8, 16 … 1024 KiB, then whole MiB), not the vault's exact size.
 */
import { u32be } from '../crypto/bytes.ts';
import { InvalidArgumentError, MalformedDataError } from '../crypto/errors.ts';

const MIN_BUCKET = 4096;
const MIB = 1024 * 1024;
/** Largest plaintext we pad (above the 128 MiB snapshot cap and its padding, below 2^32). */
export const MAX_PADDED_BYTES = 160 * MIB;

export function paddedSize(n: number): number {
  if (n <= MIN_BUCKET) return MIN_BUCKET;
  if (n <= MIB) return 2 ** Math.ceil(Math.log2(n));
  return Math.ceil(n / MIB) * MIB;
}

/** `allocate` must return `n` zero bytes (a caller may want them in shared memory, for worker threads). */
export function pad(
  data: Uint8Array,
  allocate: (n: number) => Uint8Array = (n) => new Uint8Array(n),
): Uint8Array {
  const out = allocate(paddedTotal(data.length));
  out.set(data, 4);
  return padInPlace(out, data.length);
}

/** The padded size of `length` bytes of data, refused above MAX_PADDED_BYTES. */
function paddedTotal(length: number): number {
  const total = paddedSize(length + 4);
  if (total > MAX_PADDED_BYTES)
    throw new MalformedDataError('Backup', `larger than ${MAX_PADDED_BYTES} bytes`);
  return total;
}

/**
 * pad() for data already at offset 4 of `space`, with only zeros after it: writes the length in front and returns
 * the padded bytes as a view of `space`, without copying the data (snapshot.ts encodes straight into `space`).
 */
export function padInPlace(space: Uint8Array, length: number): Uint8Array {
  const total = paddedTotal(length);
  if (total > space.length)
    throw new InvalidArgumentError(
      `Padding ${length} bytes needs ${total} bytes of space; got ${space.length}.`,
    );
  space.set(u32be(length), 0);
  return space.subarray(0, total);
}

export function unpad(padded: Uint8Array): Uint8Array {
  const what = 'Padded backup';
  if (padded.length < 4 || padded.length !== paddedSize(padded.length))
    throw new MalformedDataError(what, 'length is not a padding bucket');
  const len = ((padded[0]! << 24) | (padded[1]! << 16) | (padded[2]! << 8) | padded[3]!) >>> 0;
  if (len > padded.length - 4) throw new MalformedDataError(what, 'declared length exceeds the data');
  for (let i = 4 + len; i < padded.length; i++)
    if (padded[i] !== 0) throw new MalformedDataError(what, 'padding is not zero');
  return padded.slice(4, 4 + len);
}
