/** Injectable randomness: every function that needs random bytes accepts one of these, so tests are deterministic. */
import { randomBytes } from '@noble/hashes/utils.js';

export type RandomSource = (n: number) => Uint8Array;

export const systemRandom: RandomSource = (n) => randomBytes(n);

/** Calls `random` and checks it returned exactly `n` bytes (a broken injected source must not go unnoticed). */
export function takeRandom(random: RandomSource, n: number): Uint8Array {
  const out = random(n);
  if (!(out instanceof Uint8Array) || out.length !== n)
    throw new Error(`Random source returned ${n} bytes wrongly`);
  return out;
}
