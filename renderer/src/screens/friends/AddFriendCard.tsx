import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { Friend } from '../../../../shared/api/ops/friends.ts';
import type { OpOutput } from '../../../../shared/api/contract.ts';
import { checkCodeEntry } from '../../../../shared/protocol/code-entry.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { QrScanner } from '../../components/QrScanner.tsx';

type Mode = 'choose' | 'scan' | 'rescan' | 'paste';
type PairResult = OpOutput<'friends.pair'>;

/** Add a friend from their invite: scan it with the camera or paste the text, then compare codes. */
export function AddFriendCard({ friends }: { friends: Friend[] }) {
  const [mode, setMode] = useState<Mode>('choose');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<PairResult | null>(null);
  const id = useId();

  const pair = async (code: string, from: Mode) => {
    // Checked here, where it was typed or scanned: the kind, the check digits and the expiry (nothing is sent).
    const entry = checkCodeEntry('invite', code, Date.now(), formatDate);
    if (!entry.ok) {
      setError(entry.message);
      // A scanned code that is wrong waits for "Scan again", so the camera does not read the same one forever.
      setMode(from === 'scan' ? 'rescan' : from);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setResult(await api().call('friends.pair', { code: code.trim() }));
      setText('');
      setMode('choose');
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(false);
  };

  const onPaste = (e: FormEvent) => {
    e.preventDefault();
    void pair(text, 'paste');
  };

  const paired = result && (result.state === 'paired' || friends.some((f) => f.peerId === result.peerId));
  // Names are chosen by each person and prove nothing: two friends may share one (or someone may copy a name).
  const namesakes = result
    ? friends.filter(
        (f) => f.peerId !== result.peerId && (f.chosenName === result.name || f.name === result.name),
      )
    : [];

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Add a friend
      </h2>
      {result && (
        <div className="pair-result" data-testid="pair-result">
          {paired ? (
            <p role="status" className="pair-result__done">
              You and {result.name} are now friends. Compare codes with them below before asking them to keep
              a piece.
            </p>
          ) : (
            <p role="status">
              Now let {result.name} add you: show them your invite. This finishes by itself once they do.
            </p>
          )}
          {namesakes.length > 0 && (
            <div className="note note--warn" data-testid="duplicate-name">
              <p>
                You already have a friend called {result.name}
                {namesakes.some((f) => f.nickname) &&
                  ` (you call them ${namesakes.map((f) => f.name).join(', ')})`}
                ; this is another device or person. Give one of them a nickname below so that you can tell
                them apart, and compare codes before trusting this one.
              </p>
            </div>
          )}
          <button type="button" className="button button--small" onClick={() => setResult(null)}>
            Add another friend
          </button>
        </div>
      )}
      {!result && mode === 'choose' && (
        <>
          <p className="muted">Use your friend’s invite: scan the code on their screen, or paste the text.</p>
          <div className="actions">
            <button type="button" className="button button--primary" onClick={() => setMode('scan')}>
              Scan their code
            </button>
            <button type="button" className="button" onClick={() => setMode('paste')}>
              Paste their invite
            </button>
          </div>
        </>
      )}
      {!result && mode === 'scan' && !busy && (
        <>
          <QrScanner
            label="Camera view for scanning your friend’s invite"
            onResult={(code) => void pair(code, 'scan')}
          />
          <div className="actions">
            <button type="button" className="button" onClick={() => setMode('paste')}>
              Paste instead
            </button>
            <button type="button" className="button button--ghost" onClick={() => setMode('choose')}>
              Cancel
            </button>
          </div>
        </>
      )}
      {!result && mode === 'rescan' && !busy && (
        <div className="actions">
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              setError(null);
              setMode('scan');
            }}
          >
            Scan again
          </button>
          <button type="button" className="button" onClick={() => setMode('paste')}>
            Paste instead
          </button>
        </div>
      )}
      {!result && mode === 'paste' && !busy && (
        <form onSubmit={onPaste} noValidate>
          <div className="field">
            <label className="field__label" htmlFor={`${id}-paste`}>
              Your friend’s invite
            </label>
            <textarea
              id={`${id}-paste`}
              className="input input--mono"
              rows={4}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setError(null);
              }}
              spellCheck={false}
              autoFocus
              placeholder="TESSERA:…"
              aria-invalid={error !== null}
              aria-describedby={error ? `${id}-error` : undefined}
            />
          </div>
          <div className="actions">
            <button type="submit" className="button button--primary">
              Add friend
            </button>
            <button type="button" className="button button--ghost" onClick={() => setMode('choose')}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {busy && <Busy label="Contacting your friend’s device…" />}
      {error && (
        <div id={`${id}-error`}>
          <ErrorNotice title="Your friend was not added" message={error} />
        </div>
      )}
    </section>
  );
}
