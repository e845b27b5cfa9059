import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../lib/api.ts';
import { useStatus } from '../lib/status.tsx';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PassphraseField } from '../components/PassphraseField.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { AppFooter } from '../components/AppFooter.tsx';
import { ForgotPassphrase } from './recovery/ForgotPassphrase.tsx';

/** Why the vault is locked, when the person did not just lock it themselves. */
export type LockReason = 'auto' | 'idle' | null;

export function Unlock({ reason }: { reason: LockReason }) {
  const { status, setStatus } = useStatus();
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [forgot, setForgot] = useState(false);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!passphrase) {
      setError('Type your passphrase to unlock.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const next = await api().call('vault.unlock', { passphrase });
      setPassphrase('');
      setStatus(next);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  const owner = status.identity?.name;
  if (forgot) {
    return (
      <main className="first-run">
        <div className="first-run__panel first-run__panel--wide">
          <p className="app-brand" aria-hidden="true">
            Tessera
          </p>
          <ForgotPassphrase onBack={() => setForgot(false)} />
        </div>
        <AppFooter />
      </main>
    );
  }
  return (
    <main className="first-run">
      <div className="first-run__panel">
        <p className="app-brand" aria-hidden="true">
          Tessera
        </p>
        <PageHeader
          title="Unlock your vault"
          takeFocus={false}
          lead={owner ? `This vault belongs to ${owner}.` : 'Type your passphrase to open your vault.'}
        />
        {reason && (
          <div className="note" role="status" data-testid="lock-reason">
            <p>
              {reason === 'idle'
                ? 'Tessera locked itself because it was not used for a while. Your data is safe.'
                : 'Your vault was locked, after a while without use or from another window. Your data is safe.'}
            </p>
          </div>
        )}
        <form onSubmit={(e) => void onSubmit(e)} noValidate>
          <PassphraseField
            label="Passphrase"
            value={passphrase}
            onChange={setPassphrase}
            autoComplete="current-password"
            autoFocus
          />
          {error && <ErrorNotice message={error} />}
          {busy ? (
            <Busy label="Unlocking…" />
          ) : (
            <div className="actions">
              <button type="submit" className="button button--primary">
                Unlock
              </button>
            </div>
          )}
        </form>
        <p>
          <button type="button" className="button button--ghost" onClick={() => setForgot(true)}>
            Forgot your passphrase?
          </button>
        </p>
      </div>
      <AppFooter />
    </main>
  );
}
