/**
 * The RS1024 checksum of SLIP-0039 ("Shamir's Secret-Sharing for Mnemonic Codes", section "Checksum"): a
 * Reed-Solomon code over GF(1024) whose three 10-bit check words are guaranteed to detect any error that affects at
 * most three words of the mnemonic (a wrong word, two swapped words, three wrong words), and to miss a larger error
 * with probability below 1 in 10^9. The customization string separates formats: a mnemonic made for one string never
 * verifies under another. Transcribed from the reference implementation (python-shamir-mnemonic, rs1024.py) and
 * checked against SLIP-0039's published vectors (tests/vectors/slip39-rs1024.json). Paper pieces use it with their
 * own string (PROTOCOL §4.4).
 */
import { utf8 } from '../crypto/bytes.ts';

export const CHECKSUM_WORDS = 3;

const GEN = [
  0xe0e040, 0x1c1c080, 0x3838100, 0x7070200, 0xe0e0009, 0x1c0c2412, 0x38086c24, 0x3090fc48, 0x21b1f890,
  0x3f3f120,
];

function polymod(values: Iterable<number>, start = 1): number {
  let chk = start;
  for (const v of values) {
    const b = chk >>> 20;
    chk = (((chk & 0xfffff) << 10) ^ v) >>> 0;
    for (let i = 0; i < 10; i++) if ((b >>> i) & 1) chk = (chk ^ GEN[i]!) >>> 0;
  }
  return chk;
}

/** The three check words for `data` (10-bit values) under `customization` (ASCII). */
export function rs1024Checksum(data: readonly number[], customization: string): number[] {
  const p = polymod([...utf8(customization), ...data, 0, 0, 0]) ^ 1;
  return [2, 1, 0].map((i) => (p >>> (10 * i)) & 1023);
}

/** True iff `words` (data followed by its three check words) verifies under `customization`. */
export function rs1024Verify(words: readonly number[], customization: string): boolean {
  return polymod([...utf8(customization), ...words]) === 1;
}

/**
 * Where a mnemonic that fails its checksum differs from one that verifies, when one word (or a swap of two) explains
 * it. The checksum is linear over GF(2) in the words, so XORing `d` into word `i` changes the residue by L_i(d); the
 * ten L_i(2^k) are enough to test every repair of every word at once. The code's distance is 4: one wrong word or one
 * swap has exactly one repair, so what this names is where the error is (more errors may be named wrongly, never
 * accepted: the repaired words are not returned).
 */
export function rs1024Locate(words: readonly number[], customization: string): number[] {
  const target = polymod([...utf8(customization), ...words]) ^ 1;
  if (target === 0) return [];
  const n = words.length;
  const effect = (i: number, d: number): number => {
    let e = 0;
    for (let k = 0; k < 10; k++) if ((d >>> k) & 1) e ^= basis[i]![k]!;
    return e;
  };
  const basis = words.map((_, i) =>
    Array.from({ length: 10 }, (_, k) => polymod([1 << k, ...new Array<number>(n - 1 - i).fill(0)], 0)),
  );
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d = words[i]! ^ words[j]!;
      if (d !== 0 && (effect(i, d) ^ effect(j, d)) === target) return [i, j];
    }
  for (let i = 0; i < n; i++) for (let d = 1; d < 1024; d++) if (effect(i, d) === target) return [i];
  return [];
}
