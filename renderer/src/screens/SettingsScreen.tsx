import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { api, errorMessage } from '../lib/api.ts';
import { isLongEnoughPassphrase, PASSPHRASE_TOO_SHORT } from '../../../shared/passphrase-rules.ts';
import { copyPlain } from '../lib/clipboard.ts';
import { useSettings } from '../lib/settings.ts';
import type { Settings } from '../../../shared/api/ops/settings.ts';
import type { OpInput } from '../../../shared/api/contract.ts';
import { useStatus } from '../lib/status.tsx';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { TextField } from '../components/Field.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { PassphraseField } from '../components/PassphraseField.tsx';
import { StrengthMeter } from '../components/StrengthMeter.tsx';
import './SettingsScreen.css';

export function SettingsScreen() {
  const settings = useSettings();
  return (
    <div className="settings">
      <PageHeader title="Settings" />
      {settings.error && <ErrorNotice message={settings.error} onRetry={settings.reload} />}
      {!settings.data && !settings.error && <Busy label="Reading settings…" />}
      <NameCard />
      {settings.data && <AutoLockCard settings={settings.data} />}
      <KeychainCard />
      <ChangePassphraseCard />
      {settings.data && <DeviceCard settings={settings.data} />}
      <AboutCard />
    </div>
  );
}

/** The name you go by: shown in the app, to friends you pair with from now on, and kept in your backup. */
function NameCard() {
  const { status, setStatus } = useStatus();
  const current = status.identity?.name ?? '';
  const [name, setName] = useState(current);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const id = useId();
  if (!status.identity) return null;
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    setError(null);
    if (!name.trim()) {
      setError('A name cannot be empty.');
      return;
    }
    setBusy(true);
    try {
      setStatus(await api().call('vault.rename', { name: name.trim() }));
      setName(name.trim());
      setDone(true);
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(false);
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Your name
      </h2>
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="settings__form">
        <TextField
          label="Name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setDone(false);
          }}
          maxLength={64}
          autoComplete="name"
          error={error}
          hint="Friends you pair with from now on see this name. Friends you already have keep the name they know you by."
        />
        {done && (
          <p className="muted" role="status">
            Your name is now {name}.
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button" disabled={busy || name.trim() === current}>
            Save name
          </button>
        </div>
      </form>
    </section>
  );
}

const AUTO_LOCK_CHOICES = [1, 5, 10, 15, 30, 60, 240];

function minutesLabel(minutes: number): string {
  if (minutes === 1) return '1 minute';
  if (minutes < 60) return `${minutes} minutes`;
  if (minutes === 60) return '1 hour';
  return minutes % 60 === 0 ? `${minutes / 60} hours` : `${minutes} minutes`;
}

/** Saves one change to the core's settings and reports how it went. */
function useSettingsUpdate() {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const update = async (patch: SettingsPatch, what: string): Promise<boolean> => {
    setSaving(true);
    setError(null);
    setSaved(null);
    let ok = false;
    try {
      await api().call('settings.update', patch);
      setSaved(what);
      ok = true;
    } catch (err) {
      setError(errorMessage(err));
    }
    setSaving(false);
    return ok;
  };
  return { saving, error, saved, update };
}

type SettingsPatch = OpInput<'settings.update'>;

function AutoLockCard({ settings }: { settings: Settings }) {
  const { saving, error, saved, update } = useSettingsUpdate();
  const id = useId();
  const [minutes, setMinutes] = useState(settings.autoLockMinutes);
  const choices = AUTO_LOCK_CHOICES.includes(minutes)
    ? AUTO_LOCK_CHOICES
    : [...AUTO_LOCK_CHOICES, minutes].sort((a, b) => a - b);
  const choose = async (value: number) => {
    const before = minutes;
    setMinutes(value);
    if (!(await update({ autoLockMinutes: value }, 'Locking time saved.'))) setMinutes(before);
  };
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
          disabled={saving}
          onChange={(e) => void choose(Number(e.target.value))}
        >
          {choices.map((choice) => (
            <option key={choice} value={choice}>
              {minutesLabel(choice)}
            </option>
          ))}
        </select>
      </div>
      {saved && (
        <p className="muted" role="status">
          {saved}
        </p>
      )}
      {error && <ErrorNotice title="The setting was not saved" message={error} />}
    </section>
  );
}

type ToggleKey = 'startAtLogin' | 'closeToTray' | 'relayForFriends';

/** A device preference as a checkbox: it follows a click at once, and a refused save puts it back. */
function SettingToggle({
  name,
  initial,
  disabled,
  update,
  label,
  hint,
  said,
}: {
  name: ToggleKey;
  initial: boolean;
  disabled: boolean;
  update(patch: SettingsPatch, what: string): Promise<boolean>;
  label: string;
  hint: string;
  /** What is said once saved: [when turned on, when turned off]. */
  said: [string, string];
}) {
  const [checked, setChecked] = useState(initial);
  const change = async (on: boolean) => {
    setChecked(on);
    if (!(await update({ [name]: on }, on ? said[0] : said[1]))) setChecked(!on);
  };
  return (
    <label className="check">
      <input
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(e) => void change(e.target.checked)}
      />
      <span>
        {label}
        <span className="muted settings__check-hint">{hint}</span>
      </span>
    </label>
  );
}

/** Preferences only the desktop app can act on: `tessera serve` has no tray and sets up no login item. */
const DESKTOP_ONLY = new Set<ToggleKey>(['startAtLogin', 'closeToTray']);

/** The device preferences shown as checkboxes. */
function deviceToggles(
  relaying: boolean,
): { name: ToggleKey; label: string; hint: string; said: [string, string] }[] {
  return [
    {
      name: 'startAtLogin',
      label: 'Start Tessera when I log in',
      hint: 'It starts quietly in the tray, so friends can reach you.',
      said: ['Tessera will start at login.', 'Tessera will not start at login.'],
    },
    {
      name: 'closeToTray',
      label: 'Keep running in the tray when I close the window',
      hint: 'Friends can only reach you (to deliver or check pieces) while Tessera runs.',
      said: ['Closing the window keeps Tessera running in the tray.', 'Closing the window quits Tessera.'],
    },
    {
      name: 'relayForFriends',
      label: 'Help friends behind home routers reach each other',
      hint:
        'For a computer that is always on and that friends can reach: it passes along their encrypted traffic ' +
        '(your friends only; it cannot read it). Takes effect the next time Tessera starts.' +
        (relaying ? ' Doing this now.' : ''),
      said: [
        'This device will pass connections between your friends from the next start.',
        'This device will stop passing connections between your friends at the next start.',
      ],
    },
  ];
}

function DeviceCard({ settings }: { settings: Settings }) {
  const { saving, error, saved, update } = useSettingsUpdate();
  const [listen, setListen] = useState(settings.listen.join('\n'));
  const id = useId();
  const saveListen = (e: FormEvent) => {
    e.preventDefault();
    const addresses = listen
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    void update(
      { listen: addresses },
      'Network addresses saved. They take effect the next time Tessera starts.',
    );
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        This device
      </h2>
      <div className="settings__checks">
        {deviceToggles(settings.relaying)
          .filter((t) => settings.desktopShell || !DESKTOP_ONLY.has(t.name))
          .map((t) => (
            <SettingToggle key={t.name} {...t} initial={settings[t.name]} disabled={saving} update={update} />
          ))}
      </div>
      {!settings.desktopShell && (
        <p className="muted" data-testid="headless-note">
          Starting at login and the tray belong to the desktop app. Here Tessera runs as{' '}
          <code>tessera serve</code>, which keeps running until it is stopped; starting it with the computer
          is up to you.
        </p>
      )}
      <form onSubmit={saveListen} noValidate className="settings__form">
        <div className="field">
          <label className="field__label" htmlFor={`${id}-listen`}>
            Network addresses to listen on
          </label>
          <textarea
            id={`${id}-listen`}
            className="input input--mono"
            rows={2}
            value={listen}
            onChange={(e) => setListen(e.target.value)}
            spellCheck={false}
            aria-describedby={`${id}-listen-hint`}
          />
          <p className="field__hint" id={`${id}-listen-hint`}>
            One address per line, for example /ip4/0.0.0.0/tcp/4001. Leave empty for the default. Takes effect
            the next time Tessera starts.
          </p>
        </div>
        <button type="submit" className="button" disabled={saving}>
          Save addresses
        </button>
      </form>
      <p className="muted">
        Listening now on:{' '}
        {settings.listeningOn.length ? (
          <span className="mono" data-testid="listening-on">
            {settings.listeningOn.join(', ')}
          </span>
        ) : (
          'nothing (not connected to the network)'
        )}
      </p>
      {saved && (
        <p className="muted" role="status">
          {saved}
        </p>
      )}
      {error && <ErrorNotice title="The setting was not saved" message={error} />}
    </section>
  );
}

/** The desktop app can keep the vault key in the OS keychain; hidden where that is not possible. */
function KeychainCard() {
  const { status, setStatus } = useStatus();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  if (!status.keychain.available) return null;
  const toggle = async (enable: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setStatus(await api().call(enable ? 'vault.keychain.enable' : 'vault.keychain.disable', {}));
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(false);
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Keychain
      </h2>
      <label className="check">
        <input
          type="checkbox"
          checked={status.keychain.enabled}
          disabled={busy}
          onChange={(e) => void toggle(e.target.checked)}
        />
        <span>
          Unlock with this computer’s keychain
          <span className="muted settings__check-hint">
            Tessera opens without your passphrase while you are logged in. Your passphrase keeps working.
          </span>
        </span>
      </label>
      {busy && <Busy label="Updating the keychain…" />}
      {error && <ErrorNotice title="The keychain setting did not change" message={error} />}
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

  const nextError = submitted && !isLongEnoughPassphrase(next) ? PASSPHRASE_TOO_SHORT : null;
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
    if (!isLongEnoughPassphrase(next) || confirm !== next) return;
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
