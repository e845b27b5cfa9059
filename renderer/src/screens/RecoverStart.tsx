import { PageHeader } from '../components/PageHeader.tsx';

/**
 * "Recover my vault" on a new device. The recovery operations are not in the contract yet; until they are, this
 * explains the process honestly instead of offering a button that cannot work.
 */
export function RecoverStart({ onBack }: { onBack(): void }) {
  return (
    <>
      <PageHeader
        title="Recover my vault"
        lead="Your friends each hold one piece of your recovery key. When enough of them are with you, this device can put the pieces together and bring your vault back."
      />
      <ol className="steps">
        <li>Meet your friends in person, on the same network as this device.</li>
        <li>This device shows a code. Each friend scans it with Tessera and confirms it is really you.</li>
        <li>When enough pieces have arrived, you choose a new passphrase and your vault is back.</li>
      </ol>
      <div className="note note--warn" role="status">
        <p>Recovery is not available in this version of Tessera yet.</p>
      </div>
      <div className="actions">
        <button type="button" className="button" onClick={onBack}>
          Back
        </button>
      </div>
    </>
  );
}
