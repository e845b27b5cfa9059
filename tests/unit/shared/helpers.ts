/** Test-only helpers shared by the shared/ unit tests. */
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * A deterministic random source: SHA-256(seed || counter) blocks. Same seed, same sequence of calls → same bytes.
 * Used to regenerate test vectors and to make property tests reproducible.
 */
export function counterRandom(seed: number): (n: number) => Uint8Array {
  let counter = 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const block = sha256(new Uint8Array([seed & 0xff, (seed >> 8) & 0xff, ...u32(counter++)]));
      out.set(block.subarray(0, Math.min(32, n - off)), off);
      off += 32;
    }
    return out;
  };
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** fast-check run count: TESSERA_FC_RUNS or a modest default so the normal suite stays fast. */
export function fcRuns(defaultRuns = 200): number {
  const n = Number(process.env.TESSERA_FC_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}
