/**
 * Crockford base32 (0-9, A-Z without I, L, O, U), uppercase, no padding: @scure/base's `base32crockford`.
 * Uppercase base32 fits a QR code's alphanumeric mode, and decoding forgives the usual misreadings (O→0, I/L→1,
 * lowercase). The forgiving is done here, one character at a time, so that the character a person got wrong can be
 * named (`firstNonBase32`); the library then decodes the canonical text, strictly.
 */
import { base32crockford } from '@scure/base';
import { MalformedDataError } from '../crypto/errors.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The canonical character `raw` is read as (after the usual misreadings), or null if it is none. */
function canonicalChar(raw: string): string | null {
  const ch = raw.toUpperCase();
  const mapped = ch === 'O' ? '0' : ch === 'I' || ch === 'L' ? '1' : ch;
  return mapped.length === 1 && ALPHABET.includes(mapped) ? mapped : null;
}

export const toBase32 = (bytes: Uint8Array): string => base32crockford.encode(bytes);

/** Decodes Crockford base32; `maxChars` is checked before any work. */
export function fromBase32(text: string, maxChars: number): Uint8Array {
  if (text.length > maxChars)
    throw new MalformedDataError('Base32 text', `longer than ${maxChars} characters`);
  let canonical = '';
  for (const raw of text) {
    const ch = canonicalChar(raw);
    if (ch === null)
      throw new MalformedDataError('Base32 text', `unexpected character ${JSON.stringify(raw)}`);
    canonical += ch;
  }
  try {
    return base32crockford.decode(canonical);
  } catch (err) {
    throw new MalformedDataError('Base32 text', 'impossible length or non-canonical trailing bits', {
      cause: err,
    });
  }
}

/** The first character of `text` that Crockford base32 cannot decode (after the usual misreadings), or null. */
export function firstNonBase32(text: string): string | null {
  for (const raw of text) if (canonicalChar(raw) === null) return raw;
  return null;
}
