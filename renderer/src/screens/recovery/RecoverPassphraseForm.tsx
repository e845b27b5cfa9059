import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import { isLongEnoughPassphrase, PASSPHRASE_TOO_SHORT } from '../../../../shared/passphrase-rules.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { PassphraseField } from '../../components/PassphraseField.tsx';
import { StrengthMeter } from '../../components/StrengthMeter.tsx';

/**
 * Starts (or resumes) recovery with the passphrase for the recovered vault: on a new device, or (`forgot`) on this
 * device beside its locked vault, which is kept aside until the restore (PROTOCOL §11.6).
 */
export function RecoverPassphraseForm({
  mode,
  forgot = false,
  onStarted,
}: {
  mode: 'start' | 'resume';
  forgot?: boolean;
  onStarted(): void;
}) {
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [where, setWhere] = useState<'here' | 'elsewhere'>('here');
  const id = useId();
  const resume = mode === 'resume';

  const passError = submitted && !isLongEnoughPassphrase(passphrase) ? PASSPHRASE_TOO_SHORT : null;
  const confirmError =
    submitted && !resume && confirm !== passphrase
      ? 'The two passphrases are not the same. Type it again.'
      : null;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setError(null);
    if (!isLongEnoughPassphrase(passphrase) || (!resume && confirm !== passphrase)) return;
    setBusy(true);
    try {
      // A resumed session keeps the kind it was started as; only a new one is asked where the friends are.
      await api().call('recovery.start', {
        passphrase,
        ...(forgot ? { forgot: true } : {}),
        ...(!resume && where === 'elsewhere' ? { remote: true } : {}),
      });
      onStarted();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate>
      {!resume && (
        <fieldset className="recovery__where">
          <legend className="field__label">Where are the friends who keep your pieces?</legend>
          <label className="check">
            <input
              type="radio"
              name={`${id}-where`}
              checked={where === 'here'}
              onChange={() => setWhere('here')}
            />
            <span>
              My friends are here (same network)
              <span className="muted recovery__where-hint">
                They are with you, or on the same Wi-Fi: each one scans the code on this screen, and their
                piece arrives at once.
              </span>
            </span>
          </label>
          <label className="check">
            <input
              type="radio"
              name={`${id}-where`}
              checked={where === 'elsewhere'}
              onChange={() => setWhere('elsewhere')}
            />
            <span>
              My friends are elsewhere
              <span className="muted recovery__where-hint">
                You send them a code and compare numbers on a call. Each piece arrives only after a waiting
                period (2 days, unless you chose another when you made your backup): if someone else ever
                tries to recover your vault, your own devices have that long to stop them.
              </span>
            </span>
          </label>
        </fieldset>
      )}
      <PassphraseField
        label={resume ? 'Passphrase' : 'New passphrase'}
        value={passphrase}
        onChange={setPassphrase}
        autoComplete={resume ? 'current-password' : 'new-password'}
        error={passError}
        hint={
          resume ? undefined : (
            <>
              <span>
                {forgot
                  ? 'This will unlock your vault once your friends have restored it.'
                  : 'This will unlock your recovered vault. It can be your old passphrase or a new one.'}
              </span>
              <StrengthMeter passphrase={passphrase} />
            </>
          )
        }
        autoFocus
      />
      {!resume && (
        <PassphraseField
          label="Type the new passphrase again"
          toggleName="repeated new passphrase"
          value={confirm}
          onChange={setConfirm}
          autoComplete="new-password"
          error={confirmError}
        />
      )}
      {error && <ErrorNotice title="Recovery did not start" message={error} />}
      {busy ? (
        <Busy label="Preparing this device to receive your pieces…" />
      ) : (
        <div className="actions">
          <button type="submit" className="button button--primary">
            {resume ? 'Continue recovery' : 'Start recovery'}
          </button>
        </div>
      )}
    </form>
  );
}
