import { useCallback, useEffect } from 'react';
import type { RecoveryStatus } from '../../../../shared/api/ops/recovery.ts';
import { api } from '../../lib/api.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { formatDate } from '../../lib/format.ts';
import { useStatus } from '../../lib/status.tsx';
import { useLoad } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { QrCode } from '../../components/QrCode.tsx';
import { RecoverPassphraseForm } from './RecoverPassphraseForm.tsx';
import './Recovery.css';

const PIECE_WORDS: Record<RecoveryStatus['custodians'][number]['state'], string> = {
  connected: 'Connected; waiting for them to approve',
  received: 'Piece received',
  verified: 'Piece received and checked',
  bad: 'Their piece could not be used',
};

/** The new device during recovery: its code for friends to scan, and how many pieces have arrived. */
export function RecoveryProgress() {
  const version = useTopicVersion('recovery');
  const { refresh } = useStatus();
  const load = useCallback(() => api().call('recovery.status', {}), []);
  const { data: status, error, reload } = useLoad(load, version);

  // Events drive updates; a slow poll covers a dropped event stream.
  useEffect(() => {
    const id = setInterval(reload, 3000);
    return () => clearInterval(id);
  }, [reload]);

  useEffect(() => {
    if (status?.state === 'restored') void refresh();
  }, [status?.state, refresh]);

  if (error) return <ErrorNotice message={error} onRetry={reload} />;
  if (!status) return <Busy label="Reading recovery progress…" />;

  if (status.state === 'needs-passphrase') {
    return (
      <>
        <p>
          Tessera was restarted during your recovery. Type the passphrase you chose for your recovered vault
          to continue.
        </p>
        <RecoverPassphraseForm mode="resume" onStarted={reload} />
      </>
    );
  }
  if (status.state === 'none') {
    return <RecoverPassphraseForm mode="start" onStarted={reload} />;
  }

  const need = status.need;
  return (
    <div className="recovery" data-testid="recovery-progress">
      {status.state === 'collecting' && status.code && (
        <div className="recovery__code">
          <QrCode text={status.code} label="Recovery code for your friends to scan" />
          <div>
            <p>
              Ask each friend to open Tessera, choose <strong>Help a friend recover</strong>, and scan this
              code.
            </p>
            <details>
              <summary>Show the code as text</summary>
              <textarea
                className="input input--mono recovery__text"
                readOnly
                rows={4}
                value={status.code}
                aria-label="Recovery code as text"
                data-testid="recovery-code-text"
              />
            </details>
            {status.expiresAt && <p className="muted">Valid until {formatDate(status.expiresAt)}.</p>}
          </div>
        </div>
      )}
      <div className="recovery__count" role="status" aria-live="polite">
        <p className="recovery__have" data-testid="recovery-count">
          {need > 0 ? `${status.have} of ${need} pieces` : `${status.have} pieces so far`}
        </p>
        {need > 0 ? (
          <progress value={Math.min(status.have, need)} max={need} aria-label="Pieces received" />
        ) : (
          <progress aria-label="Waiting for the first piece" />
        )}
        <p className="recovery__message" data-testid="recovery-message">
          {status.message}
        </p>
      </div>
      {status.state === 'restoring' && <Busy label="Putting the pieces together and restoring your vault…" />}
      {status.state === 'restored' && (
        <p className="recovery__done" role="status">
          Your vault is back. Opening it…
        </p>
      )}
      {status.error && <ErrorNotice title="Something went wrong with a piece" message={status.error} />}
      {status.custodians.length > 0 && (
        <ul className="recovery__custodians" aria-label="Friends helping">
          {status.custodians.map((c) => (
            <li key={c.peerId} className="recovery__custodian" data-state={c.state}>
              <span className="recovery__custodian-name">{c.name}</span>
              <span className="muted">
                Code <span className="mono">{c.comparisonCode}</span>
              </span>
              <span className={c.state === 'bad' ? 'recovery__bad' : ''}>{PIECE_WORDS[c.state]}</span>
              {c.problem && <span className="recovery__bad">{c.problem}</span>}
            </li>
          ))}
        </ul>
      )}
      {status.custodians.length > 0 && (
        <p className="muted">Each friend’s screen shows the same code as here. Check it with them.</p>
      )}
    </div>
  );
}
