import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../lib/api.ts';
import { copyPlain } from '../lib/clipboard.ts';
import { AUTO_LOCK_CHOICES, setAutoLockMinutes, useAutoLockMinutes } from '../lib/idle.ts';
import { useStatus } from '../lib/status.tsx';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { PassphraseField } from '../components/PassphraseField.tsx';
import { StrengthMeter } from '../components/StrengthMeter.tsx';
import './SettingsScreen.css';

export function SettingsScreen() {
  return (
    <div className="settings">
      <PageHeader title="Settings" />
      <AutoLockCard />
      <ChangePassphraseCard />
      <AboutCard />
    </div>
  );
}

function AutoLockCard() {
  const minutes = useAutoLockMinutes();
  const id = useId();
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Locking
      </h2>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-select`}>
          Lock the vault after I have not used Tessera for
        </label>
        <select
          id={`${id}-select`}
          className="input settings__select"
          value={minutes}
          onChange={(e) => setAutoLockMinutes(Number(e.target.value))}
        >
          {AUTO_LOCK_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {choice === 0 ? 'Never' : choice === 1 ? '1 minute' : `${choice} minutes`}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}

function ChangePassphraseCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const id = useId();

  const nextError = submitted && next.length < 8 ? 'A passphrase needs at least 8 characters.' : null;
  const confirmError =
    submitted && confirm !== next ? 'The two new passphrases are not the same. Type it again.' : null;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setDone(false);
    setError(null);
    if (!current) {
      setError('Type your current passphrase first.');
      return;
    }
    if (next.length < 8 || confirm !== next) return;
    setBusy(true);
    try {
      await api().call('vault.changePassphrase', { current, next });
      setCurrent('');
      setNext('');
      setConfirm('');
      setSubmitted(false);
      setDone(true);
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(false);
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Change passphrase
      </h2>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="settings__form">
        <PassphraseField
          label="Current passphrase"
          value={current}
          onChange={setCurrent}
          autoComplete="current-password"
        />
        <PassphraseField
          label="New passphrase"
          value={next}
          onChange={setNext}
          autoComplete="new-password"
          error={nextError}
          hint={<StrengthMeter passphrase={next} />}
        />
        <PassphraseField
          label="Type the new passphrase again"
          toggleName="repeated new passphrase"
          value={confirm}
          onChange={setConfirm}
          autoComplete="new-password"
          error={confirmError}
        />
        {error && <ErrorNotice title="The passphrase was not changed" message={error} />}
        {done && (
          <div className="note" role="status">
            <p>Your passphrase was changed. Use the new one next time you unlock.</p>
          </div>
        )}
        {busy ? (
          <Busy label="Changing your passphrase… this takes a few seconds." />
        ) : (
          <div className="actions">
            <button type="submit" className="button button--primary">
              Change passphrase
            </button>
          </div>
        )}
      </form>
    </section>
  );
}

function AboutCard() {
  const { status } = useStatus();
  const [copied, setCopied] = useState<string | null>(null);
  const [copyError, setCopyError] = useState<string | null>(null);
  const id = useId();
  const copy = async (label: string, text: string) => {
    setCopyError(null);
    try {
      await copyPlain(text);
      setCopied(label);
    } catch (err) {
      setCopyError(errorMessage(err));
    }
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        About this device
      </h2>
      <dl className="facts" data-testid="about">
        <dt>Version</dt>
        <dd data-testid="about-version">{status.version}</dd>
        {status.identity && (
          <>
            <dt>Your name</dt>
            <dd>{status.identity.name}</dd>
            <dt>Fingerprint</dt>
            <dd className="mono" data-testid="about-fingerprint">
              {status.identity.fingerprint}
            </dd>
            <dt>Peer ID</dt>
            <dd className="mono" data-testid="about-peer-id">
              {status.identity.peerId}{' '}
              <button
                type="button"
                className="button button--small"
                onClick={() => void copy('Peer ID', status.identity?.peerId ?? '')}
              >
                Copy
              </button>
            </dd>
          </>
        )}
        <dt>Data folder</dt>
        <dd className="mono" data-testid="about-datadir">
          {status.dataDir}
        </dd>
        <dt>Listening on</dt>
        <dd className="mono">
          {status.addresses.length === 0 ? (
            <span className="muted">Not connected to the network</span>
          ) : (
            <ul className="settings__addresses">
              {status.addresses.map((address) => (
                <li key={address}>{address}</li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {copied && (
        <p className="muted" role="status">
          {copied} copied.
        </p>
      )}
      {copyError && <ErrorNotice message={copyError} />}
    </section>
  );
}
