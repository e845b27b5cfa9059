/**
 * The shortcuts that read and write a manifest body and a `need` frame directly (shared/formats/cbor-cursor.ts)
 * against the general canonical codec: the same bytes written, the same values read, and never a frame accepted
 * that the general decoder refuses. Run counts come from TESSERA_FC_RUNS (default 200).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCanonical, encodeCanonical } from '../../../shared/formats/cbor.ts';
import { CborCursor, CborWriter } from '../../../shared/formats/cbor-cursor.ts';
import {
  decodeBodyGenerally,
  encodeBodyGenerally,
  encodeManifestBody,
  readBodyShortcut,
  writeBodyShortcut,
  type BackupManifest,
} from '../../../shared/formats/manifest.ts';
import { CHUNK_OVERHEAD } from '../../../shared/formats/chunk-crypto.ts';
import { CHUNK_MAX } from '../../../shared/formats/chunker.ts';
import {
  decodeBackupMessage,
  decodeBackupMessageGenerally,
  encodeBackupMessage,
  encodeNeed,
  readNeedShortcut,
} from '../../../shared/protocol/backup.ts';
import { toHex } from '../../../shared/crypto/bytes.ts';
import { InvalidArgumentError, MalformedDataError } from '../../../shared/crypto/errors.ts';

const RUNS = Number(process.env.TESSERA_FC_RUNS ?? 200);
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** Unsigned integers of every head size, up to the largest safe one. */
const uint = fc.oneof(
  fc.integer({ min: 0, max: 30 }),
  fc.integer({ min: 0, max: 0x1_0000_0000 + 5 }),
  fc.constantFrom(23, 24, 255, 256, 65_535, 65_536, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER),
);

/** encodeCanonical, as a plain Uint8Array (it returns a Buffer), to compare with what the shortcuts write. */
const canonical = (value: unknown) => Uint8Array.from(encodeCanonical(value));

/** The body through the general encoder (the format as cbor.ts writes any structure), as a plain Uint8Array. */
const generalBody = (m: BackupManifest) => Uint8Array.from(encodeBodyGenerally(m));

/** Any manifest the writer may be given (numbers of every size, lists of any length). */
const anyManifest = fc.record({
  bodyVersion: uint,
  owner: bytes(32),
  version: uint,
  keyId: bytes(16),
  size: uint,
  chunks: fc.array(fc.record({ id: bytes(32).map(toHex), length: uint, digest: bytes(32) }), {
    maxLength: 40,
  }),
});

/** A manifest decodeBody accepts: lengths a chunk can have, and a size that is their sum. */
const validManifest = fc
  .record({
    owner: bytes(32),
    version: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
    keyId: bytes(16),
    chunks: fc.array(
      fc.record({
        id: bytes(32).map(toHex),
        length: fc.integer({ min: CHUNK_OVERHEAD + 1, max: CHUNK_MAX + CHUNK_OVERHEAD }),
        digest: bytes(32),
      }),
      { maxLength: 40 },
    ),
  })
  .map((m): BackupManifest => ({
    ...m,
    bodyVersion: 1,
    size: m.chunks.reduce((sum, c) => sum + c.length - CHUNK_OVERHEAD, 0),
  }));

/** `frame` with one byte changed, inserted or removed. */
const mutated = (frame: Uint8Array) =>
  fc
    .record({
      kind: fc.constantFrom('flip', 'insert', 'remove'),
      at: fc.nat({ max: frame.length - 1 }),
      value: fc.nat({ max: 255 }),
    })
    .map(({ kind, at, value }) => {
      const out = [...frame];
      if (kind === 'flip') out[at] = value === out[at] ? (value + 1) % 256 : value;
      else if (kind === 'insert') out.splice(at, 0, value);
      else out.splice(at, 1);
      return Uint8Array.from(out);
    });

/** The general decoder's answer: the value, or the error it threw. */
function general<T>(decode: () => T): { value: T } | { error: unknown } {
  try {
    return { value: decode() };
  } catch (error) {
    return { error };
  }
}

test('the body writer writes the bytes of the general encoder, for numbers of every size', () => {
  fc.assert(
    fc.property(anyManifest, (m) => {
      assert.deepEqual(writeBodyShortcut(m), generalBody(m));
      assert.deepEqual(encodeManifestBody(m), generalBody(m));
    }),
    { numRuns: RUNS },
  );
});

test('a body the writer cannot write (a number that is not an unsigned integer) goes to the general encoder', () => {
  const m: BackupManifest = {
    bodyVersion: 1,
    owner: new Uint8Array(32),
    version: -1,
    keyId: new Uint8Array(16),
    size: 0,
    chunks: [],
  };
  assert.equal(writeBodyShortcut(m), null);
  assert.deepEqual(encodeManifestBody(m), generalBody(m));
});

test('the body reader reads what the general decoder reads', () => {
  fc.assert(
    fc.property(validManifest, (m) => {
      const body = generalBody(m);
      const read = readBodyShortcut(body);
      assert.ok(read, 'a body in the written shape is read by the shortcut');
      assert.deepEqual(read, decodeBodyGenerally(body));
      assert.deepEqual(read, { ...m, chunks: m.chunks.map((c) => ({ ...c })) });
    }),
    { numRuns: RUNS },
  );
});

test('a changed body is read by the shortcut only as the general decoder reads it', () => {
  let refusedByBoth = 0;
  fc.assert(
    fc.property(
      validManifest.filter((m) => m.chunks.length > 0).chain((m) => mutated(generalBody(m))),
      (body) => {
        const read = readBodyShortcut(body);
        const expected = general(() => decodeBodyGenerally(body));
        if (read === null) {
          if ('error' in expected) refusedByBoth++;
          return;
        }
        assert.ok('value' in expected, 'the shortcut accepted a body the general decoder refuses');
        assert.deepEqual(read, expected.value);
      },
    ),
    { numRuns: RUNS * 5 },
  );
  assert.ok(refusedByBoth > 0, 'some changes make a body that both refuse');
});

test('a number written longer than it needs is refused by the reader and by the general decoder', () => {
  const m: BackupManifest = {
    bodyVersion: 1,
    owner: new Uint8Array(32).fill(1),
    version: 5,
    keyId: new Uint8Array(16).fill(2),
    size: 0,
    chunks: [],
  };
  const body = generalBody(m);
  // The version (5) is the last byte; write it as a one-byte argument (0x18 0x05) instead.
  const longer = Uint8Array.from([...body.subarray(0, -1), 0x18, 0x05]);
  assert.equal(readBodyShortcut(longer), null);
  assert.throws(() => decodeBodyGenerally(longer), MalformedDataError);
  assert.deepEqual(readBodyShortcut(body), m);
});

test('a chunk count that the bytes left cannot hold is refused by the reader and by the general decoder', () => {
  const m: BackupManifest = {
    bodyVersion: 1,
    owner: new Uint8Array(32),
    version: 1,
    keyId: new Uint8Array(16),
    size: 0,
    chunks: [],
  };
  const body = generalBody(m);
  // The empty list's head (0x80) says a million entries instead (0x9a and a 4-byte count).
  const at = body.indexOf(0x80);
  const claimed = Uint8Array.from([
    ...body.subarray(0, at),
    0x9a,
    0x00,
    0x0f,
    0x42,
    0x40,
    ...body.subarray(at + 1),
  ]);
  assert.equal(readBodyShortcut(claimed), null);
  assert.throws(() => decodeBodyGenerally(claimed), MalformedDataError);
});

const ids = fc.array(bytes(32), { maxLength: 300 });

test('a need frame is written as the general encoder writes it, from bytes or from hex', () => {
  fc.assert(
    fc.property(ids, (list) => {
      const expected = canonical({ v: 1, t: 6, ids: list });
      assert.deepEqual(encodeBackupMessage({ t: 'need', ids: list }), expected);
      assert.deepEqual(encodeNeed(list.map(toHex)), expected);
    }),
    { numRuns: RUNS },
  );
});

test('a need frame is read by the shortcut as the general decoder reads it, and a changed one no differently', () => {
  fc.assert(
    fc.property(ids, (list) => {
      const frame = encodeBackupMessage({ t: 'need', ids: list });
      const read = readNeedShortcut(frame);
      assert.deepEqual(read, { t: 'need', ids: list });
      assert.deepEqual(read, decodeBackupMessageGenerally(frame));
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(
      ids.chain((list) => mutated(encodeBackupMessage({ t: 'need', ids: list }))),
      (frame) => {
        const read = readNeedShortcut(frame);
        if (read === null) return;
        const expected = general(() => decodeBackupMessageGenerally(frame));
        assert.ok('value' in expected, 'the shortcut accepted a frame the general decoder refuses');
        assert.deepEqual(read, expected.value);
      },
    ),
    { numRuns: RUNS * 5 },
  );
});

test('ids read by the shortcut do not change when the frame they came from does', () => {
  const frame = encodeBackupMessage({ t: 'need', ids: [new Uint8Array(32).fill(9)] });
  const read = decodeBackupMessage(frame);
  frame.fill(0);
  assert.deepEqual(read, { t: 'need', ids: [new Uint8Array(32).fill(9)] });
});

test('a need for ids of another length is left to the general decoder, which refuses it', () => {
  const frame = canonical({ v: 1, t: 6, ids: [new Uint8Array(31)] });
  assert.equal(readNeedShortcut(frame), null);
  assert.throws(() => decodeBackupMessage(frame), MalformedDataError);
});

test('the cursor takes each head only in its shortest form, and no number past the safe integers', () => {
  const argument = (head: number[]) => new CborCursor(Uint8Array.from(head)).uint();
  assert.equal(argument([0x17]), 23);
  assert.equal(argument([0x18, 0x17]), -1);
  assert.equal(argument([0x18, 0x18]), 24);
  assert.equal(argument([0x19, 0x00, 0xff]), -1);
  assert.equal(argument([0x19, 0x01, 0x00]), 256);
  assert.equal(argument([0x1a, 0x00, 0x00, 0xff, 0xff]), -1);
  assert.equal(argument([0x1a, 0x00, 0x01, 0x00, 0x00]), 65_536);
  assert.equal(argument([0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), -1);
  assert.equal(argument([0x1b, 0, 0, 0, 1, 0, 0, 0, 0]), 0x1_0000_0000);
  assert.equal(argument([0x1b, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), Number.MAX_SAFE_INTEGER);
  assert.equal(argument([0x1b, 0, 0x20, 0, 0, 0, 0, 0, 0]), -1);
  assert.equal(argument([0x1f]), -1, 'an indefinite length');
  assert.equal(argument([0x19, 0x01]), -1, 'cut short');
  assert.equal(argument([0x40]), -1, 'another major type');
  for (const n of [
    0,
    23,
    24,
    255,
    256,
    65_535,
    65_536,
    0xffff_ffff,
    0x1_0000_0000,
    Number.MAX_SAFE_INTEGER,
  ]) {
    const w = new CborWriter(CborWriter.headSize(n));
    w.head(0, n);
    assert.deepEqual(w.done(), canonical(n));
    assert.equal(decodeCanonical(w.done(), 16, 'a number'), n);
  }
});

test('the writer refuses an id that is not hex', () => {
  assert.throws(() => encodeNeed(['zz'.repeat(32)]), InvalidArgumentError);
  assert.throws(() => encodeNeed(['abc']), InvalidArgumentError);
});
