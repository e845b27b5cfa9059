/**
 * Property tests (fast-check) for every decoder in shared/: arbitrary bytes give a value or a typed error (never a
 * crash or an untyped exception), decode(encode(x)) = x, and a flipped byte in signed or encrypted data is rejected.
 * Run counts come from TESSERA_FC_RUNS (default 200; the slower ones use a fraction of it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode } from 'cborg';
import { TesseraError } from '../../../shared/errors.ts';
import {
  concatBytes,
  sameBytes,
  fromBase58btc,
  fromBase64,
  fromBase64url,
  fromHex,
  toBase58btc,
  toBase64,
  toBase64url,
  toHex,
} from '../../../shared/crypto/bytes.ts';
import { openSealed, sealTo } from '../../../shared/crypto/box.ts';
import {
  DecryptionError,
  InvalidArgumentError,
  MalformedDataError,
  SignatureError,
} from '../../../shared/crypto/errors.ts';
import { generateIdentity, peerIdOf, signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import {
  decodeCanonical,
  encodeCanonical,
  encodeCanonicalMapInto,
  readBack,
} from '../../../shared/formats/cbor.ts';
import {
  chunk,
  CHUNK_AVG,
  CHUNK_MAX,
  CHUNK_MIN,
  Cutter,
  gearTable,
} from '../../../shared/formats/chunker.ts';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../../../shared/formats/snapshot.ts';
import { pad, padInPlace, unpad } from '../../../shared/formats/padding.ts';
import {
  MANIFEST_VERSION,
  signManifest,
  verifyManifest,
  type BackupManifest,
} from '../../../shared/formats/manifest.ts';
import { deriveBackupKeys } from '../../../shared/formats/backup-keys.ts';
import {
  openChunk,
  sealChunk,
  CHUNK_OVERHEAD,
  FORMAT3_CHUNK_OVERHEAD,
} from '../../../shared/formats/chunk-crypto.ts';
import { buildBackup, openBackup } from '../../../shared/formats/backup.ts';
import {
  openShardEnvelope,
  sealShardEnvelope,
  signShardEnvelope,
  verifyShardEnvelope,
  type ShardEnvelope,
} from '../../../shared/shards/envelope.ts';
import { atOffset, counterRandom, fcRuns, sampleSnapshot } from './helpers.ts';

const RUNS = fcRuns();
const SLOW = Math.max(10, Math.floor(RUNS / 10));
const DECODE_CODES = new Set(['BAD_REQUEST', 'VERIFICATION_FAILED', 'UNSUPPORTED_VERSION', 'BAD_SHARD']);

/** Runs `fn`; passes if it returns or throws a TesseraError with a decode/verify code. */
function okOrTyped(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    if (err instanceof TesseraError && DECODE_CODES.has(err.code)) return true;
    throw err;
  }
}

function rejectsTyped(fn: () => unknown): boolean {
  try {
    fn();
  } catch (err) {
    if (err instanceof TesseraError && DECODE_CODES.has(err.code)) return true;
    throw err;
  }
  return false;
}

function flip(bytes: Uint8Array, index: number, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index % out.length]! ^= 1 << (bit % 8);
  return out;
}

const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
/** Arbitrary bytes plus mutations of `valid`, so the decoder also sees almost-valid input. */
const nearlyValid = (valid: Uint8Array) =>
  fc.oneof(
    bytesArb(valid.length + 64),
    fc.tuple(fc.nat(), fc.nat(7)).map(([i, b]) => flip(valid, i, b)),
    fc.nat(valid.length).map((n) => valid.slice(0, n)),
    bytesArb(16).map((extra) => Uint8Array.from([...valid, ...extra])),
  );

const owner = generateIdentity(counterRandom(1));
const custodian = generateIdentity(counterRandom(2));

test('text codecs: round-trip, and arbitrary text gives a value or a typed error', () => {
  fc.assert(
    fc.property(bytesArb(200), (b) => {
      assert.deepEqual(fromHex(toHex(b)), b);
      assert.deepEqual(fromBase64(toBase64(b)), b);
      assert.deepEqual(fromBase64url(toBase64url(b)), b);
      assert.deepEqual(fromBase58btc(toBase58btc(b), 1000), b);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (s) => {
      okOrTyped(() => fromHex(s));
      okOrTyped(() => fromBase64(s));
      okOrTyped(() => fromBase64url(s));
      okOrTyped(() => fromBase58btc(s));
      return okOrTyped(() => signPublicFromPeerId(s));
    }),
    { numRuns: RUNS },
  );
  assert.equal(
    rejectsTyped(() => fromBase58btc('1'.repeat(500))),
    true,
  ); // over its cap
});

const cborValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    fc.nat(),
    fc.integer({ min: -1_000_000, max: -1 }),
    fc.string({ maxLength: 20 }),
    bytesArb(20),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));

test('canonical CBOR: decode(encode(x)) = x and arbitrary bytes give a value or a typed error', () => {
  fc.assert(
    fc.property(cborValue.value, (v) => {
      const bytes = encodeCanonical(v);
      assert.deepEqual(encodeCanonical(decodeCanonical(bytes, 1 << 20, 'test')), bytes);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(bytesArb(300), (b) => okOrTyped(() => decodeCanonical(b, 1 << 20, 'test'))),
    { numRuns: RUNS },
  );
  // Decoded byte strings are copies, never views of the input (fields.ts readBytes returns them as they are).
  const input = encodeCanonical({ b: new Uint8Array([1, 2, 3]) });
  const decoded = decodeCanonical(input, 99, 'test') as { b: Uint8Array };
  input.fill(0);
  assert.deepEqual(decoded.b, new Uint8Array([1, 2, 3]));
  assert.notEqual(decoded.b.buffer, input.buffer);
  // Deep nesting, over-cap input and non-canonical encodings are typed errors.
  assert.ok(rejectsTyped(() => decodeCanonical(new Uint8Array(100_000).fill(0x81), 1 << 20, 'test')));
  assert.ok(rejectsTyped(() => decodeCanonical(new Uint8Array(11), 10, 'test')));
  assert.ok(
    rejectsTyped(() => decodeCanonical(Uint8Array.from([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]), 99, 't')),
  );
});

test('canonical CBOR: the check holds at every offset of the input, and for megabytes of it', () => {
  const big = counterRandom(7)(2 * 1024 * 1024 + 5);
  const canonical = encodeCanonical({ a: 1, b: big, c: 'text' });
  // The same map with its entries out of canonical order: c, a, b (each key is one letter; "c" maps to "text").
  const entryA = canonical.subarray(1, 4);
  const entryB = canonical.subarray(4, canonical.length - 7);
  const entryC = canonical.subarray(canonical.length - 7);
  const shuffled = concatBytes(Uint8Array.of(0xa3), entryC, entryA, entryB);
  assert.equal(shuffled.length, canonical.length);
  // 1.0 as a 64-bit float where the canonical form is the integer 1: a shorter re-encoding.
  const float = Uint8Array.from([0xa1, 0x61, 0x61, 0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
  for (const offset of [0, 1, 2, 3]) {
    const decoded = decodeCanonical(atOffset(canonical, offset), 4 << 20, 'test') as { b: Uint8Array };
    assert.deepEqual(decoded.b, big, `offset ${offset}`);
    assert.ok(
      rejectsTyped(() => decodeCanonical(atOffset(shuffled, offset), 4 << 20, 'test')),
      `shuffled, ${offset}`,
    );
    assert.ok(
      rejectsTyped(() => decodeCanonical(atOffset(float, offset), 99, 'test')),
      `float, ${offset}`,
    );
    // A canonical small one right after a refused one: nothing is left over from the refusal.
    assert.deepEqual(decodeCanonical(atOffset(encodeCanonical({ x: [1, 2] }), offset), 99, 't'), {
      x: [1, 2],
    });
  }
});

/**
 * The specification of decodeCanonical's check, as it was written before: parse strictly, then re-encode and require
 * the same bytes; and, as the format says, no floats (a float in its shortest form re-encodes to itself, so
 * re-encoding alone let some through). The check as it is (rules checked while reading) must accept exactly these.
 */
function acceptedByReencoding(bytes: Uint8Array): boolean {
  let value: unknown;
  try {
    value = decode(bytes, {
      strict: true,
      allowIndefinite: false,
      allowUndefined: false,
      allowNaN: false,
      allowInfinity: false,
      allowBigInt: false,
      rejectDuplicateMapKeys: true,
      useMaps: false,
    });
  } catch {
    return false;
  }
  const integersOnly = (v: unknown): boolean =>
    typeof v === 'number'
      ? Number.isSafeInteger(v)
      : Array.isArray(v)
        ? v.every(integersOnly)
        : v !== null && typeof v === 'object' && !(v instanceof Uint8Array)
          ? Object.values(v).every(integersOnly)
          : true;
  try {
    return integersOnly(value) && sameBytes(encodeCanonical(value), bytes);
  } catch {
    return false;
  }
}

const accepted = (bytes: Uint8Array) => {
  try {
    decodeCanonical(bytes, 1 << 20, 'test');
    return true;
  } catch (err) {
    assert.ok(err instanceof MalformedDataError, String(err));
    return false;
  }
};

type Edit =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'remove'; at: number }
  | { kind: 'swap'; a: number; b: number; n: number };

test('canonical CBOR: the check accepts exactly the encodings that re-encode to themselves', () => {
  // Canonical encodings changed here and there: bytes overwritten, inserted, removed; two ranges swapped (map entries
  // out of order), floats, long heads, text that is not UTF-8.
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant('swap' as const),
      a: fc.nat(),
      b: fc.nat(),
      n: fc.integer({ min: 1, max: 6 }),
    }),
  );
  const apply = (bytes: Uint8Array, edits: Edit[]) => {
    const out = [...bytes];
    for (const e of edits) {
      if (out.length === 0) break;
      if (e.kind === 'set') out[e.at % out.length] = e.byte;
      else if (e.kind === 'insert') out.splice(e.at % (out.length + 1), 0, e.byte);
      else if (e.kind === 'remove') out.splice(e.at % out.length, 1);
      else {
        const a = e.a % out.length;
        const b = e.b % out.length;
        const n = Math.min(e.n, out.length - Math.max(a, b));
        for (let i = 0; i < n; i++) [out[a + i], out[b + i]] = [out[b + i]!, out[a + i]!];
      }
    }
    return Uint8Array.from(out);
  };
  fc.assert(
    fc.property(cborValue.value, fc.array(edit, { maxLength: 3 }), (v, edits) => {
      const bytes = apply(encodeCanonical(v), edits);
      assert.equal(accepted(bytes), acceptedByReencoding(bytes));
    }),
    { numRuns: RUNS * 4 },
  );
  fc.assert(
    fc.property(bytesArb(60), (b) => assert.equal(accepted(b), acceptedByReencoding(b))),
    { numRuns: RUNS * 4 },
  );
  // Each rule on its own.
  const cases: [string, number[]][] = [
    ['keys out of order', [0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]],
    ['a longer key first', [0xa2, 0x62, 0x61, 0x61, 0x01, 0x61, 0x62, 0x02]],
    ['a whole number as a float', [0xa1, 0x61, 0x61, 0xf9, 0x3c, 0x00]],
    ['a fraction', [0xa1, 0x61, 0x61, 0xf9, 0x3e, 0x00]],
    ['text that is not UTF-8', [0xa1, 0x61, 0x61, 0x62, 0xc3, 0x28]],
    ['a long head', [0xa1, 0x61, 0x61, 0x18, 0x01]],
    ['an indefinite array', [0xa1, 0x61, 0x61, 0x9f, 0x01, 0xff]],
  ];
  for (const [name, bytes] of cases) {
    const b = Uint8Array.from(bytes);
    assert.equal(accepted(b), false, name);
    assert.equal(acceptedByReencoding(b), false, name);
  }
  // Nested containers end where they should: a key after a nested map is checked against its own map's keys.
  assert.equal(accepted(encodeCanonical({ a: { z: [1, { y: 2 }] }, b: 2 })), true);
  assert.equal(
    accepted(Uint8Array.from([0xa2, 0x61, 0x62, 0xa1, 0x61, 0x7a, 0x01, 0x61, 0x61, 0x02])),
    false,
  );
});

test('canonical CBOR: byte strings are copies, or views of the input when asked for (a Buffer too)', () => {
  const input = Buffer.from(encodeCanonical({ b: new Uint8Array([1, 2, 3]) }));
  const copied = decodeCanonical(input, 99, 'test') as { b: Uint8Array };
  const viewed = decodeCanonical(input, 99, 'test', { views: true }) as { b: Uint8Array };
  assert.equal(Object.getPrototypeOf(viewed.b), Uint8Array.prototype);
  assert.equal(viewed.b.buffer, input.buffer);
  input.fill(0);
  assert.deepEqual(copied.b, new Uint8Array([1, 2, 3]));
  assert.deepEqual(viewed.b, new Uint8Array([0, 0, 0]));
});

test('CBOR read-back: the same values as a decode, byte strings as plain views of the input, typed errors', () => {
  fc.assert(
    fc.property(cborValue.value, fc.integer({ min: 0, max: 3 }), (v, offset) => {
      const bytes = atOffset(encodeCanonical(v), offset);
      assert.deepEqual(readBack(bytes, 1 << 20, 'test'), decodeCanonical(bytes, 1 << 20, 'test'));
    }),
    { numRuns: RUNS },
  );
  // What the read-back saves: a byte string is not copied (cborg slices its input; a cborg that copies another way
  // fails here, not silently). The view is a plain Uint8Array, in shared memory too.
  for (const memory of [ArrayBuffer, SharedArrayBuffer]) {
    const encoded = encodeCanonical({ b: new Uint8Array([1, 2, 3]), c: [new Uint8Array([4])] });
    const input = new Uint8Array(new memory(encoded.length + 8), 8);
    input.set(encoded);
    const value = readBack(input, 99, 'test') as { b: Uint8Array; c: Uint8Array[] };
    assert.deepEqual([...value.b], [1, 2, 3]);
    assert.equal(value.b.buffer, input.buffer, memory.name);
    assert.equal(Object.getPrototypeOf(value.b), Uint8Array.prototype);
    assert.equal(value.c[0]!.byteOffset, input.byteOffset + encoded.length - 1);
    assert.deepEqual([...value.b.slice()], [1, 2, 3]);
    assert.notEqual(value.b.slice().buffer, input.buffer, 'slice() of a decoded value copies as usual');
  }
  assert.ok(rejectsTyped(() => readBack(new Uint8Array(100_000).fill(0x81), 1 << 20, 'test')));
  assert.ok(rejectsTyped(() => readBack(new Uint8Array(11), 10, 'test')));
  assert.ok(rejectsTyped(() => readBack(Uint8Array.of(0x5f), 99, 'test')));
});

test('CBOR map written in parts: the same bytes as one encoding, and every reported prefix is final', () => {
  const mapArb = fc.dictionary(
    fc.string({ maxLength: 12 }),
    fc.oneof(cborValue.value, fc.array(cborValue.value, { maxLength: 30 })),
    { maxKeys: 8, noNullPrototype: true },
  );
  fc.assert(
    fc.property(mapArb, (map) => {
      const whole = Buffer.from(encodeCanonical(map));
      const into = new Uint8Array(whole.length + 16);
      const prefixes: Uint8Array[] = [];
      const written = encodeCanonicalMapInto(map, into, (end) => prefixes.push(into.slice(0, end)));
      assert.deepEqual(Buffer.from(into.subarray(0, written)), whole);
      let last = 0;
      for (const prefix of prefixes) {
        assert.ok(prefix.length >= last, 'progress only goes forward');
        assert.deepEqual(Buffer.from(prefix), whole.subarray(0, prefix.length));
        last = prefix.length;
      }
    }),
    { numRuns: RUNS },
  );
  // Array and map heads at every size boundary of their length argument.
  for (const n of [0, 23, 24, 255, 256, 65535, 65536]) {
    const map = { list: new Array<number>(n).fill(7), x: 1 };
    const into = new Uint8Array(n + 64);
    const written = encodeCanonicalMapInto(map, into, () => {});
    assert.deepEqual(Buffer.from(into.subarray(0, written)), Buffer.from(encodeCanonical(map)), `${n}`);
  }
  const manyKeys = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
  const into = new Uint8Array(4096);
  const written = encodeCanonicalMapInto(manyKeys, into, () => {});
  assert.deepEqual(Buffer.from(into.subarray(0, written)), Buffer.from(encodeCanonical(manyKeys)));
  // What does not fit, or is undefined, is refused.
  assert.throws(() => encodeCanonicalMapInto({ a: [1, 2, 3] }, new Uint8Array(4), () => {}));
  assert.throws(() => encodeCanonicalMapInto({ a: undefined }, new Uint8Array(16), () => {}), /undefined/);
});

/** The cut rule exactly as chunker.ts's header (and PROTOCOL §5.3) states it, one byte at a time, unsigned. */
function specChunkLengths(data: Uint8Array, gear: Uint32Array): number[] {
  const lengths: number[] = [];
  for (let start = 0; start < data.length;) {
    const remaining = data.length - start;
    let n = remaining;
    if (remaining > CHUNK_MIN) {
      const limit = Math.min(remaining, CHUNK_MAX);
      const normal = Math.min(CHUNK_AVG, limit);
      let h = 0;
      n = limit;
      for (let i = CHUNK_MIN; i < limit; i++) {
        h = ((h << 1) + gear[data[start + i]!]!) >>> 0;
        if ((h & (i < normal ? 0xfffe0000 : 0xffe00000)) >>> 0 === 0) {
          n = i + 1;
          break;
        }
      }
    }
    lengths.push(n);
    start += n;
  }
  return lengths;
}

test('chunker: the pieces are those of the cut rule as specified, at every length and content', () => {
  const gear = gearTable(counterRandom(4)(32));
  const lengthArb = fc.oneof(
    fc.integer({ min: 0, max: 120_000 }),
    ...[CHUNK_MIN, CHUNK_AVG, CHUNK_MAX].map((n) => fc.integer({ min: n - 5, max: n + 5 })),
  );
  fc.assert(
    fc.property(lengthArb, fc.integer({ min: 0, max: 10_000 }), fc.boolean(), (length, seed, sparse) => {
      // Sparse data (mostly zeros) cuts late or at CHUNK_MAX; random data cuts at every offset modulo 4.
      const data = counterRandom(seed)(length);
      if (sparse) for (let i = 0; i < data.length; i++) if (data[i]! > 8) data[i] = 0;
      assert.deepEqual(
        chunk(data, gear).map((p) => p.length),
        specChunkLengths(data, gear),
      );
    }),
    { numRuns: Math.max(50, RUNS / 2) },
  );
});

test("chunker: cutting bytes as they are written gives chunk()'s pieces, each within what was written", () => {
  const gear = gearTable(counterRandom(3)(32));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 200_000 }),
      fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 12 }),
      fc.integer({ min: 0, max: 1000 }),
      (length, stops, seed) => {
        const data = counterRandom(seed)(length);
        const cutter = new Cutter(gear);
        const ranges: [number, number][] = [];
        for (const stop of [...stops].sort((a, b) => a - b)) {
          const written = Math.min(stop, length);
          for (const range of cutter.pieces(data.subarray(0, written), false)) {
            assert.ok(range[1] <= written, 'a piece ends within the bytes written');
            ranges.push(range);
          }
        }
        ranges.push(...cutter.pieces(data, true));
        assert.deepEqual(
          ranges.map(([a, b]) => b - a),
          chunk(data, gear).map((p) => p.length),
        );
      },
    ),
    { numRuns: Math.max(20, RUNS / 4) },
  );
});

const envelopeArb: fc.Arbitrary<ShardEnvelope> = fc.record(
  {
    splitId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    owner: fc.constant(owner.signPublic),
    custodian: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    threshold: fc.integer({ min: 2, max: 16 }),
    commitment: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    x: fc.integer({ min: 1, max: 255 }),
    y: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    created: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  },
  { noNullPrototype: true },
);

test('shard envelope: round-trip, arbitrary bytes typed, flipped byte rejected', () => {
  fc.assert(
    fc.property(envelopeArb, fc.nat(), fc.nat(7), (env, i, bit) => {
      const signed = signShardEnvelope(env, owner.signSeed);
      assert.deepEqual(verifyShardEnvelope(signed), env);
      assert.ok(rejectsTyped(() => verifyShardEnvelope(flip(signed, i, bit))));
    }),
    { numRuns: SLOW },
  );
  const valid = signShardEnvelope(fc.sample(envelopeArb, { numRuns: 1, seed: 1 })[0]!, owner.signSeed);
  fc.assert(
    fc.property(nearlyValid(valid), (b) => {
      try {
        const env = verifyShardEnvelope(b);
        assert.deepEqual(b, valid); // only the untouched envelope may verify
        return env !== undefined;
      } catch (err) {
        return err instanceof TesseraError && DECODE_CODES.has(err.code);
      }
    }),
    { numRuns: RUNS },
  );
});

test('sealed shard envelope: arbitrary bytes typed, flipped byte fails decryption', () => {
  const signed = signShardEnvelope(
    { ...fc.sample(envelopeArb, { numRuns: 1, seed: 2 })[0]!, custodian: custodian.signPublic },
    owner.signSeed,
  );
  const sealed = sealShardEnvelope(signed, custodian, counterRandom(3));
  assert.deepEqual(openShardEnvelope(sealed, custodian).signed, signed);
  fc.assert(
    fc.property(fc.nat(), fc.nat(7), (i, bit) => {
      assert.throws(
        () => openShardEnvelope(flip(sealed, i, bit), custodian),
        (e: unknown) =>
          e instanceof TesseraError && (e instanceof DecryptionError || e.code === 'UNSUPPORTED_VERSION'),
      );
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(nearlyValid(sealed), (b) => okOrTyped(() => openShardEnvelope(b, custodian))),
    { numRuns: SLOW },
  );
});

test('sealed box: open(seal(m)) = m; other keys and contexts fail', () => {
  fc.assert(
    fc.property(bytesArb(500), fc.string({ maxLength: 20 }), (m, ctx) => {
      const sealed = sealTo(custodian.boxPublic, m, ctx);
      assert.deepEqual(openSealed(custodian.boxSecret, custodian.boxPublic, sealed, ctx), m);
      assert.throws(() => openSealed(owner.boxSecret, owner.boxPublic, sealed, ctx), DecryptionError);
      assert.throws(
        () => openSealed(custodian.boxSecret, custodian.boxPublic, sealed, ctx + 'x'),
        DecryptionError,
      );
    }),
    { numRuns: SLOW },
  );
});

/** Manifests of both body versions: v1 (chunks of formats 1–2, 41 bytes over their plaintext) and v2 (format 3, 1). */
const manifestArb: fc.Arbitrary<BackupManifest> = fc
  .constantFrom([MANIFEST_VERSION, CHUNK_OVERHEAD] as const, [2, FORMAT3_CHUNK_OVERHEAD] as const)
  .chain(([bodyVersion, overhead]) =>
    fc
      .array(
        fc.record(
          {
            id: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex),
            length: fc.integer({ min: overhead + 1, max: 32 * 1024 + overhead }),
            digest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          },
          { noNullPrototype: true },
        ),
        { maxLength: 20 },
      )
      .chain((chunks) =>
        fc.record(
          {
            bodyVersion: fc.constant(bodyVersion),
            owner: fc.constant(owner.signPublic),
            version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
            keyId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
            size: fc.constant(chunks.reduce((a, c) => a + c.length - overhead, 0)),
            chunks: fc.constant(chunks),
          },
          { noNullPrototype: true },
        ),
      ),
  );

test('manifest: round-trip, arbitrary bytes typed, flipped byte rejected', () => {
  fc.assert(
    fc.property(manifestArb, fc.nat(), fc.nat(7), (m, i, bit) => {
      const signed = signManifest(m, owner.signSeed);
      assert.deepEqual(verifyManifest(signed, owner.signPublic), m);
      assert.ok(rejectsTyped(() => verifyManifest(flip(signed, i, bit), owner.signPublic)));
      assert.throws(() => verifyManifest(signed, custodian.signPublic), SignatureError);
    }),
    { numRuns: SLOW },
  );
  const valid = signManifest(fc.sample(manifestArb, { numRuns: 1, seed: 3 })[0]!, owner.signSeed);
  fc.assert(
    fc.property(nearlyValid(valid), (b) => okOrTyped(() => verifyManifest(b, owner.signPublic))),
    { numRuns: RUNS },
  );
});

const text = (max: number) => fc.string({ maxLength: max, unit: 'grapheme' });
const snapshotArb: fc.Arbitrary<Snapshot> = fc.record(
  {
    identity: fc.constant(owner),
    displayName: text(30),
    contacts: fc.array(
      fc.record(
        {
          name: text(20),
          peerId: fc.constant(peerIdOf(custodian.signPublic)),
          boxPublic: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          boxSignature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
          addresses: fc.array(text(30), { maxLength: 3 }),
        },
        { noNullPrototype: true },
      ),
      { maxLength: 3 },
    ),
    items: fc.array(
      fc.record(
        {
          id: text(20),
          title: text(30),
          secret: text(50),
          notes: text(100),
          tags: fc.array(text(10), { maxLength: 4 }),
          attachments: fc.array(
            fc.record(
              { name: text(20), mediaType: text(20), data: bytesArb(100) },
              { noNullPrototype: true },
            ),
            {
              maxLength: 2,
            },
          ),
          createdAt: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
          updatedAt: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        },
        { noNullPrototype: true },
      ),
      { maxLength: 5 },
    ),
    heldShards: fc.array(
      fc.record(
        {
          ownerPeerId: fc.constant(peerIdOf(owner.signPublic)),
          envelope: bytesArb(400),
          latestVersion: fc.nat(),
          manifest: bytesArb(100),
        },
        { requiredKeys: ['ownerPeerId', 'envelope', 'latestVersion'], noNullPrototype: true },
      ),
      { maxLength: 3 },
    ),
    settings: fc.dictionary(text(10), text(20), { maxKeys: 5, noNullPrototype: true }),
  },
  { noNullPrototype: true },
);

test('snapshot: decode(encode(x)) = x and arbitrary bytes give a typed error', () => {
  fc.assert(
    fc.property(snapshotArb, (s) => {
      assert.deepEqual(decodeSnapshot(encodeSnapshot(s)), s);
    }),
    { numRuns: SLOW },
  );
  const valid = encodeSnapshot(sampleSnapshot(9, 2));
  fc.assert(
    fc.property(nearlyValid(valid), (b) => okOrTyped(() => decodeSnapshot(b))),
    { numRuns: RUNS },
  );
});

test('padding: unpad(pad(x)) = x and arbitrary bytes give a value or a typed error', () => {
  fc.assert(
    fc.property(bytesArb(5000), (b) => {
      assert.deepEqual(unpad(pad(b)), b);
    }),
    { numRuns: SLOW },
  );
  fc.assert(
    fc.property(bytesArb(5000), (b) => okOrTyped(() => unpad(b))),
    { numRuns: SLOW },
  );
  // padInPlace around data already in place gives pad's bytes, as a view of the same memory.
  fc.assert(
    fc.property(bytesArb(5000), (b) => {
      const space = new Uint8Array(8192 + 4);
      space.set(b, 4);
      const padded = padInPlace(space, b.length);
      assert.deepEqual(padded, pad(b));
      assert.equal(padded.buffer, space.buffer);
    }),
    { numRuns: SLOW },
  );
  assert.throws(() => padInPlace(new Uint8Array(4096), 5000), InvalidArgumentError);
});

test('backup chunks and whole backups: flipped byte anywhere is rejected', async () => {
  const keys = deriveBackupKeys(counterRandom(4)(32));
  fc.assert(
    fc.property(bytesArb(3000), fc.nat(), fc.nat(7), (pt, i, bit) => {
      const c = sealChunk(keys, pt);
      assert.deepEqual(openChunk(keys, c.id, c.bytes), pt);
      assert.ok(rejectsTyped(() => openChunk(keys, c.id, flip(c.bytes, i, bit))));
      return okOrTyped(() => openChunk(keys, c.id, pt));
    }),
    { numRuns: SLOW },
  );
  const K = counterRandom(5)(32);
  const s = sampleSnapshot(6, 60);
  const b = buildBackup(s, K, owner, 1);
  const ids = [...b.chunks.keys()];
  await fc.assert(
    fc.asyncProperty(fc.nat(ids.length - 1), fc.nat(), fc.nat(7), async (which, i, bit) => {
      const target = ids[which]!;
      const get = (id: string) => (id === target ? flip(b.chunks.get(id)!, i, bit) : b.chunks.get(id));
      await assert.rejects(
        openBackup(b.manifest, get, K, owner.signPublic),
        (e: unknown) => e instanceof TesseraError && DECODE_CODES.has(e.code),
      );
    }),
    { numRuns: SLOW },
  );
});
