/**
 * `tessera backup create --paper N [--paper-out FILE]`: the paper pieces just made (PROTOCOL §4.4), which the core
 * returns once and never stores. Their pages go to one PDF (a page per piece, shared/paper/paper-page.ts, the same
 * page the backup wizard prints), written only as a new file, readable by its owner alone.
 */
import { writeFile } from 'node:fs/promises';
import type { PaperPieceWords } from '../../shared/api/ops/backup.ts';
import { paperDate } from '../../shared/paper/paper-text.ts';
import { TesseraError } from '../../shared/errors.ts';

export async function writePaperPages(file: string, pieces: readonly PaperPieceWords[]): Promise<void> {
  // pdf-lib is loaded here, on first use: `tessera serve` never needs it (docs/PERFORMANCE.md, "Idle").
  const { paperPagesPdf } = await import('../../shared/paper/paper-page.ts');
  const pdf = await paperPagesPdf(pieces);
  try {
    await writeFile(file, pdf, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TesseraError(
      code === 'EEXIST' ? 'CONFLICT' : 'BAD_REQUEST',
      code === 'EEXIST'
        ? `${file} already exists and was left as it is. The backup was made: print its paper pieces from the words below, or make the backup again with another --paper-out file (the words above stop working then).`
        : `Could not write the paper pieces to ${file}: ${(err as Error).message}. The backup was made: write down the words below, or make the backup again.`,
    );
  }
}

/** The words as the terminal shows them: numbered, four to a line, under the piece's heading. */
export function describePaperPieces(pieces: readonly PaperPieceWords[]): string {
  return pieces
    .map((p) => {
      const lines: string[] = [];
      for (let i = 0; i < p.words.length; i += 4)
        lines.push(
          p.words
            .slice(i, i + 4)
            .map((w, j) => `${String(i + j + 1).padStart(2)}. ${w.padEnd(10)}`)
            .join(' ')
            .trimEnd(),
        );
      return [
        `Paper piece ${p.number} (made ${paperDate(p.createdAt)}; any ${p.threshold} of ${p.pieces} pieces restore):`,
        ...lines.map((l) => `  ${l}`),
      ].join('\n');
    })
    .join('\n\n');
}
