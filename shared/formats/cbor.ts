/**
 * Canonical CBOR (RFC 8949 §4.2.1 core deterministic encoding via cborg's rfc8949EncodeOptions) and a strict,
 * capped decoder. Every Tessera structure is a CBOR map with text keys whose values are unsigned integers, text,
 * byte strings, arrays or maps; no floats, tags, undefined, indefinite lengths or big integers.
 *
 * decodeCanonical() checks the byte cap BEFORE parsing, parses strictly (minimal integer encodings, no duplicate keys)
 * and checks the canonical rules while it reads (CanonicalTokenizer), so every value has exactly one accepted
 * encoding: the one encodeCanonical writes. Any failure — including a stack overflow from absurd nesting — becomes a
 * MalformedDataError.
 */
import { decode, encode, encodeInto, rfc8949EncodeOptions, Tokenizer, Type } from 'cborg';
import type { Token } from 'cborg';
import { compareBytes, sameBytes } from '../crypto/bytes.ts';
import { InvalidArgumentError, MalformedDataError } from '../crypto/errors.ts';

const DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
  useMaps: false,
} as const;

export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

/** encodeCanonical into `destination`; returns the number of bytes written. Throws if they do not fit. */
export function encodeCanonicalInto(value: unknown, destination: Uint8Array): number {
  return encodeInto(value, destination, rfc8949EncodeOptions).written;
}

const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;

/**
 * Writes the head of a CBOR item of `major` type with argument `n` < 2^32 (an array's or map's length) in its shortest
 * form at `at`; returns the end.
 */
function writeHead(destination: Uint8Array, at: number, major: number, n: number): number {
  const head =
    n < 24
      ? [(major << 5) | n]
      : n < 0x100
        ? [(major << 5) | 24, n]
        : n < 0x10000
          ? [(major << 5) | 25, n >>> 8, n & 0xff]
          : [(major << 5) | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  if (at + head.length > destination.length)
    throw new InvalidArgumentError('The CBOR encoding does not fit its destination.');
  destination.set(head, at);
  return at + head.length;
}

/**
 * encodeCanonicalInto for a map, written one entry at a time, and an array entry one element at a time, telling
 * `progress(written)` after each, so a caller can work on the bytes written so far while the rest is encoded (the
 * parallel backup builder cuts and seals a large snapshot as it is written). Same bytes as encodeCanonicalInto; no
 * value may be undefined. Throws if they do not fit.
 */
export function encodeCanonicalMapInto(
  map: Record<string, unknown>,
  destination: Uint8Array,
  progress: (written: number) => void,
): number {
  // Canonical order: by the keys' encodings, bytewise.
  const entries = Object.entries(map)
    .map(([key, value]) => ({ key: encodeCanonical(key), value }))
    .sort((a, b) => compareBytes(a.key, b.key));
  const write = (value: unknown, at: number) => {
    if (value === undefined) throw new InvalidArgumentError('A CBOR map value is undefined.');
    const end = at + encodeCanonicalInto(value, destination.subarray(at));
    progress(end);
    return end;
  };
  let at = writeHead(destination, 0, MAJOR_MAP, entries.length);
  for (const { key, value } of entries) {
    if (at + key.length > destination.length)
      throw new InvalidArgumentError('The CBOR encoding does not fit its destination.');
    destination.set(key, at);
    at += key.length;
    if (Array.isArray(value)) {
      at = writeHead(destination, at, MAJOR_ARRAY, value.length);
      for (const element of value) at = write(element, at);
    } else at = write(value, at);
  }
  return at;
}

/**
 * Strict parse of `bytes` (at most `maxBytes` long) WITHOUT the canonical-form check, under decodeCanonical() and
 * readBack(): input from anyone else goes through decodeCanonical().
 */
function decodeStrict(
  bytes: Uint8Array,
  maxBytes: number,
  what: string,
  tokenizer?: (bytes: Uint8Array) => Tokenizer,
): unknown {
  if (!(bytes instanceof Uint8Array)) throw new MalformedDataError(what, 'expected bytes');
  if (bytes.length > maxBytes) throw new MalformedDataError(what, `larger than the ${maxBytes}-byte limit`);
  if (bytes.length === 0) throw new MalformedDataError(what, 'empty');
  try {
    return decode(bytes, tokenizer ? { ...DECODE_OPTIONS, tokenizer: tokenizer(bytes) } : DECODE_OPTIONS);
  } catch (err) {
    const reason = err instanceof NotCanonicalError ? 'not canonical CBOR' : 'not valid CBOR';
    throw new MalformedDataError(what, reason, { cause: err });
  }
}

/**
 * A view of bytes whose slice() is a view too. cborg copies every byte string it decodes with its input's slice();
 * over this it does not. slice() returns a plain Uint8Array, so nothing decoded is of this class. (Its type says
 * ArrayBuffer, as slice()'s must; the view's buffer may be shared memory.)
 */
class SlicesAsViews extends Uint8Array {
  override slice(start = 0, end = this.length): Uint8Array<ArrayBuffer> {
    const view = new Uint8Array(this.buffer, this.byteOffset + start, Math.max(0, end - start));
    return view as Uint8Array<ArrayBuffer>;
  }
}

/**
 * decodeStrict for a writer reading back what it has just encoded, to check the result and drop it: byte strings in
 * the result are views of `bytes`, not copies. Reading back a large snapshot then costs no copy of its attachments,
 * in time or memory (docs/PERFORMANCE.md, "Bulk encryption").
 */
export function readBack(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  return decodeStrict(
    new SlicesAsViews(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length),
    maxBytes,
    what,
  );
}

const utf8 = new TextEncoder();

/** What CanonicalTokenizer throws: decodeStrict tells it apart from a parse error. */
class NotCanonicalError extends Error {}

/** The size of the shortest head for an argument `n` < 2^32. */
const headSize = (n: number) => (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/**
 * cborg's tokenizer, checking as it reads what a strict parse leaves to the canonical rules: every map's keys in
 * bytewise order of their encodings, no floats (Tessera has none; a whole number written as a float would decode like
 * the integer), and text exactly as its UTF-8 encoding (not bytes that decode with replacement characters). With the
 * strict parse (shortest heads, definite lengths, no duplicate keys, tags, undefined or big integers) that leaves one
 * accepted encoding per value, as re-encoding and comparing would, without copying or re-writing any byte string.
 */
class CanonicalTokenizer extends Tokenizer {
  /** Open arrays and maps: items still to read (a map's keys and values both count), and a map's last key. */
  private readonly open: { left: number; map: boolean; keyStart: number; keyEnd: number }[] = [];

  override next(): Token {
    const data = this.data;
    const start = this.pos();
    const token = super.next();
    const end = this.pos();
    const top = this.open.at(-1);
    if (top?.map && top.left % 2 === 0) {
      if (
        top.keyEnd > top.keyStart &&
        compareBytes(data.subarray(top.keyStart, top.keyEnd), data.subarray(start, end)) >= 0
      )
        throw new NotCanonicalError('map keys out of order');
      top.keyStart = start;
      top.keyEnd = end;
    }
    if (Type.equals(token.type, Type.float)) throw new NotCanonicalError('a float');
    if (Type.equals(token.type, Type.string)) {
      const text = utf8.encode(token.value as string);
      if (
        start + headSize(text.length) + text.length !== end ||
        !sameBytes(text, data.subarray(end - text.length, end))
      )
        throw new NotCanonicalError('text that is not UTF-8 as written');
    }
    const isMap = Type.equals(token.type, Type.map);
    if (isMap || Type.equals(token.type, Type.array)) {
      const items = isMap ? 2 * (token.value as number) : (token.value as number);
      if (items > 0) {
        this.open.push({ left: items, map: isMap, keyStart: 0, keyEnd: 0 });
        return token;
      }
    }
    // One item is complete, and with it every container it was the last item of.
    for (let frame = this.open.at(-1); frame && --frame.left === 0; frame = this.open.at(-1)) this.open.pop();
    return token;
  }
}

/**
 * Strict decode of `bytes` (at most `maxBytes` long) as canonical CBOR. `what` names the thing in errors. Byte
 * strings in the result are copies, unless `views` (for a message read off the network and dropped once handled:
 * 100 MiB of backup chunks then cost no copy), when they are views of `bytes`, which must then not change.
 */
export function decodeCanonical(
  bytes: Uint8Array,
  maxBytes: number,
  what: string,
  options: { views?: boolean } = {},
): unknown {
  if (!(bytes instanceof Uint8Array)) throw new MalformedDataError(what, 'expected bytes');
  // A plain Uint8Array over the same bytes, whose slice() copies (a Buffer's would not), or one whose slice() is a view.
  const input = new (options.views ? SlicesAsViews : Uint8Array)(
    bytes.buffer as ArrayBuffer,
    bytes.byteOffset,
    bytes.length,
  );
  return decodeStrict(input, maxBytes, what, (checked) => new CanonicalTokenizer(checked, DECODE_OPTIONS));
}
