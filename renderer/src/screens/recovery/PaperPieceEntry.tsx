import { useState } from 'react';
import type { RecoveryStatus } from '../../../../shared/api/ops/recovery.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';

const PAPER_WORDS: Record<NonNullable<RecoveryStatus['paper']>[number]['state'], string> = {
  added: 'Read and checked: is this your page?',
  counted: 'Counts as one piece',
  waiting: "Waits for a friend's piece of the same backup",
  bad: 'Does not fit with your friends’ pieces',
};

/**
 * A paper piece typed in (or the text of its QR pasted), PROTOCOL §11.8: a mistyped word is named at once; a
 * readable piece counts once the person says it is their page, as friends' pieces count once their code is confirmed.
 */
export function PaperPieceEntry({ status, onChange }: { status: RecoveryStatus; onChange(): void }) {
  const [words, setWords] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onChange();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="recovery__paper" aria-label="Paper pieces">
      <h3>Have a paper piece?</h3>
      {(status.paper ?? []).length > 0 && (
        <ul className="recovery__custodians" aria-label="Paper pieces added">
          {(status.paper ?? []).map((p) => (
            <li key={p.id} className="recovery__custodian" data-state={p.state} data-testid="recovery-paper">
              <span className="recovery__custodian-name">Paper piece {p.number}</span>
              <span className="muted">any {p.threshold} pieces restore</span>
              <span>{PAPER_WORDS[p.state]}</span>
              {p.problem && <span className="recovery__bad">{p.problem}</span>}
              {!p.confirmed && (
                <span className="row">
                  <button
                    type="button"
                    className="button button--small"
                    disabled={busy}
                    onClick={() =>
                      void run(() => api().call('recovery.judgePaper', { id: p.id, match: true }))
                    }
                  >
                    This is my page
                  </button>
                  <button
                    type="button"
                    className="button button--small"
                    disabled={busy}
                    onClick={() =>
                      void run(() => api().call('recovery.judgePaper', { id: p.id, match: false }))
                    }
                  >
                    Remove it
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api().call('recovery.addPaper', { words })).then((ok) => ok && setWords(''));
        }}
      >
        <label className="field">
          <span>Type its 43 words (or paste the text of its QR code)</span>
          <textarea
            value={words}
            rows={4}
            spellCheck={false}
            autoComplete="off"
            data-testid="paper-words-input"
            onChange={(e) => setWords(e.target.value)}
          />
        </label>
        {error && <ErrorNotice title="That paper piece could not be read" message={error} />}
        <button type="submit" className="button" disabled={busy || words.trim() === ''}>
          Add paper piece
        </button>
      </form>
    </section>
  );
}
