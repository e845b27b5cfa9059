import { PaperPieceEntry } from './PaperPieceEntry.tsx';
import { useCallback, useEffect, useState } from 'react';
import type { RecoveryStatus } from '../../../../shared/api/ops/recovery.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { copyPlain } from '../../lib/clipboard.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { formatDate } from '../../lib/format.ts';
import { useStatus } from '../../lib/status.tsx';
import { useLoad } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { QrCode } from '../../components/QrCode.tsx';
import { RecoverPassphraseForm } from './RecoverPassphraseForm.tsx';
import './Recovery.css';

type Custodian = RecoveryStatus['custodians'][number];

/** What a helping friend's row says, by state (PROTOCOL §11.3): declined and expired name the friend. */
const PIECE_WORDS: Record<Custodian['state'], (name: string) => string> = {
  connected: () => 'Connected; waiting for them to approve',
  received: () => 'Piece received',
  verified: () => 'Piece received and checked',
  bad: () => 'Their piece could not be used',
  rejected: () => 'You said the codes did not match; their piece was deleted',
  declined: (name) => `${name} said the codes did not match; nothing was sent`,
  expired: (name) => `${name}'s approval expired; nothing was sent. They can enter the code again.`,
  waiting: (name) => `${name} approved; their piece comes after the waiting period`,
  withdrew: (name) => `${name} withdrew during the waiting period; nothing was sent`,
  stopped: (name) => `${name}'s Tessera says your old device stopped this recovery; nothing will be sent`,
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

  const [acting, setActing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setActing(true);
    setActionError(null);
    try {
      await fn();
      reload();
    } catch (err) {
      setActionError(errorMessage(err));
    }
    setActing(false);
  };

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
      {(status.state === 'collecting' || status.state === 'conflict') && status.code && (
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
              <CopyCode text={status.code} />
            </details>
            {status.expiresAt && <p className="muted">Valid until {formatDate(status.expiresAt)}.</p>}
          </div>
        </div>
      )}
      <div className="recovery__count" role="status" aria-live="polite">
        <p className="recovery__have" data-testid="recovery-count">
          {need > 0 ? `${status.have} of ${need} confirmed pieces` : `${status.have} confirmed pieces so far`}
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
      {status.state === 'ready' && status.vault && (
        <section
          className="card recovery__vault"
          data-testid="recovery-vault"
          aria-label="Whose vault this is"
        >
          <h2 className="card__title">Is this your vault?</h2>
          <dl className="facts">
            <dt>Name</dt>
            <dd data-testid="recovery-vault-name">{status.vault.name}</dd>
            <dt>Fingerprint</dt>
            <dd className="mono">{status.vault.fingerprint}</dd>
            <dt>Friends</dt>
            <dd>{status.vault.friends.length ? status.vault.friends.join(', ') : 'none'}</dd>
            <dt>Items</dt>
            <dd>{status.vault.items}</dd>
          </dl>
          <p>Restore it only if this is you: your name, your friends and about as many items as you kept.</p>
          {status.keptVault && (
            <p data-testid="recovery-replaces">
              It replaces the locked vault on this device. It is the same identity, so your friends and the
              pieces you hold for them carry on.
            </p>
          )}
          <button
            type="button"
            className="button button--primary"
            disabled={acting}
            onClick={() => void act(() => api().call('recovery.finish', {}))}
          >
            Restore this vault
          </button>
        </section>
      )}
      {actionError && <ErrorNotice message={actionError} />}
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
              <span
                className={c.state === 'bad' || c.state === 'declined' ? 'recovery__bad' : ''}
                data-testid="recovery-custodian-state"
              >
                {PIECE_WORDS[c.state](c.name)}
              </span>
              {c.problem && <span className="recovery__bad">{c.problem}</span>}
              {c.confirmed && <span className="recovery__confirmed">✓ Code confirmed</span>}
              {!c.confirmed && c.state !== 'rejected' && c.state !== 'declined' && c.state !== 'expired' && (
                <span className="row">
                  <button
                    type="button"
                    className="button button--small"
                    disabled={acting}
                    aria-label={`${c.name}'s screen shows ${c.comparisonCode}`}
                    onClick={() =>
                      void act(() => api().call('recovery.judge', { peerId: c.peerId, match: true }))
                    }
                  >
                    Their screen shows {c.comparisonCode}
                  </button>
                  <button
                    type="button"
                    className="button button--small"
                    disabled={acting}
                    aria-label={`${c.name}'s code does not match`}
                    onClick={() =>
                      void act(() => api().call('recovery.judge', { peerId: c.peerId, match: false }))
                    }
                  >
                    It does not match
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {(status.state === 'collecting' || status.state === 'conflict') && (
        <PaperPieceEntry status={status} onChange={reload} />
      )}
      {status.custodians.length > 0 && (
        <p className="muted">
          A piece counts only once you have checked, with that friend, that their screen shows the same code
          as here. Someone you do not know is not your friend, whatever name they give: say it does not match.
        </p>
      )}
    </div>
  );
}

/** Copies the recovery code as text (for a friend who helps from elsewhere), and says how that went. */
function CopyCode({ text }: { text: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await copyPlain(text);
      setSaid('Code copied. Send it to your friend, then compare the numbers on a call.');
    } catch (err) {
      setSaid(errorMessage(err));
    }
  };
  return (
    <div className="actions">
      <button type="button" className="button" onClick={() => void copy()}>
        Copy code
      </button>
      {said && (
        <p className="muted" role="status">
          {said}
        </p>
      )}
    </div>
  );
}
