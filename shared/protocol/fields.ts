/**
 * Field readers over a decoded CBOR map (shared/formats/cbor.ts decodes strictly and canonically). Each reader
 * checks type and bounds and throws MalformedDataError naming the structure and field; unknown keys are refused,
 * and only own properties are read.
 */
import { MalformedDataError } from '../crypto/errors.ts';

/** Field readers over a decoded CBOR map; each throws MalformedDataError naming the field. */
export class Fields {
  private readonly map: Record<string, unknown>;
  private readonly what: string;

  constructor(value: unknown, what: string, allowed: readonly string[]) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
      throw new MalformedDataError(what, 'not a map');
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        throw new MalformedDataError(what, `unexpected field ${JSON.stringify(key)}`);
    }
    this.map = value as Record<string, unknown>;
    this.what = what;
  }

  private fail(key: string, detail: string): never {
    throw new MalformedDataError(this.what, `field "${key}" ${detail}`);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.map, key);
  }

  bytes(key: string, length: number): Uint8Array {
    const v = Object.hasOwn(this.map, key) ? this.map[key] : undefined;
    if (!(v instanceof Uint8Array)) this.fail(key, 'must be bytes');
    if (v.length !== length) this.fail(key, `must be ${length} bytes`);
    return Uint8Array.from(v);
  }

  bytesUpTo(key: string, max: number): Uint8Array {
    const v = Object.hasOwn(this.map, key) ? this.map[key] : undefined;
    if (!(v instanceof Uint8Array)) this.fail(key, 'must be bytes');
    if (v.length > max) this.fail(key, `must be at most ${max} bytes`);
    return Uint8Array.from(v);
  }

  text(key: string, maxChars: number, minChars = 0): string {
    const v = Object.hasOwn(this.map, key) ? this.map[key] : undefined;
    if (typeof v !== 'string') this.fail(key, 'must be text');
    const chars = [...v].length;
    if (chars > maxChars || chars < minChars) this.fail(key, `must be ${minChars}..${maxChars} characters`);
    return v;
  }

  uint(key: string, max = Number.MAX_SAFE_INTEGER): number {
    const v = Object.hasOwn(this.map, key) ? this.map[key] : undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max)
      this.fail(key, `must be an integer 0..${max}`);
    return v;
  }

  bool(key: string): boolean {
    const v = Object.hasOwn(this.map, key) ? this.map[key] : undefined;
    if (typeof v !== 'boolean') this.fail(key, 'must be a boolean');
    return v;
  }

  array<T>(key: string, maxItems: number, item: (value: unknown, index: number) => T): T[] {
    const v = Object.hasOwn(this.map, key) ? this.map[key] : undefined;
    if (!Array.isArray(v)) this.fail(key, 'must be an array');
    if (v.length > maxItems) this.fail(key, `must have at most ${maxItems} items`);
    return v.map((x, i) => item(x, i));
  }

  raw(key: string): unknown {
    if (!this.has(key)) this.fail(key, 'is missing');
    return Object.hasOwn(this.map, key) ? this.map[key] : undefined;
  }
}
