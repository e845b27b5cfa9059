/**
 * Canonical CBOR (RFC 8949 §4.2.1 core deterministic encoding via cborg's rfc8949EncodeOptions) and a strict,
 * capped decoder. Every Tessera structure is a CBOR map with text keys whose values are unsigned integers, text,
 * byte strings, arrays or maps; no floats, tags, undefined, indefinite lengths or big integers.
 *
 * decodeCanonical() checks the byte cap BEFORE parsing, parses strictly (minimal integer encodings, no duplicate keys)
 * and then re-encodes the result and requires identical bytes, so every value has exactly one accepted encoding.
 * Any failure — including a stack overflow from absurd nesting — becomes a MalformedDataError.
 */
import { decode, encode, encodeInto, rfc8949EncodeOptions } from 'cborg';
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
function decodeStrict(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  if (!(bytes instanceof Uint8Array)) throw new MalformedDataError(what, 'expected bytes');
  if (bytes.length > maxBytes) throw new MalformedDataError(what, `larger than the ${maxBytes}-byte limit`);
  if (bytes.length === 0) throw new MalformedDataError(what, 'empty');
  try {
    return decode(bytes, DECODE_OPTIONS);
  } catch (err) {
    throw new MalformedDataError(what, 'not valid CBOR', { cause: err });
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
 * the result are views of `bytes`, not copies. Reading back a 100 MiB snapshot then costs no copy of its attachments
 * (~65 ms and 100 MiB of memory on the bench machine).
 */
export function readBack(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  return decodeStrict(
    new SlicesAsViews(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length),
    maxBytes,
    what,
  );
}

/** Strict decode of `bytes` (at most `maxBytes` long) as canonical CBOR. `what` names the thing in errors. */
export function decodeCanonical(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  const value = decodeStrict(bytes, maxBytes, what);
  if (!encodesTo(value, bytes)) throw new MalformedDataError(what, 'not canonical CBOR');
  return value;
}

/**
 * The re-encoding goes into a reused scratch buffer (a fresh one above SCRATCH_MAX), not a new array per call, at
 * the same offset modulo 4 as `bytes`, so sameBytes compares 32-bit words. For a custodian receiving 100 MiB of
 * chunk frames this check went from ~230 to ~75 ms. The written part is zeroed afterwards: decoded structures
 * include secrets.
 */
const SCRATCH_MAX = 1024 * 1024;
let scratch = new Uint8Array(0);

function encodesTo(value: unknown, bytes: Uint8Array): boolean {
  const need = bytes.length + 3;
  let buffer = scratch;
  if (need > buffer.length) {
    buffer = new Uint8Array(need);
    if (need <= SCRATCH_MAX) scratch = buffer;
  }
  // A canonical re-encoding has exactly bytes.length bytes; a longer one overflows the destination and throws.
  const into = buffer.subarray((bytes.byteOffset - buffer.byteOffset) & 3, need);
  let written = 0;
  try {
    written = encodeCanonicalInto(value, into.subarray(0, bytes.length));
    return written === bytes.length && sameBytes(into.subarray(0, written), bytes);
  } catch {
    return false;
  } finally {
    into.fill(0, 0, written || bytes.length);
  }
}
