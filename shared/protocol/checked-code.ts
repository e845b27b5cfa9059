/**
 * Codes people copy between devices (friend invites, recovery codes): a prefix, then Crockford base32 of the
 * payload followed by a 4-byte checksum, so a mistyped or truncated code is caught before anything is parsed.
 *
 *   text  = prefix || base32(bytes || SHA-256(label 0x00 || bytes)[0..4])
 *
 * Decoding tolerates lowercase, spaces and hyphens, and reports every problem as a CodeEntryError (an
 * InvalidCodeError naming the problem) in words a person can act on: the other kind of code, a wrong character, check
 * digits that do not match (UnsupportedFormatError for a newer format, from the payload decoder).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import { UnsupportedFormatError, MalformedDataError } from '../crypto/errors.ts';
import { InvalidCodeError } from '../errors.ts';
import { firstNonBase32, fromBase32, toBase32 } from './base32.ts';

/** What is wrong with a code a person entered, so a screen can say it in words (and tests can check which). */
export type CodeProblem =
  | 'not-text'
  | 'too-long'
  | 'other-kind'
  | 'not-a-code'
  | 'bad-character'
  | 'check-digits'
  | 'too-short'
  | 'unreadable';

/** A code that cannot be used as typed or scanned; `problem` says why, `message` says it to a person. */
export class CodeEntryError extends InvalidCodeError {
  readonly problem: CodeProblem;
  constructor(problem: CodeProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}

export interface CheckedCodeFormat<T> {
  /** What people call it, e.g. "invite". */
  noun: string;
  prefix: string;
  /** Domain label of the checksum, e.g. "tessera-invite-check-v1". */
  checkLabel: string;
  /** Largest payload (before the checksum). */
  maxBytes: number;
  /** Said after "This is not a Tessera NOUN: it starts with PREFIX." when the prefix is wrong. */
  prefixHint?: string;
  /** Other kinds of Tessera code (by prefix), and what to say when one of them is entered here instead. */
  otherKinds?: { prefix: string; message: string }[];
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

const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** People re-group codes with spaces, line breaks and hyphens (also inside the prefix); base32 has neither. */
const compactCode = (text: string) => text.replace(/[\s-]+/g, '');

export function decodeCheckedCode<T>(format: CheckedCodeFormat<T>, text: unknown): T {
  const { noun, prefix } = format;
  const maxChars = codeMaxChars(format);
  const again = 'Check it against the original, or copy it again whole.';
  if (typeof text !== 'string')
    throw new CodeEntryError('not-text', `${capitalized(withArticle(noun))} is text.`);
  if (text.length > maxChars * 2)
    throw new CodeEntryError('too-long', `This is too long to be a Tessera ${noun}. ${again}`);
  const compact = compactCode(text);
  const bare = compactCode(prefix);
  if (compact.slice(0, bare.length).toUpperCase() !== bare) {
    for (const other of format.otherKinds ?? []) {
      const otherBare = compactCode(other.prefix);
      if (compact.slice(0, otherBare.length).toUpperCase() === otherBare)
        throw new CodeEntryError('other-kind', other.message);
    }
    throw new CodeEntryError(
      'not-a-code',
      `This is not a Tessera ${noun}: ${withArticle(noun)} starts with “${prefix}”.` +
        (format.prefixHint ? ` ${format.prefixHint}` : ''),
    );
  }
  const body = compact.slice(bare.length);
  const wrong = firstNonBase32(body);
  if (wrong !== null)
    throw new CodeEntryError(
      'bad-character',
      `A character is wrong in this ${noun}: “${wrong}” is never part of a Tessera code. ${again}`,
    );
  const checkDigits = () =>
    new CodeEntryError(
      'check-digits',
      `A character is wrong or missing in this ${noun} (the check digits do not match). ${again}`,
    );
  let raw: Uint8Array;
  try {
    raw = fromBase32(body, maxChars);
  } catch {
    // Only a length no code can have (or stray trailing bits) is left: a character is missing or extra.
    throw checkDigits();
  }
  if (raw.length < CHECK_BYTES + 2) {
    throw new CodeEntryError('too-short', `This ${noun} is too short: most of it is missing. ${again}`);
  }
  const bytes = raw.subarray(0, raw.length - CHECK_BYTES);
  const given = raw.subarray(raw.length - CHECK_BYTES);
  if (checksum(format.checkLabel, bytes).some((b, i) => b !== given[i])) throw checkDigits();
  try {
    return format.decodeBytes(bytes);
  } catch (err) {
    if (err instanceof InvalidCodeError || err instanceof UnsupportedFormatError) throw err;
    throw new CodeEntryError(
      'unreadable',
      `This ${noun} cannot be read although its check digits match: it was not made by Tessera, or by a ` +
        'version that no longer exists. Ask for a new one.',
    );
  }
}

/** When a code expired or expires, in the reader's locale (the browser's in the UI, the system's in the CLI). */
export function formatExpiry(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
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
