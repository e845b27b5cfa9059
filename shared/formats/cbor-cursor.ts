/**
 * A reader and a writer for canonical CBOR of one known shape, for the few structures that list thousands of chunks
 * (a manifest's chunk list, a `need`): cbor.ts's general decoder builds a token object and a copy for every one of
 * their ~40,000 items, and the garbage a custodian makes checking one 100 MiB offer costs it more than the check
 * (docs/PERFORMANCE.md, "Bulk: the first full backup").
 *
 * The cursor accepts only what encodeCanonical writes (RFC 8949 §4.2.1: shortest heads, definite lengths; the map
 * keys are compared byte for byte with their canonical encodings, so their order is the canonical one). A reader
 * built on it returns null at the first byte that differs from the shape it expects, and its caller then decodes the
 * same bytes with decodeCanonical, which accepts them or names what is wrong: the shortcut never accepts what the
 * general decoder would refuse, nor reads a value differently (tests/unit/shared/cbor-cursor.test.ts compares them).
 */
import { InvalidArgumentError } from '../crypto/errors.ts';
import { encodeCanonical } from './cbor.ts';

export const MAJOR_UINT = 0;
const MAJOR_BYTES = 2;
const MAJOR_ARRAY = 4;
export const MAJOR_MAP = 5;

/** Hex digits (either case) by character code; -1 for any other. */
const HEX_VALUES = Int8Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  return /[0-9a-fA-F]/.test(c) ? Number.parseInt(c, 16) : -1;
});

/** The canonical encoding of a map key (a text string). */
export const cborKey = (name: string): Uint8Array => encodeCanonical(name);

export class CborCursor {
  at: number;
  private readonly data: Uint8Array;

  constructor(data: Uint8Array, at = 0) {
    this.data = data;
    this.at = at;
  }

  /** Everything was read. */
  get atEnd(): boolean {
    return this.at === this.data.length;
  }

  /**
   * The argument of a head of `major` type in its shortest form (an integer's value, a string's or a container's
   * length), or -1 if the next item is not that, or its argument exceeds Number.MAX_SAFE_INTEGER.
   */
  head(major: number): number {
    const d = this.data;
    const first = d[this.at];
    if (first === undefined || first >> 5 !== major) return -1;
    const info = first & 31;
    if (info < 24) {
      this.at += 1;
      return info;
    }
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0 || this.at + 1 + size > d.length) return -1;
    let n = 0;
    for (let i = 1; i <= size; i++) n = n * 256 + d[this.at + i]!;
    // Shortest form: each head size starts where the one before ends (24, 2^8, 2^16, 2^32).
    const least = size === 1 ? 24 : size === 2 ? 0x100 : size === 4 ? 0x10000 : 0x100000000;
    if (n < least || n > Number.MAX_SAFE_INTEGER) return -1;
    this.at += 1 + size;
    return n;
  }

  uint(): number {
    return this.head(MAJOR_UINT);
  }

  arrayHead(): number {
    return this.head(MAJOR_ARRAY);
  }

  mapHead(): number {
    return this.head(MAJOR_MAP);
  }

  /** A byte string of exactly `length` bytes, as a view of the input; null if the next item is not one. */
  bytes(length: number): Uint8Array | null {
    const start = this.at;
    if (this.head(MAJOR_BYTES) !== length || this.at + length > this.data.length) {
      this.at = start;
      return null;
    }
    this.at += length;
    return this.data.subarray(this.at - length, this.at);
  }

  /** The next bytes are `expected` (a key's encoding, a fixed head): skips them and says true. */
  literal(expected: Uint8Array): boolean {
    const d = this.data;
    if (this.at + expected.length > d.length) return false;
    for (let i = 0; i < expected.length; i++) if (d[this.at + i] !== expected[i]) return false;
    this.at += expected.length;
    return true;
  }
}

/** Writes canonical CBOR heads and byte strings into a buffer sized in advance. */
export class CborWriter {
  readonly out: Uint8Array;
  at = 0;

  constructor(size: number) {
    this.out = new Uint8Array(size);
  }

  /** The size of the shortest head for argument `n`. */
  static headSize(n: number): number {
    return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
  }

  head(major: number, n: number): void {
    const size = CborWriter.headSize(n) - 1;
    this.out[this.at++] =
      (major << 5) | (size === 0 ? n : size === 1 ? 24 : size === 2 ? 25 : size === 4 ? 26 : 27);
    for (let i = size - 1; i >= 0; i--) this.out[this.at++] = Math.floor(n / 2 ** (8 * i)) % 256;
  }

  arrayHead(n: number): void {
    this.head(MAJOR_ARRAY, n);
  }

  bytesHead(length: number): void {
    this.head(MAJOR_BYTES, length);
  }

  raw(bytes: Uint8Array): void {
    this.out.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** Writes the bytes that `text` (hex, `length` bytes' worth) stands for, without a Uint8Array for each. */
  hex(text: string, length: number): void {
    if (text.length !== 2 * length) throw new InvalidArgumentError(`Expected ${length} bytes of hex.`);
    for (let i = 0; i < length; i++) {
      const high = HEX_VALUES[text.charCodeAt(2 * i)] ?? -1;
      const low = HEX_VALUES[text.charCodeAt(2 * i + 1)] ?? -1;
      if (high < 0 || low < 0) throw new InvalidArgumentError('Expected hex.');
      this.out[this.at++] = (high << 4) | low;
    }
  }

  /** The bytes written (all of `out` when the size was exact). */
  done(): Uint8Array {
    return this.at === this.out.length ? this.out : this.out.subarray(0, this.at);
  }
}
