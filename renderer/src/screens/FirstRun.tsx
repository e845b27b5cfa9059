import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../lib/api.ts';
import { isLongEnoughPassphrase, PASSPHRASE_TOO_SHORT } from '../../../shared/passphrase-rules.ts';
import { useNotices } from '../lib/events.tsx';
import { useStatus } from '../lib/status.tsx';
import { passphraseStrength, useStrengthDictionaries } from '../lib/strength.ts';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { TextField } from '../components/Field.tsx';
import { PassphraseField } from '../components/PassphraseField.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { AppFooter } from '../components/AppFooter.tsx';
import { StrengthMeter } from '../components/StrengthMeter.tsx';
import { RecoverStart } from './RecoverStart.tsx';
import './FirstRun.css';

type Step = 'welcome' | 'create' | 'recover';

/** The first screen on a new device: make a vault, or get one back from friends. */
export function FirstRun() {
  const [step, setStep] = useState<Step>('welcome');
  return (
    <main className="first-run">
      <div className={`first-run__panel ${step === 'recover' ? 'first-run__panel--wide' : ''}`}>
        <p className="app-brand" aria-hidden="true">
          Tessera
        </p>
        {step === 'welcome' && <Welcome onChoose={setStep} />}
        {step === 'create' && <CreateVault onBack={() => setStep('welcome')} />}
        {step === 'recover' && <RecoverStart onBack={() => setStep('welcome')} />}
      </div>
      <AppFooter />
    </main>
  );
}

function Welcome({ onChoose }: { onChoose(step: Step): void }) {
  return (
    <>
      <PageHeader
        title="Welcome to Tessera"
        lead="A private vault for your passwords and notes. Its backup is kept safe by friends you trust: each holds one piece of your recovery key, and no single friend can open it."
      />
      <div className="first-run__choices">
        <button type="button" className="choice" onClick={() => onChoose('create')}>
          <span className="choice__title">Create a new vault</span>
          <span className="choice__text">Start fresh on this device.</span>
        </button>
        <button type="button" className="choice" onClick={() => onChoose('recover')}>
          <span className="choice__title">Recover my vault</span>
          <span className="choice__text">
            Lost your device? Get your vault back with help from your friends.
          </span>
        </button>
      </div>
    </>
  );
}

function CreateVault({ onBack }: { onBack(): void }) {
  const { status: current, setStatus } = useStatus();
  const { notify } = useNotices();
  const keychainAvailable = current.keychain.available;
  const [useKeychain, setUseKeychain] = useState(false);
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const nameError = submitted && !name.trim() ? 'Enter the name your friends know you by.' : null;
  const passError = submitted && !isLongEnoughPassphrase(passphrase) ? PASSPHRASE_TOO_SHORT : null;
  const confirmError =
    submitted && confirm !== passphrase ? 'The two passphrases are not the same. Type it again.' : null;
  const checked = useStrengthDictionaries();
  const weak = checked && isLongEnoughPassphrase(passphrase) && passphraseStrength(passphrase).score < 2;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setError(null);
    if (!name.trim() || !isLongEnoughPassphrase(passphrase) || confirm !== passphrase) return;
    setBusy(true);
    try {
      let status = await api().call('vault.create', { name: name.trim(), passphrase });
      if (useKeychain) {
        try {
          status = await api().call('vault.keychain.enable', {});
        } catch (err) {
          notify(
            'Your vault was created, but the keychain was not set up',
            `${errorMessage(err)} You can try again in Settings; your passphrase works either way.`,
          );
        }
      }
      setStatus(status);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Create your vault"
        takeFocus={false}
        lead="Choose a passphrase you will remember. Tessera never stores it and cannot reset it."
      />
      <form onSubmit={(e) => void onSubmit(e)} noValidate aria-describedby="create-note">
        <TextField
          label="Your name"
          hint="Shown to friends when you connect, so they know it is you."
          value={name}
          onChange={(e) => setName(e.target.value)}
          autoComplete="name"
          maxLength={64}
          error={nameError}
          autoFocus
          disabled={busy}
        />
        <PassphraseField
          label="Passphrase"
          value={passphrase}
          onChange={setPassphrase}
          autoComplete="new-password"
          error={passError}
          hint={<StrengthMeter passphrase={passphrase} />}
        />
        <PassphraseField
          label="Type the passphrase again"
          toggleName="repeated passphrase"
          value={confirm}
          onChange={setConfirm}
          autoComplete="new-password"
          error={confirmError}
        />
        {keychainAvailable && (
          <label className="check first-run__keychain">
            <input type="checkbox" checked={useKeychain} onChange={(e) => setUseKeychain(e.target.checked)} />
            <span>
              Also unlock with this computer’s keychain
              <span className="muted settings__check-hint">
                Tessera opens without your passphrase while you are logged in to this computer. Your
                passphrase keeps working.
              </span>
            </span>
          </label>
        )}
        {weak && (
          <div className="note note--warn">
            <p>
              This passphrase is easy to guess. You can still use it, but a longer one protects you better.
            </p>
          </div>
        )}
        <p id="create-note" className="muted">
          If you ever forget it, friends holding your backup can help you recover the vault.
        </p>
        {error && <ErrorNotice title="Your vault was not created" message={error} />}
        {busy ? (
          <Busy label="Creating your vault and its keys… this takes a few seconds." />
        ) : (
          <div className="actions">
            <button type="submit" className="button button--primary">
              Create vault
            </button>
            <button type="button" className="button button--ghost" onClick={onBack}>
              Back
            </button>
          </div>
        )}
      </form>
    </>
  );
}
