import { useId, useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { copyPlain } from '../../lib/clipboard.ts';
import { formatDate } from '../../lib/format.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { QrCode } from '../../components/QrCode.tsx';

/** My invite, as a QR code to scan and as text to send. */
export function InviteCard() {
  const [invite, setInvite] = useState<{ code: string; expiresAt: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const id = useId();

  const create = async () => {
    setBusy(true);
    setError(null);
    setCopied(null);
    try {
      setInvite(await api().call('friends.invite', {}));
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(false);
  };

  const copy = async () => {
    if (!invite) return;
    try {
      await copyPlain(invite.code);
      setCopied('Invite copied. Send it to your friend, then add theirs.');
    } catch (err) {
      setCopied(errorMessage(err));
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Your invite
      </h2>
      {!invite && (
        <>
          <p className="muted">
            Show your friend this code to scan with Tessera, or send them the text. They show you theirs too.
          </p>
          {busy ? (
            <Busy label="Making an invite…" />
          ) : (
            <button type="button" className="button button--primary" onClick={() => void create()}>
              Show my invite
            </button>
          )}
        </>
      )}
      {invite && (
        <div className="invite">
          <QrCode text={invite.code} label="Your invite as a QR code" />
          <label className="field__label" htmlFor={`${id}-text`}>
            Invite as text
          </label>
          <textarea
            id={`${id}-text`}
            className="input input--mono invite__text"
            readOnly
            value={invite.code}
            rows={4}
            data-testid="invite-text"
            onFocus={(e) => e.currentTarget.select()}
          />
          <p className="muted">Valid until {formatDate(invite.expiresAt)}.</p>
          <div className="actions">
            <button type="button" className="button" onClick={() => void copy()}>
              Copy invite
            </button>
            <button type="button" className="button button--ghost" onClick={() => void create()}>
              New invite
            </button>
          </div>
          {copied && (
            <p className="muted" role="status">
              {copied}
            </p>
          )}
        </div>
      )}
      {error && <ErrorNotice title="No invite was made" message={error} />}
    </section>
  );
}
