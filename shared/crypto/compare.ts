/**
 * Short comparison code two people read to each other to confirm they hold the same pair of values (e.g. both
 * public keys after pairing). Order-independent: the two inputs are sorted bytewise first.
 *
 *   h    = SHA-256("tessera-compare-v1" 0x00 || u16be(len ctx) || ctx || u16be(len lo) || lo || u16be(len hi) || hi)
 *   code = (u32be(h[0..4]) mod 10^6), six digits zero-padded
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { compareBytes, concatBytes, u16be, utf8 } from './bytes.ts';
import { InvalidArgumentError } from './errors.ts';

export function comparisonCode(a: Uint8Array, b: Uint8Array, context: string): string {
  const ctx = utf8(context);
  if (ctx.length > 0xffff || a.length > 0xffff || b.length > 0xffff)
    throw new InvalidArgumentError('Comparison inputs must be shorter than 64 KiB.');
  const [lo, hi] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  const h = sha256(
    concatBytes(
      utf8('tessera-compare-v1\0'),
      u16be(ctx.length),
      ctx,
      u16be(lo.length),
      lo,
      u16be(hi.length),
      hi,
    ),
  );
  const n = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  return String(n % 1_000_000).padStart(6, '0');
}
