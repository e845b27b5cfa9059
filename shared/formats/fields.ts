/**
 * Typed readers for decoded CBOR maps. Each reader checks type and bounds and throws MalformedDataError naming the
 * structure and field, so decoders never hand unchecked data onward. `expectKeys` rejects unknown or missing keys:
 * formats evolve only through their version field.
 */
import { MalformedDataError } from '../crypto/errors.ts';

export type CborMap = Record<string, unknown>;

export function asMap(value: unknown, what: string): CborMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
    throw new MalformedDataError(what, 'expected a map');
  return value as CborMap;
}

/** Requires exactly the keys `required` plus any subset of `optional`. */
export function expectKeys(
  map: CborMap,
  what: string,
  required: readonly string[],
  optional: readonly string[] = [],
) {
  const keys = Object.keys(map);
  for (const k of keys)
    if (!required.includes(k) && !optional.includes(k))
      throw new MalformedDataError(what, `unexpected field ${JSON.stringify(k)}`);
  for (const k of required)
    if (!Object.hasOwn(map, k)) throw new MalformedDataError(what, `missing field "${k}"`);
}

export function readUint(
  map: CborMap,
  key: string,
  what: string,
  max = Number.MAX_SAFE_INTEGER,
  min = 0,
): number {
  const v = map[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw new MalformedDataError(what, `field "${key}" must be an integer in ${min}..${max}`);
  return v;
}

export function readBytes(
  map: CborMap,
  key: string,
  what: string,
  exactOrMax: { exact?: number; max?: number },
) {
  const v = map[key];
  if (!(v instanceof Uint8Array)) throw new MalformedDataError(what, `field "${key}" must be bytes`);
  if (exactOrMax.exact !== undefined && v.length !== exactOrMax.exact)
    throw new MalformedDataError(what, `field "${key}" must be ${exactOrMax.exact} bytes`);
  if (exactOrMax.max !== undefined && v.length > exactOrMax.max)
    throw new MalformedDataError(what, `field "${key}" is longer than ${exactOrMax.max} bytes`);
  // Returned as is: every map read here comes from cbor.ts's decoder, which gives each byte string its own copy (a
  // unit test holds cborg to that), so a second copy would only double the work for large attachments.
  return v;
}

export function readText(map: CborMap, key: string, what: string, maxChars: number): string {
  const v = map[key];
  if (typeof v !== 'string') throw new MalformedDataError(what, `field "${key}" must be text`);
  if (v.length > maxChars)
    throw new MalformedDataError(what, `field "${key}" is longer than ${maxChars} characters`);
  return v;
}

export function readArray(map: CborMap, key: string, what: string, maxItems: number): unknown[] {
  const v = map[key];
  if (!Array.isArray(v)) throw new MalformedDataError(what, `field "${key}" must be an array`);
  if (v.length > maxItems)
    throw new MalformedDataError(what, `field "${key}" has more than ${maxItems} entries`);
  return v;
}

export function readTextArray(map: CborMap, key: string, what: string, maxItems: number, maxChars: number) {
  return readArray(map, key, what, maxItems).map((item) => {
    if (typeof item !== 'string' || item.length > maxChars)
      throw new MalformedDataError(
        what,
        `entries of "${key}" must be text of at most ${maxChars} characters`,
      );
    return item;
  });
}
