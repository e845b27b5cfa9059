import { useId, useState } from 'react';
import type { BackupStatus, CustodianStatus } from '../../../../shared/api/ops/backup.ts';
import { currentCustodians, paperViews, summarizeBackup } from '../../../../shared/backup-summary.ts';
import type { PieceView } from '../../../../shared/backup-summary.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { formatBytes, formatDate, formatPeriod, listNames } from '../../lib/format.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';

/** What a finished check found, in one sentence. */
function checkResult(status: BackupStatus): string {
  const asked = currentCustodians(status.custodians);
  const fine = asked.filter((c) => c.health === 'ok').length;
  const at = new Date().toLocaleTimeString(undefined, { timeStyle: 'short' });
  if (fine === asked.length) return `Checked at ${at}: every friend proved they still have their piece.`;
  return `Checked at ${at}: ${fine} of ${asked.length} proved they still have their piece; see below for the others.`;
}

/** The summary, the bar and the table all come from one rule (shared/backup-summary.ts), so they cannot disagree. */
/**
 * What to do about custodians who cannot be counted on: a friend who only needs to update Tessera counts again once
 * they have (PROTOCOL §13.3), so asking them is the first advice; a new backup is for the others.
 */
function troubleAdvice(trouble: readonly { custodian: { name: string; needsUpdate?: unknown } }[]): string {
  const outdated = trouble.filter((v) => v.custodian.needsUpdate).map((v) => v.custodian.name);
  if (outdated.length === 0) return 'Make a new backup with friends who can.';
  if (outdated.length === trouble.length)
    return outdated.length === 1
      ? 'Ask them to update Tessera: their piece counts again once they have.'
      : 'Ask them to update Tessera: their pieces count again once they have.';
  return `Ask ${listNames(outdated)} to update Tessera, or make a new backup with friends who can.`;
}

export function BackupStatusView({ status, onChange }: { status: BackupStatus; onChange(): void }) {
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [checked, setChecked] = useState<string | null>(null);
  const id = useId();
  const summary = summarizeBackup(status);
  const { current, former: retired, kept, trouble } = summary;

  const check = async () => {
    setChecking(true);
    setCheckError(null);
    setChecked(null);
    try {
      setChecked(checkResult(await api().call('backup.check', {})));
    } catch (err) {
      setCheckError(errorMessage(err));
    }
    setChecking(false);
  };

  return (
    <>
      <section className="card" aria-labelledby={`${id}-title`}>
        <h2 className="card__title" id={`${id}-title`}>
          Your backup
        </h2>
        <p className="backup__summary" data-testid="backup-summary">
          {summary.headline}
        </p>
        <progress
          className="backup__progress"
          data-testid="backup-progress"
          value={kept}
          max={Math.max(current.length, 1)}
          aria-label="Friends keeping their piece"
        />
        <p className="muted" data-testid="backup-version">
          Version {status.version}
          {status.versionReason ? `: ${status.versionReason}` : ''}
          {status.versionCreatedAt ? ` · made ${formatDate(status.versionCreatedAt)}` : ''}
        </p>
        <p className="muted" data-testid="backup-waiting-period">
          {status.waitingPeriodMs !== undefined
            ? `A recovery from elsewhere waits ${formatPeriod(status.waitingPeriodMs)} before any piece goes.`
            : // A split made before the choice existed: its custodians wait 48 hours (PROTOCOL §11.7).
              'A recovery from elsewhere waits 2 days before any piece goes (this backup was made before you could choose).'}
        </p>
        {status.problem && (
          <ErrorNotice title="Your latest changes are not backed up" message={status.problem} />
        )}
        {trouble.length > 0 && (
          <div className="note note--warn" role="status">
            <p>
              {listNames(trouble.map((v) => v.custodian.name))}{' '}
              {trouble.length === 1 ? 'cannot' : 'cannot all'} be counted on right now.{' '}
              {troubleAdvice(trouble)}
            </p>
          </div>
        )}
        <div className="actions">
          <button type="button" className="button" onClick={() => void check()} disabled={checking}>
            Check now
          </button>
          <button type="button" className="button" onClick={onChange}>
            Change friends or number needed
          </button>
        </div>
        {checking && <Busy label="Asking each friend to prove they still have their piece…" />}
        {checkError && <ErrorNotice title="The check did not finish" message={checkError} />}
        {checked && !checking && (
          <p className="muted" role="status" data-testid="check-result">
            {checked}
          </p>
        )}
      </section>

      <section className="card" aria-labelledby={`${id}-custodians`}>
        <h2 className="card__title" id={`${id}-custodians`}>
          Friends keeping a piece
        </h2>
        <CustodianTable custodians={current} testId="custodians" />
        {retired.length > 0 && (
          <>
            <h3 className="backup__subtitle">From earlier backups</h3>
            <CustodianTable custodians={retired} testId="retired-custodians" />
          </>
        )}
      </section>

      {paperViews(status).length > 0 && (
        <section className="card" aria-labelledby={`${id}-paper`}>
          <h2 className="card__title" id={`${id}-paper`}>
            Paper pieces
          </h2>
          <ul data-testid="paper-pages">
            {paperViews(status).map((p) => (
              <li key={`${p.state}-${p.number}-${p.text}`} data-state={p.state}>
                <span className={p.state === 'void' ? 'backup__problem' : ''}>{p.text}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** A deposit or update on its way: how much has gone, then (all sent) that the friend is storing it. */
function SendingProgress({
  sending,
  name,
}: {
  sending: NonNullable<CustodianStatus['sending']>;
  name: string;
}) {
  const { sentChunks, totalChunks, sentBytes } = sending;
  const done = sentChunks >= totalChunks;
  return (
    <span className="backup__sending" data-testid="sending">
      <progress value={sentChunks} max={Math.max(totalChunks, 1)} aria-label={`Sending to ${name}`} />
      {done
        ? ` Sent ${formatBytes(sentBytes)}; ${name} is storing it…`
        : ` Sending… ${Math.floor((100 * sentChunks) / Math.max(totalChunks, 1))} % (${formatBytes(sentBytes)})`}
    </span>
  );
}

function CustodianTable({ custodians, testId }: { custodians: PieceView[]; testId: string }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Friend</th>
            <th scope="col">Status</th>
            <th scope="col">Version held</th>
            <th scope="col">Last confirmed</th>
          </tr>
        </thead>
        <tbody>
          {custodians.map(({ custodian: c, label, tone, counted }) => (
            <tr
              key={`${c.peerId}-${c.state}`}
              data-state={c.state}
              data-counted={counted ? 'yes' : 'no'}
              data-tone={tone}
            >
              <th scope="row">{c.name}</th>
              <td>
                <span className={`pill pill--tone-${tone}`}>{label}</span>
                {c.sending && <SendingProgress sending={c.sending} name={c.name} />}
                {c.needsUpdate && tone !== 'former' ? (
                  // Who must update and what waits for it (PROTOCOL §13.3); the last error says the same at length.
                  <span className="backup__problem" data-testid="custodian-needs-update">
                    {c.needsUpdate.message}
                  </span>
                ) : (
                  c.lastError && tone !== 'former' && <span className="backup__problem">{c.lastError}</span>
                )}
              </td>
              <td>{c.versionHeld ?? '—'}</td>
              <td>{c.lastConfirmed ? formatDate(c.lastConfirmed) : 'Not yet'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
