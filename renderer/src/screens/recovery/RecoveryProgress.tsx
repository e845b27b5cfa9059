import { PaperPieceEntry } from './PaperPieceEntry.tsx';
import { useCallback, useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { RecoveryStatus } from '../../../../shared/api/ops/recovery.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { formatDate, pathWords } from '../../lib/format.ts';
import {
  INVITE_PREFIX,
  RECOVERY_CODE_PREFIX,
  REPLY_CODE_PREFIX,
} from '../../../../shared/protocol/code-prefixes.ts';
import { useStatus } from '../../lib/status.tsx';
import { useLoad } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { QrCode } from '../../components/QrCode.tsx';
import { CopyText } from '../../components/CopyText.tsx';
import { Countdown, useNow } from '../../components/Countdown.tsx';
import { RecoverPassphraseForm } from './RecoverPassphraseForm.tsx';
import './Recovery.css';

type Custodian = RecoveryStatus['custodians'][number];

/** What a helping friend's row says, by state (PROTOCOL §11.3, §11.7): declined and expired name the friend. */
const PIECE_WORDS: Record<Custodian['state'], (name: string) => string> = {
  connected: () => 'Connected; waiting for them to approve',
  received: () => 'Piece received',
  verified: () => 'Piece received and checked',
  bad: () => 'Their piece could not be used',
  rejected: () => 'You said the codes did not match; their piece was deleted',
  declined: (name) => `${name} said the codes did not match; nothing was sent`,
  expired: (name) => `${name}'s approval expired; nothing was sent. They can enter the code again.`,
  waiting: (name) => `${name} approved; their piece arrives after the waiting period`,
  withdrew: (name) => `${name} withdrew during the waiting period; nothing was sent`,
  stopped: (name) =>
    `${name}'s Tessera says the owner's own device stopped this recovery; nothing will be sent`,
};

/** States after which a friend's code no longer needs comparing: nothing more will come from them. */
const ENDED: ReadonlySet<Custodian['state']> = new Set([
  'rejected',
  'declined',
  'expired',
  'withdrew',
  'stopped',
]);

/** The new device during recovery: its code for friends, and how many pieces have arrived. */
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
  const remote = status.remote === true;
  // Once the owner's device stopped it, asking more friends is pointless: no code or reply box is offered.
  const open = (status.state === 'collecting' || status.state === 'conflict') && !status.stopped;
  const named = new Set(status.custodians.map((c) => c.peerId));
  const unnamedReplies = (status.replies ?? []).filter((r) => !named.has(r.peerId));
  return (
    <div className="recovery" data-testid="recovery-progress">
      {status.stopped && (
        <div className="recovery__stopped" role="alert" data-testid="recovery-stopped">
          <p className="recovery__stopped-title">This recovery was stopped</p>
          <p>{status.stopped}</p>
        </div>
      )}
      {open && status.code && remote && <RemoteCode code={status.code} expiresAt={status.expiresAt} />}
      {open && status.code && !remote && (
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
              <CopyText
                text={status.code}
                done="Code copied. Send it to your friend, then compare the numbers on a call."
              />
            </details>
            {status.expiresAt && <p className="muted">Valid until {formatDate(status.expiresAt)}.</p>}
          </div>
        </div>
      )}
      {open && remote && <ReplyEntry onAdded={reload} />}
      {unnamedReplies.length > 0 && (
        <ul className="recovery__replies" aria-label="Reply codes entered" data-testid="recovery-replies">
          {unnamedReplies.map((r) => (
            <li key={r.peerId} className="muted">
              A friend whose reply code you entered: {pathWords(r.path)}
              {r.path ? '; waiting for them to say who they are' : '; trying again'}
            </li>
          ))}
        </ul>
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
                <PieceState custodian={c} />
              </span>
              {(remote || c.path) && !ENDED.has(c.state) && (
                <span className="muted" data-testid="recovery-custodian-path">
                  {pathWords(c.path)}
                </span>
              )}
              {c.problem && <span className="recovery__bad">{c.problem}</span>}
              {c.confirmed && <span className="recovery__confirmed">✓ Code confirmed</span>}
              {!c.confirmed && !ENDED.has(c.state) && (
                <>
                  {remote && (
                    <span className="recovery__call" data-testid="recovery-call">
                      Compare this code with {c.name} aloud, on a voice or video call where you know their
                      voice: their screen must show {c.comparisonCode}. A message is not enough.
                    </span>
                  )}
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
                </>
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
          as here{remote ? ', read aloud on a call' : ''}. Someone you do not know is not your friend,
          whatever name they give: say it does not match.
        </p>
      )}
    </div>
  );
}

/** A friend's state in words; while their piece waits, a live countdown to when it comes. */
function PieceState({ custodian: c }: { custodian: Custodian }) {
  const now = useNow();
  if (c.state !== 'waiting' || c.releaseAt === undefined) return <>{PIECE_WORDS[c.state](c.name)}</>;
  if (c.releaseAt <= now) {
    // Past the wait, a piece still goes only once enough friends' approvals stand (PROTOCOL §11.7).
    return (
      <span className="recovery__waiting">
        {c.name}'s waiting period is over; their piece comes once enough friends have approved
      </span>
    );
  }
  return (
    <span className="recovery__waiting">
      {c.name}'s piece arrives <Countdown until={c.releaseAt} testId="recovery-countdown" />
    </span>
  );
}

/** A remote session's code: as text to send (and a QR code), with how to send it. */
function RemoteCode({ code, expiresAt }: { code: string; expiresAt: number | null }) {
  return (
    <section className="recovery__remote-code" aria-labelledby="remote-code-title">
      <h2 className="card__title" id="remote-code-title">
        Send this code to each friend who keeps a piece
      </h2>
      <p>
        Send it through a channel you trust: a message app or an email where you know it is really them. They
        enter it under <strong>Help a friend recover</strong>, and their Tessera then shows a reply code for
        you.
      </p>
      <textarea
        className="input input--mono recovery__text"
        readOnly
        rows={4}
        value={code}
        aria-label="Recovery code to send"
        data-testid="recovery-code-text"
      />
      <CopyText
        text={code}
        done="Code copied. Send it to your friend through a channel you trust, then call them to compare numbers."
      />
      <details>
        <summary>Show it as a QR code</summary>
        <QrCode text={code} label="Recovery code as a QR code" />
      </details>
      {expiresAt && <p className="muted">Valid until {formatDate(expiresAt)}.</p>}
    </section>
  );
}

/** What a person might paste instead of a reply code, and what to say about it. */
function replyCodeProblem(text: string): string | null {
  const upper = text.trim().toUpperCase();
  if (!upper) return 'Paste the reply code your friend sent you first.';
  if (upper.startsWith(RECOVERY_CODE_PREFIX))
    return 'That is this device’s own recovery code. Enter the reply code your friend’s Tessera shows.';
  if (upper.startsWith(INVITE_PREFIX) && !upper.startsWith(REPLY_CODE_PREFIX))
    return 'That is an invitation to become friends, not a reply code. Enter the reply code your friend’s Tessera shows.';
  return null;
}

/** "Enter a friend's reply code": this device then connects to that friend, wherever they are. */
function ReplyEntry({ onAdded }: { onAdded(): void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    const problem = replyCodeProblem(text);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api().call('recovery.reply', { code: text.trim() });
      setText('');
      setAdded('Reply code added. This device now connects to your friend; their name appears below.');
      onAdded();
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(false);
  };
  return (
    <form className="recovery__reply" onSubmit={(e) => void submit(e)} noValidate>
      <div className="field">
        <label className="field__label" htmlFor={id}>
          Enter a friend’s reply code
        </label>
        <p className="field__hint muted" id={`${id}-hint`}>
          Once your friend enters your code, their Tessera shows a reply code. They send it to you or read it
          out; enter it here so this device can reach them.
        </p>
        <div className="recovery__reply-row">
          <textarea
            id={id}
            className="input input--mono"
            rows={2}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setError(null);
            }}
            spellCheck={false}
            aria-invalid={error !== null}
            aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
          />
          <button type="submit" className="button" disabled={busy}>
            Add reply code
          </button>
        </div>
      </div>
      {error && (
        <div id={`${id}-error`}>
          <ErrorNotice title="This reply code cannot be used" message={error} />
        </div>
      )}
      <p className="muted" role="status">
        {added}
      </p>
    </form>
  );
}
