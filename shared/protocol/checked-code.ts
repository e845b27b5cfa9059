/**
 * Codes people copy between devices (friend invites, recovery codes): a prefix, then Crockford base32 of the
 * payload followed by a 4-byte checksum, so a mistyped or truncated code is caught before anything is parsed.
 *
 *   text  = prefix || base32(bytes || SHA-256(label 0x00 || bytes)[0..4])
 *
 * Decoding tolerates lowercase, spaces and hyphens, and reports every problem as InvalidCodeError in words a person
 * can act on (UnsupportedFormatError for a newer format, from the payload decoder).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import { UnsupportedFormatError, MalformedDataError } from '../crypto/errors.ts';
import { InvalidCodeError, TesseraError } from '../errors.ts';
import { fromBase32, toBase32 } from './base32.ts';

export interface CheckedCodeFormat<T> {
  /** What people call it, e.g. "invite code". */
  noun: string;
  prefix: string;
  /** Domain label of the checksum, e.g. "tessera-invite-check-v1". */
  checkLabel: string;
  /** Largest payload (before the checksum). */
  maxBytes: number;
  /** Added after "A Tessera … starts with "PREFIX"." when the prefix is wrong. */
  prefixHint?: string;
  /** Parses the checked payload; throws a TesseraError for anything invalid. */
  decodeBytes(bytes: Uint8Array): T;
}

const CHECK_BYTES = 4;

/** The longest text a valid code of this format can be (prefix + base32 of payload and checksum). */
function codeMaxChars(format: Pick<CheckedCodeFormat<unknown>, 'prefix' | 'maxBytes'>): number {
  return format.prefix.length + Math.ceil(((format.maxBytes + CHECK_BYTES) * 8) / 5);
}

function checksum(label: string, bytes: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(`${label}\0`), bytes)).subarray(0, CHECK_BYTES);
}

export function encodeCheckedCode(format: CheckedCodeFormat<unknown>, bytes: Uint8Array): string {
  return format.prefix + toBase32(concatBytes(bytes, checksum(format.checkLabel, bytes)));
}

const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'An' : 'A'} ${noun}`;

export function decodeCheckedCode<T>(format: CheckedCodeFormat<T>, text: unknown): T {
  const { noun, prefix } = format;
  const maxChars = codeMaxChars(format);
  if (typeof text !== 'string') throw new InvalidCodeError(`${withArticle(noun)} is text.`);
  if (text.length > maxChars * 2) throw new InvalidCodeError(`This is too long to be a Tessera ${noun}.`);
  // People re-group codes with spaces, line breaks and hyphens (also inside the prefix); base32 has neither.
  const compact = text.replace(/[\s-]+/g, '');
  const bare = prefix.replace(/-/g, '');
  if (compact.slice(0, bare.length).toUpperCase() !== bare) {
    throw new InvalidCodeError(
      `${withArticle(`Tessera ${noun}`)} starts with "${prefix}".${format.prefixHint ? ` ${format.prefixHint}` : ''}`,
    );
  }
  let raw: Uint8Array;
  try {
    raw = fromBase32(compact.slice(bare.length), maxChars);
  } catch (err) {
    throw new InvalidCodeError(
      `This ${noun} has a typo: check it and try again.` +
        (err instanceof TesseraError ? ' ' + err.message : ''),
    );
  }
  if (raw.length < CHECK_BYTES + 2) {
    throw new InvalidCodeError(`This ${noun} is too short: check that it was copied whole.`);
  }
  const bytes = raw.subarray(0, raw.length - CHECK_BYTES);
  const given = raw.subarray(raw.length - CHECK_BYTES);
  if (checksum(format.checkLabel, bytes).some((b, i) => b !== given[i])) {
    throw new InvalidCodeError(`This ${noun} has a typo or was not copied whole: check it and try again.`);
  }
  try {
    return format.decodeBytes(bytes);
  } catch (err) {
    if (err instanceof InvalidCodeError || err instanceof UnsupportedFormatError) throw err;
    throw new InvalidCodeError(
      `This is not a valid Tessera ${noun}.` + (err instanceof TesseraError ? ' ' + err.message : ''),
    );
  }
}

/** A reader for the multiaddr strings codes carry (printable ASCII starting with "/", at most `maxChars`). */
export function addressReader(what: string, maxChars: number): (value: unknown) => string {
  return (value) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > maxChars)
      throw new MalformedDataError(what, 'an address is not a short string');
    if (!/^\/[\x21-\x7e]*$/.test(value)) throw new MalformedDataError(what, 'an address is not a multiaddr');
    return value;
  };
}
