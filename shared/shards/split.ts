/**
 * Splitting a fresh backup key K with Shamir secret sharing (GF(2^8), shamir-secret-sharing).
 *
 * splitKey() always draws a NEW random 32-byte K — there is deliberately no way to split a caller-supplied key, so
 * the same key is never split twice (re-sharing means a new K and a re-encrypted backup). Each share is the
 * library's share minus its trailing x byte: { x: 1..255, y: 32 bytes }.
 *
 * The commitment to K published in every envelope is
 *   commitment = SHA-256("tessera-key-commitment-v1" 0x00 || splitId || K)
 * and is checked after combining, because combine() returns wrong bytes silently for bad input.
 */
import { combine, split } from 'shamir-secret-sharing';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, plainCopy, utf8 } from '../crypto/bytes.ts';
import { InvalidArgumentError } from '../crypto/errors.ts';
import { systemRandom, takeRandom, type RandomSource } from '../crypto/random.ts';

export const KEY_BYTES = 32;
export const SPLIT_ID_BYTES = 16;
export const MIN_THRESHOLD = 2;
export const MAX_SHARES = 16;

export interface Share {
  x: number;
  y: Uint8Array;
}

export interface KeySplit {
  /** The new backup key K (keep it locally to encrypt future backup versions). */
  key: Uint8Array;
  splitId: Uint8Array;
  threshold: number;
  commitment: Uint8Array;
  /** One share per custodian, in order. */
  shares: Share[];
}

export function keyCommitment(splitId: Uint8Array, key: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8('tessera-key-commitment-v1\0'), splitId, key));
}

export function checkThreshold(threshold: number, shareCount: number): void {
  if (!Number.isInteger(threshold) || !Number.isInteger(shareCount))
    throw new InvalidArgumentError('Threshold and number of custodians must be whole numbers.');
  if (shareCount < MIN_THRESHOLD || shareCount > MAX_SHARES)
    throw new InvalidArgumentError(
      `Choose between ${MIN_THRESHOLD} and ${MAX_SHARES} custodians (you chose ${shareCount}).`,
    );
  if (threshold < MIN_THRESHOLD || threshold > shareCount)
    throw new InvalidArgumentError(
      `The threshold must be at least ${MIN_THRESHOLD} and at most the number of custodians (${shareCount}); ` +
        `you chose ${threshold}.`,
    );
}

/**
 * Splits a fresh random K into `shareCount` shares, any `threshold` of which recover it.
 * `random` supplies K and the split id; the polynomial coefficients come from the library's own CSPRNG.
 */
export async function splitKey(
  threshold: number,
  shareCount: number,
  random: RandomSource = systemRandom,
): Promise<KeySplit> {
  checkThreshold(threshold, shareCount);
  const key = plainCopy(takeRandom(random, KEY_BYTES));
  const splitId = plainCopy(takeRandom(random, SPLIT_ID_BYTES));
  const raw = await split(key, shareCount, threshold);
  const shares = raw.map((s) => ({ x: s[KEY_BYTES]!, y: s.slice(0, KEY_BYTES) }));
  return { key, splitId, threshold, commitment: keyCommitment(splitId, key), shares };
}

/** Lagrange interpolation at 0 of exactly the given shares. Caller has checked x ≠ 0, unique x, count ≥ 2. */
export async function interpolate(shares: readonly Share[]): Promise<Uint8Array> {
  const raw = shares.map((s) => {
    const b = new Uint8Array(KEY_BYTES + 1);
    b.set(s.y);
    b[KEY_BYTES] = s.x;
    return b;
  });
  return combine(raw);
}
