/**
 * A paper piece (PROTOCOL §4.4): one Shamir share of a backup split, written as 43 words of the SLIP-0039 list so a
 * person can print it, keep it, and type it back (or scan its QR, which holds the same words).
 *
 *   data  (400 bits) = version (4) || t − 1 (4) || x (8) || splitId (128) || y (256), most significant bit first
 *   words            = 40 data words (10 bits each) || RS1024 checksum (3 words), customization "tessera-paper"
 *
 * The checksum is SLIP-0039's RS1024 (rs1024.ts): any error affecting up to three words — one wrong word, two
 * swapped words — is always detected, so a mistyped page is named here and never reaches combining. The version sits
 * inside the checked data (not in the customization string) so that a page from a newer format verifies and is then
 * named as "made by a newer Tessera" instead of "mistyped".
 */
import { InvalidCodeError } from '../errors.ts';
import { UnsupportedFormatError } from '../crypto/errors.ts';
import { CHECKSUM_WORDS, rs1024Checksum, rs1024Locate, rs1024Verify } from './rs1024.ts';
import { SLIP39_WORDS } from './slip39-words.ts';

export const PAPER_VERSION = 1;
export const PAPER_CUSTOMIZATION = 'tessera-paper';
const SPLIT_ID_BYTES = 16;
const Y_BYTES = 32;
const DATA_WORDS = 40;
export const PAPER_WORD_COUNT = DATA_WORDS + CHECKSUM_WORDS;

export interface PaperPiece {
  splitId: Uint8Array;
  /** The split's threshold t (2..16). */
  threshold: number;
  /** The share's x coordinate (1..255): the piece's number. */
  x: number;
  /** The share's 32-byte y. */
  y: Uint8Array;
}

/** A paper piece that cannot be read, with the word positions (1-based) at fault when they can be told. */
export class PaperPieceError extends InvalidCodeError {
  readonly positions: number[];
  constructor(message: string, positions: number[] = []) {
    super(message);
    this.positions = positions;
  }
}

const INDEX = new Map(SLIP39_WORDS.map((w, i) => [w, i]));
const BY_PREFIX = new Map(SLIP39_WORDS.map((w, i) => [w.slice(0, 4), i]));

/** The piece's 43 words. */
export function encodePaperPiece(piece: PaperPiece): string[] {
  if (piece.splitId.length !== SPLIT_ID_BYTES || piece.y.length !== Y_BYTES)
    throw new PaperPieceError('A paper piece needs a 16-byte split id and a 32-byte share.');
  if (!Number.isInteger(piece.threshold) || piece.threshold < 2 || piece.threshold > 16)
    throw new PaperPieceError('A paper piece needs a threshold between 2 and 16.');
  if (!Number.isInteger(piece.x) || piece.x < 1 || piece.x > 255)
    throw new PaperPieceError('A paper piece needs a share number between 1 and 255.');
  const bytes = new Uint8Array(50);
  bytes[0] = (PAPER_VERSION << 4) | (piece.threshold - 1);
  bytes[1] = piece.x;
  bytes.set(piece.splitId, 2);
  bytes.set(piece.y, 2 + SPLIT_ID_BYTES);
  const data = toWords(bytes);
  return [...data, ...rs1024Checksum(data, PAPER_CUSTOMIZATION)].map((i) => SLIP39_WORDS[i]!);
}

/** The words as one line, as the QR holds them and as `decodePaperPiece` reads them back. */
export function paperPieceText(piece: PaperPiece): string {
  return encodePaperPiece(piece).join(' ');
}

/**
 * Reads typed or scanned words: case and spacing do not matter, the numbers printed before the words may be typed
 * too, and a word may be shortened to its first four letters (unique in the list). Throws PaperPieceError naming the
 * word at fault when it can, or UnsupportedFormatError for a page of a newer format.
 */
export function decodePaperPiece(text: string): PaperPiece {
  const tokens = text
    .toLowerCase()
    .split(/[\s,;]+/)
    .filter((t) => t !== '' && !/^\d+[.):]?$/.test(t));
  const values = tokens.map((token, i) => {
    const v = INDEX.get(token) ?? (token.length >= 4 ? prefixMatch(token) : undefined);
    if (v === undefined)
      throw new PaperPieceError(
        `Word ${i + 1}, "${token.slice(0, 20)}", is not a word of a paper piece: check it against the page.`,
        [i + 1],
      );
    return v;
  });
  if (values.length !== PAPER_WORD_COUNT)
    throw new PaperPieceError(
      `A paper piece has ${PAPER_WORD_COUNT} words; this has ${values.length}. ${
        values.length < PAPER_WORD_COUNT ? 'Some are missing' : 'There are too many'
      }: check them against the page.`,
    );
  if (!rs1024Verify(values, PAPER_CUSTOMIZATION)) throw located(values);
  const bytes = fromWords(values.slice(0, DATA_WORDS));
  const version = bytes[0]! >> 4;
  if (version !== PAPER_VERSION) throw new UnsupportedFormatError('This paper piece', version);
  const threshold = (bytes[0]! & 0x0f) + 1;
  const x = bytes[1]!;
  if (threshold < 2 || x === 0)
    throw new PaperPieceError('These words are not a paper piece of a Tessera backup.');
  return {
    threshold,
    x,
    splitId: bytes.slice(2, 2 + SPLIT_ID_BYTES),
    y: bytes.slice(2 + SPLIT_ID_BYTES, 2 + SPLIT_ID_BYTES + Y_BYTES),
  };
}

function prefixMatch(token: string): number | undefined {
  const i = BY_PREFIX.get(token.slice(0, 4));
  return i !== undefined && SLIP39_WORDS[i]!.startsWith(token) ? i : undefined;
}

/** Names the word (or the two swapped words) at fault when one wrong word or one swap explains the checksum. */
function located(values: number[]): PaperPieceError {
  const at = rs1024Locate(values, PAPER_CUSTOMIZATION).map((i) => i + 1);
  if (at.length === 2)
    return new PaperPieceError(
      `Words ${at[0]} and ${at[1]} look swapped: check their order against the page.`,
      at,
    );
  if (at.length === 1)
    return new PaperPieceError(`Word ${at[0]} looks wrong: check it against the page.`, at);
  return new PaperPieceError(
    'These words do not check out: more than one word is wrong or out of order. Check them all against the page.',
  );
}

function toWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 10) {
      bits -= 10;
      out.push((acc >> bits) & 1023);
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

function fromWords(words: readonly number[]): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const w of words) {
    acc = (acc << 10) | w;
    bits += 10;
    while (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  return new Uint8Array(out);
}
