import { useId, useState } from 'react';
import type { BackupStatus, PaperPieceWords } from '../../../../shared/api/ops/backup.ts';
import type { Friend } from '../../../../shared/api/ops/friends.ts';
import { formatPeriod, listNames } from '../../lib/format.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { useRouter } from '../../lib/router.tsx';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { recommendedThreshold, thresholdGuidance } from '../../../../shared/backup-guidance.ts';
import { currentCustodians } from '../../../../shared/backup-summary.ts';

type Step = 'friends' | 'threshold' | 'review';

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;
/** The owner's choices of waiting period for a recovery from elsewhere (PROTOCOL §11.7); 2 days is the default. */
const PERIODS = [
  { ms: DAY_MS, label: '1 day' },
  { ms: 2 * DAY_MS, label: '2 days (recommended)' },
  { ms: 7 * DAY_MS, label: '1 week' },
] as const;
const DEFAULT_PERIOD_MS = 2 * DAY_MS;
/** The contract's bounds: at least an hour (a custodian's own minimum), at most 30 days. */
const MIN_CUSTOM_HOURS = 1;
const MAX_CUSTOM_HOURS = 30 * 24;

/** A period chosen before, shown as one of the choices or as custom hours. */
function initialPeriod(ms: number | undefined): { preset: number | 'custom'; hours: string } {
  const period = ms ?? DEFAULT_PERIOD_MS;
  if (PERIODS.some((p) => p.ms === period)) return { preset: period, hours: '' };
  return { preset: 'custom', hours: String(Math.max(MIN_CUSTOM_HOURS, Math.round(period / HOUR_MS))) };
}

interface Props {
  friends: Friend[];
  /** The backup being replaced when friends or the number needed change. */
  current: BackupStatus | null;
  onDone(): void;
  /** The backup was made with paper pieces: their words, to show and print once (the screen keeps them). */
  onPaper(pieces: PaperPieceWords[]): void;
  onCancel?: () => void;
}

/** Three steps: who keeps a piece, how many are needed, then start. */
export function BackupWizard({ friends, current, onDone, onPaper, onCancel }: Props) {
  const { navigate } = useRouter();
  const currentIds = new Set(currentCustodians(current?.custodians ?? []).map((c) => c.peerId));
  const [step, setStep] = useState<Step>('friends');
  const [chosen, setChosen] = useState<Set<string>>(
    () => new Set(friends.filter((f) => currentIds.has(f.peerId)).map((f) => f.peerId)),
  );
  const [threshold, setThreshold] = useState<number | null>(current?.threshold ?? null);
  const [paper, setPaper] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [period, setPeriod] = useState(() => initialPeriod(current?.waitingPeriodMs));
  const id = useId();
  const customHours = Number(period.hours);
  const customError =
    period.preset === 'custom' &&
    !(Number.isInteger(customHours) && customHours >= MIN_CUSTOM_HOURS && customHours <= MAX_CUSTOM_HOURS)
      ? `Enter a whole number of hours from ${MIN_CUSTOM_HOURS} to ${MAX_CUSTOM_HOURS}.`
      : null;
  const waitingPeriodMs = period.preset === 'custom' ? customHours * HOUR_MS : period.preset;

  const friendCount = chosen.size;
  // Paper pieces are shares like friends' (PROTOCOL §4.4): n counts both.
  const n = friendCount + paper;
  const t = threshold !== null && threshold <= n ? threshold : recommendedThreshold(n);
  const guidance = thresholdGuidance(t, n, paper);
  const chosenFriends = friends.filter((f) => chosen.has(f.peerId));

  const toggle = (peerId: string) =>
    setChosen((prev) => {
      const next = new Set(prev);
      if (next.has(peerId)) next.delete(peerId);
      else next.add(peerId);
      return next;
    });

  const start = async () => {
    if (customError) return;
    setBusy(true);
    setError(null);
    try {
      const created = await api().call('backup.create', {
        custodians: [...chosen],
        threshold: t,
        waitingPeriodMs,
        ...(paper > 0 ? { paper } : {}),
      });
      if (created.paperPieces?.length) onPaper(created.paperPieces);
      else onDone();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  if (friends.length < 2) {
    return (
      <section className="card" aria-labelledby={`${id}-title`}>
        <h2 className="card__title" id={`${id}-title`}>
          Add friends first
        </h2>
        <p>
          A backup needs at least two friends, and three or more is safer. You have{' '}
          {friends.length === 0 ? 'none yet' : 'one so far'}.
        </p>
        <button
          type="button"
          className="button button--primary"
          onClick={() => navigate({ name: 'friends' })}
        >
          Go to Friends
        </button>
      </section>
    );
  }

  return (
    <section className="card wizard" aria-labelledby={`${id}-title`}>
      <ol className="wizard__steps" aria-label="Steps">
        {(['friends', 'threshold', 'review'] as const).map((s, index) => (
          <li key={s} aria-current={step === s ? 'step' : undefined}>
            {index + 1}.{' '}
            {s === 'friends' ? 'Choose friends' : s === 'threshold' ? 'How many needed' : 'Start'}
          </li>
        ))}
      </ol>

      {step === 'friends' && (
        <fieldset className="wizard__fieldset">
          <legend>
            <h2 className="card__title" id={`${id}-title`}>
              {current ? 'Who should keep a piece now?' : 'Who should keep a piece of your recovery key?'}
            </h2>
          </legend>
          <p className="muted">
            Choose friends you trust, who will not lose touch, and who are unlikely to all be together without
            you.
          </p>
          <ul className="wizard__friends">
            {friends.map((friend) => (
              <li key={friend.peerId}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={chosen.has(friend.peerId)}
                    onChange={() => toggle(friend.peerId)}
                  />
                  <span>
                    {friend.name}
                    <span className="muted">
                      {friend.reachable ? ' · connected now' : ' · not connected now'}
                    </span>
                  </span>
                </label>
                {friend.needsUpdate && (
                  // Said before they are chosen: a friend whose Tessera cannot compare codes cannot keep a piece
                  // yet (PROTOCOL §13.3).
                  <p className="note note--warn" data-testid="wizard-needs-update">
                    {friend.needsUpdate.message}
                  </p>
                )}
              </li>
            ))}
          </ul>
          {friendCount < 2 && <p className="muted">Choose at least two friends.</p>}
          <label className="field">
            <span>Pieces on paper (printed, kept by you)</span>
            <input
              type="number"
              min={0}
              max={Math.max(0, 16 - friendCount)}
              value={paper}
              data-testid="paper-count"
              onChange={(e) =>
                setPaper(Math.max(0, Math.min(16 - friendCount, Math.floor(Number(e.target.value) || 0))))
              }
            />
          </label>
          <div className="actions">
            <button
              type="button"
              className="button button--primary"
              disabled={friendCount < 2}
              onClick={() => setStep('threshold')}
            >
              Next
            </button>
            {onCancel && (
              <button type="button" className="button button--ghost" onClick={onCancel}>
                Cancel
              </button>
            )}
          </div>
        </fieldset>
      )}

      {step === 'threshold' && (
        <fieldset className="wizard__fieldset">
          <legend>
            <h2 className="card__title" id={`${id}-title`}>
              How many friends should be needed to restore your vault?
            </h2>
          </legend>
          <p className="muted">
            More friends needed is safer against friends getting together without you; fewer is easier when
            some cannot be reached.
          </p>
          <div className="wizard__thresholds" role="radiogroup" aria-label="Friends needed">
            {Array.from({ length: n - 1 }, (_, i) => i + 2).map((value) => (
              <label key={value} className="check wizard__threshold">
                <input
                  type="radio"
                  name={`${id}-threshold`}
                  value={value}
                  checked={t === value}
                  onChange={() => setThreshold(value)}
                />
                <span>
                  {value} of {n}
                  {n >= 3 && value === recommendedThreshold(n) && (
                    <span className="wizard__recommended"> (recommended)</span>
                  )}
                </span>
              </label>
            ))}
          </div>
          <p className="wizard__summary" data-testid="threshold-summary">
            {guidance.summary}
          </p>
          {guidance.warnings.map((warning) => (
            <div key={warning} className="note note--warn" data-testid="threshold-warning">
              <p>{warning}</p>
            </div>
          ))}
          <div className="actions">
            <button type="button" className="button button--primary" onClick={() => setStep('review')}>
              Next
            </button>
            <button type="button" className="button button--ghost" onClick={() => setStep('friends')}>
              Back
            </button>
          </div>
        </fieldset>
      )}

      {step === 'review' && (
        <div>
          <h2 className="card__title" id={`${id}-title`}>
            {current ? 'Make a new backup' : 'Start your backup'}
          </h2>
          <p>
            {listNames(chosenFriends.map((f) => f.name))} will each be asked to keep one piece
            {paper > 0 &&
              `, and ${paper} ${paper === 1 ? 'piece goes' : 'pieces go'} on paper for you to print`}
            . Any {t} of {paper > 0 ? 'these pieces' : 'them'} can help you restore your vault.
          </p>
          <fieldset className="wizard__fieldset wizard__period" aria-describedby={`${id}-period-hint`}>
            <legend className="wizard__period-legend">How long should a recovery from elsewhere wait?</legend>
            <p className="muted" id={`${id}-period-hint`}>
              When you recover with friends who are not with you, each friend’s piece goes only after this
              wait. Your devices are told when such a recovery starts and can stop it, so a longer wait gives
              you more time to notice one that is not yours. A recovery with your friends beside you does not
              wait.
            </p>
            <div className="wizard__thresholds">
              {PERIODS.map((p) => (
                <label key={p.ms} className="check wizard__threshold">
                  <input
                    type="radio"
                    name={`${id}-period`}
                    checked={period.preset === p.ms}
                    onChange={() => setPeriod({ preset: p.ms, hours: period.hours })}
                  />
                  <span>{p.label}</span>
                </label>
              ))}
              <label className="check wizard__threshold">
                <input
                  type="radio"
                  name={`${id}-period`}
                  checked={period.preset === 'custom'}
                  onChange={() => setPeriod({ preset: 'custom', hours: period.hours || '72' })}
                />
                <span>Another number of hours</span>
              </label>
            </div>
            {period.preset === 'custom' && (
              <div className="field wizard__hours">
                <label className="field__label" htmlFor={`${id}-hours`}>
                  Hours to wait
                </label>
                <input
                  id={`${id}-hours`}
                  className="input"
                  type="number"
                  inputMode="numeric"
                  min={MIN_CUSTOM_HOURS}
                  max={MAX_CUSTOM_HOURS}
                  step={1}
                  value={period.hours}
                  onChange={(e) => setPeriod({ preset: 'custom', hours: e.target.value })}
                  aria-invalid={customError !== null}
                  aria-describedby={customError ? `${id}-hours-error` : undefined}
                />
                {customError && (
                  <p className="field__error" id={`${id}-hours-error`}>
                    {customError}
                  </p>
                )}
              </div>
            )}
          </fieldset>
          <p className="muted">
            Each friend must accept on their own device. You can see who has accepted on this screen.
            {current && ' Friends who are no longer chosen will be asked to delete their old piece.'}
            {current &&
              current.waitingPeriodMs !== undefined &&
              waitingPeriodMs !== current.waitingPeriodMs &&
              ` The waiting period changes from ${formatPeriod(current.waitingPeriodMs)} to ${customError ? 'the new one' : formatPeriod(waitingPeriodMs)}.`}
          </p>
          {error && <ErrorNotice title="The backup was not started" message={error} />}
          {busy ? (
            <Busy label="Encrypting your vault and sending the pieces…" />
          ) : (
            <div className="actions">
              <button
                type="button"
                className="button button--primary"
                disabled={customError !== null}
                onClick={() => void start()}
              >
                {current ? 'Make new backup' : 'Start backup'}
              </button>
              <button type="button" className="button button--ghost" onClick={() => setStep('threshold')}>
                Back
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
