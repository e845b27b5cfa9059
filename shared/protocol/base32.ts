/**
 * Crockford base32 (0-9, A-Z without I, L, O, U), uppercase, no padding. Uppercase base32 fits a QR code's
 * alphanumeric mode, and decoding forgives the usual misreadings (O→0, I/L→1, lowercase).
 */
import { MalformedDataError } from '../crypto/errors.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function toBase32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31]!;
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31]!;
  return out;
}

/** Decodes Crockford base32; `maxChars` is checked before any work. */
export function fromBase32(text: string, maxChars: number): Uint8Array {
  if (text.length > maxChars)
    throw new MalformedDataError('Base32 text', `longer than ${maxChars} characters`);
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const raw of text) {
    const ch = raw.toUpperCase();
    const mapped = ch === 'O' ? '0' : ch === 'I' || ch === 'L' ? '1' : ch;
    const v = ALPHABET.indexOf(mapped);
    if (v < 0 || mapped.length !== 1)
      throw new MalformedDataError('Base32 text', `unexpected character ${JSON.stringify(raw)}`);
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0)
    throw new MalformedDataError('Base32 text', 'impossible length or non-canonical trailing bits');
  return out;
}

/** The first character of `text` that Crockford base32 cannot decode (after the usual misreadings), or null. */
export function firstNonBase32(text: string): string | null {
  for (const raw of text) {
    const ch = raw.toUpperCase();
    const mapped = ch === 'O' ? '0' : ch === 'I' || ch === 'L' ? '1' : ch;
    if (mapped.length !== 1 || !ALPHABET.includes(mapped)) return raw;
  }
  return null;
}
