/**
 * The printable page of a paper piece (PROTOCOL §4.4): one A4 PDF with the piece's words (numbered, in groups), the
 * same words as a QR code, whose backup it is (name and fingerprint), when it was made, the threshold, and what to do
 * with it. Pure (pdf-lib and @paulmillr/qr run in the browser and in Node alike), so the backup wizard and
 * `tessera backup create --paper-out` make the same page.
 */
import { encodeQR } from '@paulmillr/qr';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { PDFFont, PDFPage } from 'pdf-lib';
import { PAPER_INSTRUCTION, paperDate } from './paper-text.ts';

export interface PaperPageInput {
  ownerName: string;
  fingerprint: string;
  /** When the split was made (ms since the epoch); the page prints its date (UTC). */
  createdAt: number;
  threshold: number;
  /** n: every piece of the split, friends' and paper. */
  pieces: number;
  /** The piece's number (its x). */
  number: number;
  words: readonly string[];
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const INK = rgb(0.1, 0.1, 0.1);
const GREY = rgb(0.35, 0.35, 0.35);

export async function paperPagePdf(input: PaperPageInput): Promise<Uint8Array> {
  return paperPagesPdf([input]);
}

/** One PDF with a page per piece (print them, then keep each page in a different place). */
export async function paperPagesPdf(inputs: readonly PaperPageInput[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const first = inputs[0];
  if (!first) throw new Error('No paper piece to print.');
  const when = new Date(first.createdAt);
  doc.setTitle(inputs.length === 1 ? `Tessera paper piece ${first.number}` : `Tessera paper pieces`);
  doc.setProducer('Tessera');
  doc.setCreator('Tessera');
  doc.setCreationDate(when);
  doc.setModificationDate(when);
  const fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  for (const input of inputs) drawPage(doc.addPage(A4), input, fonts);
  return doc.save({ useObjectStreams: false });
}

function drawPage(
  page: PDFPage,
  input: PaperPageInput,
  { regular, bold, mono }: { regular: PDFFont; bold: PDFFont; mono: PDFFont },
): void {
  const width = A4[0] - 2 * MARGIN;
  let y = A4[1] - MARGIN;

  const line = (text: string, font: PDFFont, size: number, color = INK) => {
    for (const part of wrap(winAnsi(text), font, size, width)) {
      y -= size * 1.35;
      page.drawText(part, { x: MARGIN, y, size, font, color });
    }
  };

  line(`Tessera paper piece ${input.number}`, bold, 20);
  y -= 4;
  line(`Backup of ${input.ownerName}`, regular, 13);
  line(`Fingerprint: ${input.fingerprint}`, mono, 10, GREY);
  line(`Made on ${paperDate(input.createdAt)}`, regular, 11, GREY);
  y -= 6;
  line(
    `Any ${input.threshold} of the ${input.pieces} pieces of this backup restore it (friends' pieces and paper ` +
      `pieces alike). This page alone reveals nothing.`,
    regular,
    11,
  );
  y -= 10;

  const qrSize = 170;
  drawQr(page, input.words.join(' '), A4[0] - MARGIN - qrSize, y - qrSize, qrSize);
  drawWords(page, input.words, mono, bold, MARGIN, y, width - qrSize - 16);
  y -= Math.max(qrSize, Math.ceil(input.words.length / 2) * 16 + 40) + 16;

  line(PAPER_INSTRUCTION, bold, 11);
  y -= 4;
  line(
    'If you make a new backup, Tessera lists this page as void: destroy it then. Anyone who holds enough ' +
      'pieces, with one of your friends, can restore your vault: do not keep pages together.',
    regular,
    10,
    GREY,
  );
}

/** Two columns of numbered words, in groups of four (a pause for the eye while typing). */
function drawWords(
  page: PDFPage,
  words: readonly string[],
  mono: PDFFont,
  bold: PDFFont,
  x: number,
  top: number,
  width: number,
): void {
  const rows = Math.ceil(words.length / 2);
  const colWidth = Math.min(width / 2, 150);
  words.forEach((word, i) => {
    const col = i < rows ? 0 : 1;
    const row = col === 0 ? i : i - rows;
    const gap = Math.floor(row / 4) * 6;
    const yy = top - 14 - row * 14 - gap;
    const label = `${String(i + 1).padStart(2, ' ')}.`;
    page.drawText(label, { x: x + col * colWidth, y: yy, size: 10, font: mono, color: GREY });
    page.drawText(word, { x: x + col * colWidth + 26, y: yy, size: 11, font: bold, color: INK });
  });
}

function drawQr(page: PDFPage, text: string, x: number, y: number, size: number): void {
  const grid = encodeQR(text, 'raw', { ecc: 'medium', border: 2 });
  const cell = size / grid.length;
  grid.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (dark)
        page.drawRectangle({
          x: x + c * cell,
          y: y + size - (r + 1) * cell,
          width: cell,
          height: cell,
          color: rgb(0, 0, 0),
        });
    }),
  );
}

/** The standard fonts draw WinAnsi only: anything else (a name in another script) prints as "?". */
function winAnsi(text: string): string {
  return [...text].map((ch) => (/^[\x20-\x7e\u00a0-\u00ff]$/.test(ch) ? ch : '?')).join('');
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    const next = current ? `${current} ${word}` : word;
    if (current && font.widthOfTextAtSize(next, size) > width) {
      out.push(current);
      current = word;
    } else current = next;
  }
  if (current) out.push(current);
  return out;
}
