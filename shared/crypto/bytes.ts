/**
 * Byte helpers for pure code (no Buffer): hex, base64, base64url, base58btc, concatenation, constant-time equality,
 * UTF-8 and big-endian integers. The text codecs are @scure/base's (strict RFC 4648 and base58, canonical input
 * only); their decoders throw MalformedDataError on bad input, never the library's own errors.
 */
import { base58, base64, base64urlnopad, hex, type BytesCoder } from '@scure/base';
import { MalformedDataError } from './errors.ts';

/** Decodes with `coder`, turning the library's error into a MalformedDataError naming `what`. */
function decodeStrict(coder: BytesCoder, text: string, what: string, expected: string): Uint8Array {
  try {
    return coder.decode(text);
  } catch (err) {
    throw new MalformedDataError(what, `not ${expected}`, { cause: err });
  }
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const codes = new Array<number>(128);

/**
 * Lowercase hex. Up to 64 bytes (ids and digests: the hot case, a chunk id per chunk) is built here as one
 * String.fromCharCode call, which makes a flat string without the allocations of a general codec; Map lookups hash
 * it without flattening it first (docs/PERFORMANCE.md, "Fan-out"). Longer input goes to @scure/base.
 */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length > 64) return hex.encode(bytes);
  codes.length = bytes.length * 2;
  for (let i = 0; i < bytes.length; i++) {
    codes[2 * i] = HEX_CODES[bytes[i]! >> 4]!;
    codes[2 * i + 1] = HEX_CODES[bytes[i]! & 15]!;
  }
  return String.fromCharCode(...codes);
}

/** Hex (either case, even length) to bytes. */
export const fromHex = (text: string): Uint8Array => decodeStrict(hex, text, 'Hex string', 'hex');

/** Padded base64 (RFC 4648 §4); decoding takes only the canonical form (padding, zero trailing bits). */
export const toBase64 = (bytes: Uint8Array): string => base64.encode(bytes);
export const fromBase64 = (text: string): Uint8Array =>
  decodeStrict(base64, text, 'Base64 text', 'canonical padded base64');

/** Unpadded base64url (RFC 4648 §5); decoding takes only the canonical form. */
export const toBase64url = (bytes: Uint8Array): string => base64urlnopad.encode(bytes);
export const fromBase64url = (text: string): Uint8Array =>
  decodeStrict(base64urlnopad, text, 'Base64url text', 'canonical unpadded base64url');

/** Bitcoin-alphabet base58 (as used by libp2p peer IDs, without a multibase prefix), of at most 2048 bytes. */
export const toBase58btc = (bytes: Uint8Array): string => base58.encode(bytes);

/** Decodes base58btc; `maxLength` caps the input length (checked before any work: decoding is quadratic). */
export function fromBase58btc(text: string, maxLength = 128): Uint8Array {
  if (text.length > maxLength)
    throw new MalformedDataError('Base58 text', `longer than ${maxLength} characters`);
  return decodeStrict(base58, text, 'Base58 text', 'base58');
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time (for equal lengths) comparison. Lengths are not secret. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Equality that is NOT constant-time: only where the timing reveals nothing worth hiding. decodeCanonical uses it on
 * every decoded structure, secrets included; there it can show only where an input stops being canonical, which for
 * authenticated plaintext only its author can cause.
 *
 * Fast for large inputs:
 * - When both arrays sit at the same offset modulo 4 (decodeCanonical arranges it), the aligned middle is compared
 *   as 32-bit words, several times faster than byte by byte.
 * - The work runs in blocks through small functions V8 optimizes whole. A single long loop is optimized on-stack
 *   mid-call instead, and V8 then deoptimized it at its exit on every call (the code after the loop had never run),
 *   which made checking a large frame much slower.
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const skew = a.byteOffset & 3;
  if (skew !== (b.byteOffset & 3) || a.length < 64) return sameByteRange(a, b, 0, a.length);
  const head = (4 - skew) & 3;
  const words = (a.length - head) >>> 2;
  const tail = head + words * 4;
  if (!sameByteRange(a, b, 0, head) || !sameByteRange(a, b, tail, a.length)) return false;
  const wa = new Int32Array(a.buffer, a.byteOffset + head, words);
  const wb = new Int32Array(b.buffer, b.byteOffset + head, words);
  for (let start = 0; start < words; start += SAME_BLOCK / 4)
    if (wordsDifferIn(wa, wb, start, Math.min(start + SAME_BLOCK / 4, words))) return false;
  return true;
}

const SAME_BLOCK = 4096;

function sameByteRange(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let start = from; start < to; start += SAME_BLOCK)
    if (bytesDifferIn(a, b, start, Math.min(start + SAME_BLOCK, to))) return false;
  return true;
}

function bytesDifferIn(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  let diff = 0;
  for (let i = start; i < end; i++) diff |= a[i]! ^ b[i]!;
  return diff !== 0;
}

function wordsDifferIn(a: Int32Array, b: Int32Array, start: number, end: number): boolean {
  let diff = 0;
  for (let i = start; i < end; i++) diff |= a[i]! ^ b[i]!;
  return diff !== 0;
}

/** Lexicographic byte comparison (for canonical ordering, not for secrets). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new MalformedDataError('Text', 'not valid UTF-8', { cause: err });
  }
}

export function u16be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 8) & 0xff, n & 0xff]);
}

export function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

/** 8-byte big-endian encoding of a non-negative safe integer. */
export function u64be(n: number): Uint8Array {
  const hi = Math.floor(n / 2 ** 32);
  return concatBytes(u32be(hi), u32be(n >>> 0));
}

/** A plain Uint8Array copy (some libraries reject Buffer or other subclasses). */
export function plainCopy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}
