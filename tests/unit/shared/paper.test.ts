/**
 * Paper pieces (PROTOCOL §4.4): SLIP-0039's RS1024 checksum against its published vectors, the word codec against
 * tests/vectors/paper-piece.json, every single wrong word and every swap of two words caught and named, and the
 * printable page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { interpolate } from '../../../shared/shards/split.ts';
import { rs1024Checksum, rs1024Verify } from '../../../shared/paper/rs1024.ts';
import { SLIP39_WORDS } from '../../../shared/paper/slip39-words.ts';
import {
  decodePaperPiece,
  encodePaperPiece,
  PAPER_CUSTOMIZATION,
  PAPER_WORD_COUNT,
  PaperPieceError,
} from '../../../shared/paper/paper-piece.ts';
import { paperPagePdf } from '../../../shared/paper/paper-page.ts';
import { UnsupportedFormatError } from '../../../shared/crypto/errors.ts';
import { counterRandom } from './helpers.ts';
import { pdfText } from '../../helpers/pdf-text.ts';

const dir = join(import.meta.dirname, '..', '..', 'vectors');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const load = (name: string): any => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const indexOf = (w: string) => SLIP39_WORDS.indexOf(w);

test('the word list is the SLIP-0039 list: 1024 sorted words, unique by four letters', () => {
  assert.equal(SLIP39_WORDS.length, 1024);
  assert.deepEqual([...SLIP39_WORDS].sort(), SLIP39_WORDS);
  assert.equal(new Set(SLIP39_WORDS.map((w) => w.slice(0, 4))).size, 1024);
  assert.equal(SLIP39_WORDS[0], 'academic');
  assert.equal(SLIP39_WORDS[1023], 'zero');
});

test("RS1024 agrees with every mnemonic of SLIP-0039's published vectors", () => {
  const v = load('slip39-rs1024.json');
  assert.ok(v.mnemonics.length > 80);
  for (const m of v.mnemonics) {
    const values = (m.mnemonic as string).split(' ').map(indexOf);
    assert.equal(rs1024Verify(values, m.customization), m.checksumValid, m.case);
    if (m.checksumValid) {
      // The checksum made from the data words is the one published.
      assert.deepEqual(rs1024Checksum(values.slice(0, -3), m.customization), values.slice(-3), m.case);
      // The customization string separates formats.
      assert.equal(rs1024Verify(values, PAPER_CUSTOMIZATION), false);
    }
  }
});

test('paper pieces decode to the vector shares, and any t of them give the key', async () => {
  const v = load('paper-piece.json');
  const splitId = fromHex(v.splitId);
  for (const p of v.pieces) {
    const words = encodePaperPiece({ splitId, threshold: v.threshold, x: p.x, y: fromHex(p.y) });
    assert.equal(words.join(' '), p.words);
    assert.equal(words.length, PAPER_WORD_COUNT);
    const back = decodePaperPiece(p.words);
    assert.deepEqual(
      { x: back.x, t: back.threshold, split: toHex(back.splitId), y: toHex(back.y) },
      { x: p.x, t: v.threshold, split: v.splitId, y: p.y },
    );
  }
  const shares = v.pieces.slice(1).map((p: { words: string }) => decodePaperPiece(p.words));
  assert.equal(toHex(await interpolate(shares)), v.key);
  for (const m of v.mistyped)
    assert.throws(
      () => decodePaperPiece(m.words),
      (err: unknown) =>
        err instanceof PaperPieceError && assert.deepEqual(err.positions, m.positions) === undefined,
    );
});

test('typing is forgiving: case, spacing, the printed numbers and four-letter prefixes', () => {
  const v = load('paper-piece.json');
  const words = (v.pieces[0].words as string).split(' ');
  const typed = words.map((w, i) => `${i + 1}. ${i % 2 ? w.toUpperCase() : w.slice(0, 4)}`).join('\n  ');
  assert.equal(toHex(decodePaperPiece(typed).y), v.pieces[0].y);
});

test('every single wrong word and every swap of two different words is caught and named', () => {
  const random = counterRandom(44);
  const piece = { splitId: random(16), threshold: 2, x: 3, y: random(32) };
  const words = encodePaperPiece(piece);
  const values = words.map(indexOf);
  // Detection, exhaustively: every other word of the list at every position.
  for (let i = 0; i < values.length; i++)
    for (let v = 0; v < 1024; v++)
      if (v !== values[i]) {
        const wrong = [...values];
        wrong[i] = v;
        assert.equal(rs1024Verify(wrong, PAPER_CUSTOMIZATION), false);
      }
  for (let i = 0; i < words.length; i++) {
    // Naming, with three replacement words at each position.
    for (const r of random(3)) {
      const wrong = [...words];
      wrong[i] = SLIP39_WORDS[(indexOf(words[i]!) + 1 + r * 4) % 1024]!;
      assert.throws(
        () => decodePaperPiece(wrong.join(' ')),
        (err: unknown) => err instanceof PaperPieceError && err.positions.join() === String(i + 1),
      );
    }
    for (let j = i + 1; j < words.length; j++) {
      if (words[i] === words[j]) continue;
      const swapped = [...words];
      [swapped[i], swapped[j]] = [words[j]!, words[i]!];
      assert.throws(
        () => decodePaperPiece(swapped.join(' ')),
        (err: unknown) => err instanceof PaperPieceError && err.positions.join() === `${i + 1},${j + 1}`,
      );
    }
  }
});

test('a word not in the list, a missing word and a newer format are named', () => {
  const words = encodePaperPiece({ splitId: new Uint8Array(16), threshold: 2, x: 1, y: new Uint8Array(32) });
  const unknown = [...words];
  unknown[6] = 'banana';
  assert.throws(() => decodePaperPiece(unknown.join(' ')), /Word 7, "banana", is not a word/);
  assert.throws(
    () => decodePaperPiece(words.slice(1).join(' ')),
    /has 43 words; this has 42\. Some are missing/,
  );
  // A version-2 page (its checksum is valid): the person is told to update, not that they mistyped.
  const data = words.slice(0, 40).map(indexOf);
  data[0] = (data[0]! & 0b0000111111) | (2 << 6);
  const v2 = [...data, ...rs1024Checksum(data, PAPER_CUSTOMIZATION)].map((i) => SLIP39_WORDS[i]!);
  assert.throws(() => decodePaperPiece(v2.join(' ')), UnsupportedFormatError);
});

test('the printed page is a PDF with the words, numbered, the owner, the date and the threshold', async () => {
  const v = load('paper-piece.json');
  const words = (v.pieces[0].words as string).split(' ');
  const pdf = await paperPagePdf({
    ownerName: 'Ana',
    fingerprint: 'ABCD-EFGH-IJKL',
    createdAt: Date.UTC(2026, 11, 24),
    threshold: 3,
    pieces: 4,
    number: 114,
    words,
  });
  const text = pdfText(pdf);
  assert.equal(Buffer.from(pdf.subarray(0, 5)).toString(), '%PDF-');
  for (const [i, w] of words.entries()) {
    assert.ok(text.includes(w), `word ${i + 1} is on the page`);
    assert.ok(text.includes(`${String(i + 1).padStart(2, ' ')}.`));
  }
  for (const s of [
    'Backup of Ana',
    'ABCD-EFGH-IJKL',
    '2026-12-24',
    'Any 3 of the 4 pieces',
    'paper piece 114',
  ])
    assert.ok(text.includes(s), s);
});
