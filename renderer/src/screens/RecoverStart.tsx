import { PageHeader } from '../components/PageHeader.tsx';
import { RecoveryProgress } from './recovery/RecoveryProgress.tsx';

/** "Recover my vault" on a new device: explain, choose a passphrase, then show the code for friends to scan. */
export function RecoverStart({ onBack }: { onBack(): void }) {
  return (
    <>
      <PageHeader
        title="Recover my vault"
        takeFocus={false}
        lead="Your friends each hold one piece of your recovery key. When enough of them send theirs, this device puts the pieces together and brings your vault back."
      />
      <ol className="steps">
        <li>
          Say where your friends are. With you or on the same Wi-Fi, their Tessera sends its piece straight to
          this device. Elsewhere, you send them a code, call them to compare numbers, and each piece arrives
          after a waiting period.
        </li>
        <li>Choose a passphrase. This device then shows a code.</li>
        <li>
          Each friend scans or enters the code with Tessera, checks the numbers match, and sends their piece.
        </li>
      </ol>
      <RecoveryProgress />
      <div className="actions">
        <button type="button" className="button button--ghost" onClick={onBack}>
          Back
        </button>
      </div>
    </>
  );
}
