import { useState } from 'react';
import type { PaperPieceWords } from '../../../../shared/api/ops/backup.ts';
import { paperPagePdf } from '../../../../shared/paper/paper-page.ts';
import { paperDate, PAPER_INSTRUCTION } from '../../../../shared/paper/paper-text.ts';
import { errorMessage } from '../../lib/api.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';

/**
 * The paper pieces just made (PROTOCOL §4.4), shown this once: their words, and their page as a PDF to print or keep
 * (made here by the same module as `tessera backup create --paper-out`). Nothing of them is stored.
 */
export function PaperPieces({ pieces, onDone }: { pieces: PaperPieceWords[]; onDone(): void }) {
  const [error, setError] = useState<string | null>(null);
  const save = async (piece: PaperPieceWords) => {
    setError(null);
    try {
      const pdf = await paperPagePdf(piece);
      const url = URL.createObjectURL(
        new Blob([pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = `tessera-paper-piece-${piece.number}-${paperDate(piece.createdAt)}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <div data-testid="paper-pieces">
      <h2 className="card__title">Print your paper {pieces.length === 1 ? 'piece' : 'pieces'} now</h2>
      <p>
        These words are shown only this once. {PAPER_INSTRUCTION} Keep each page in a different place from the
        others.
      </p>
      {error && <ErrorNotice title="The page was not made" message={error} />}
      {pieces.map((piece) => (
        <section key={piece.number} className="paper-piece" aria-label={`Paper piece ${piece.number}`}>
          <h3 className="backup__subtitle">
            Paper piece {piece.number} · any {piece.threshold} of {piece.pieces} pieces restore
          </h3>
          <ol className="paper-piece__words mono" data-testid="paper-words">
            {piece.words.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ol>
          <button type="button" className="button" onClick={() => void save(piece)}>
            Print / save PDF
          </button>
        </section>
      ))}
      <div className="actions">
        <button type="button" className="button button--primary" onClick={onDone}>
          I have printed {pieces.length === 1 ? 'it' : 'them'}
        </button>
      </div>
    </div>
  );
}
