import { PageHeader } from '../../components/PageHeader.tsx';
import { useStatus } from '../../lib/status.tsx';
import { RecoverPassphraseForm } from './RecoverPassphraseForm.tsx';

/**
 * "Forgot your passphrase?" on the unlock screen: recover this device's own vault with friends (PROTOCOL §11.6).
 * The locked vault is kept aside, untouched, until the friends' pieces restore it; stopping brings it back.
 */
export function ForgotPassphrase({ onBack }: { onBack(): void }) {
  const { status, refresh } = useStatus();
  const owner = status.identity?.name;
  return (
    <>
      <PageHeader
        title="Recover your vault with your friends"
        lead={`Your friends each hold one piece of ${owner ? `${owner}'s` : 'your'} recovery key. Together they can give you back this vault, with a new passphrase.`}
      />
      <div className="note" role="note" data-testid="kept-vault-note">
        <p>
          Your vault stays on this device as it is, locked and untouched, while your friends help. It is
          replaced only when you restore it from their pieces. If you stop the recovery, it comes back and
          your old passphrase still opens it.
        </p>
      </div>
      <ol className="steps">
        <li>Meet your friends in person, on the same network as this device.</li>
        <li>Choose a new passphrase. This device then shows a code.</li>
        <li>Each friend scans the code with Tessera, checks the numbers match, and sends their piece.</li>
      </ol>
      <p className="muted">
        What you added since your last backup reached your friends can only be opened with the old passphrase.
      </p>
      <RecoverPassphraseForm mode="start" forgot onStarted={() => void refresh()} />
      <div className="actions">
        <button type="button" className="button button--ghost" onClick={onBack}>
          Back to unlock
        </button>
      </div>
    </>
  );
}
