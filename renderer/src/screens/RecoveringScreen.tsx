import { useState } from 'react';
import { PageHeader } from '../components/PageHeader.tsx';
import { AppFooter } from '../components/AppFooter.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { api, errorMessage } from '../lib/api.ts';
import { useStatus } from '../lib/status.tsx';
import { RecoveryProgress } from './recovery/RecoveryProgress.tsx';

/** Shown while this device is in the middle of a recovery (state `recovering`). */
export function RecoveringScreen() {
  // A vault with an identity while recovering: its passphrase was forgotten and it is kept aside (PROTOCOL §11.6).
  const kept = useStatus().status.identity;
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      // The app returns to the first screen when the core reports the data dir empty again.
      await api().call('recovery.cancel', {});
    } catch (err) {
      setError(errorMessage(err));
      setAsking(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="first-run">
      <div className="first-run__panel first-run__panel--wide">
        <p className="app-brand" aria-hidden="true">
          Tessera
        </p>
        <PageHeader
          title="Recovering your vault"
          lead="This device is collecting pieces of your recovery key from your friends."
        />
        {kept && (
          <div className="note" role="note" data-testid="kept-vault-note">
            <p>
              {kept.name}'s vault is kept aside on this device, locked and untouched, until you restore it
              from your friends' pieces. If you stop, it comes back as it was.
            </p>
          </div>
        )}
        <RecoveryProgress />
        {error && <ErrorNotice message={error} />}
        <p>
          <button type="button" className="button" onClick={() => setAsking(true)}>
            Stop recovering
          </button>
        </p>
      </div>
      <ConfirmDialog
        open={asking}
        title="Stop recovering?"
        confirmLabel={kept ? 'Stop and keep my vault as it was' : 'Stop and delete what arrived'}
        danger
        busy={busy}
        onConfirm={() => void cancel()}
        onCancel={() => setAsking(false)}
      >
        The recovery code stops working and the pieces your friends already sent are deleted from this device.
        {kept
          ? ' Your vault comes back as it was: your old passphrase opens it. You can start recovering again later.'
          : ' You can then create a new vault, or start recovering again later.'}
      </ConfirmDialog>
      <AppFooter />
    </main>
  );
}
