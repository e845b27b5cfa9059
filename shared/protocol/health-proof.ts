/**
 * The data part of a backup health check (docs/PROTOCOL.md §9.2, "Health"): the owner names a few chunks of the
 * version a custodian should hold, sampled uniformly at random, and the custodian answers with an HMAC keyed by the
 * challenge's fresh nonce over those chunks' bytes. The manifest gives everyone each chunk's SHA-256, so a digest
 * could be answered without the data; an HMAC under a nonce the custodian has not seen before cannot, and neither can
 * it be computed ahead of time. The owner recomputes it from its own copy of the chunks (it keeps every chunk of its
 * current version, docs/STORAGE.md), so it trusts nothing the custodian says about them.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { u32be, utf8 } from '../crypto/bytes.ts';
import { systemRandom, takeRandom } from '../crypto/random.ts';
import type { RandomSource } from '../crypto/random.ts';

/** How many chunks the owner names in one check: a custodian that lost a fraction f of them passes with (1 − f)^16. */
export const HEALTH_CHUNKS = 16;
/** The most a challenge may name (the decoder's cap; room to ask for more later without a new format). */
export const MAX_HEALTH_CHUNKS = 64;

const LABEL = utf8('tessera/backup-health/v1');

/**
 * `count` distinct indexes out of `0..n-1`, each subset equally likely (a partial Fisher–Yates shuffle). Indexes
 * come from 32-bit random values by rejection, so none is more likely than another.
 */
export function sampleIndexes(n: number, count: number, random: RandomSource = systemRandom): number[] {
  if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(count) || count < 0)
    throw new RangeError('sampleIndexes: bad arguments');
  const k = Math.min(n, count);
  const pool = new Map<number, number>(); // the swapped entries of a virtual array 0..n-1
  const at = (i: number) => pool.get(i) ?? i;
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + uniformBelow(n - i, random);
    const picked = at(j);
    pool.set(j, at(i));
    out.push(picked);
  }
  return out;
}

/** A uniform integer in 0..bound-1 (bound ≤ 2^32). */
function uniformBelow(bound: number, random: RandomSource): number {
  if (bound <= 1) return 0;
  const limit = Math.floor(0x1_0000_0000 / bound) * bound;
  for (;;) {
    const b = takeRandom(random, 4);
    const x = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (x < limit) return x % bound;
  }
}

/**
 * `HMAC-SHA256(key = nonce, "tessera/backup-health/v1" 0x00 || (id || u32be(len) || chunk) for each named chunk, in
 * the challenge's order)`. Ids and lengths frame each chunk, so no two lists of chunks give the same input.
 */
export function healthDataProof(
  nonce: Uint8Array,
  chunks: readonly { id: Uint8Array; data: Uint8Array }[],
): Uint8Array {
  const mac = hmac.create(sha256, nonce);
  mac.update(LABEL);
  mac.update(new Uint8Array([0]));
  for (const { id, data } of chunks) {
    mac.update(id);
    mac.update(u32be(data.length));
    mac.update(data);
  }
  return mac.digest();
}
