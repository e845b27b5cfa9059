import { useCallback, useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { HeldBackup } from '../../../../shared/api/ops/backup.ts';
import type { RecoveryApproval } from '../../../../shared/api/ops/recovery.ts';
import { checkCodeEntry } from '../../../../shared/protocol/code-entry.ts';
import type { Friend } from '../../../../shared/api/ops/friends.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { formatDate, listNames, pathWords, plural } from '../../lib/format.ts';
import { useRouter } from '../../lib/router.tsx';
import { useLoad } from '../../lib/useLoad.ts';
import type { Loaded } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QrScanner } from '../../components/QrScanner.tsx';
import { CopyText } from '../../components/CopyText.tsx';
import { Countdown } from '../../components/Countdown.tsx';
import './Recovery.css';

type Step =
  | { name: 'start' }
  | { name: 'scan'; problem?: string }
  | { name: 'paste' }
  | { name: 'choose'; code: string }
  | { name: 'compare'; approval: RecoveryApproval }
  | { name: 'remote'; approval: RecoveryApproval };

/** The code as typed or scanned, checked here (kind, check digits, expiry) before anyone is asked who recovers. */
function checkRecoveryCode(text: string): string | null {
  const entry = checkCodeEntry('recovery', text, Date.now(), formatDate);
  return entry.ok ? null : entry.message;
}

const APPROVAL_WORDS: Record<RecoveryApproval['state'], string> = {
  connecting: 'Waiting for their new device to connect',
  'awaiting-confirmation': 'Waiting for you to compare codes',
  waiting: 'Approved; your piece goes after the waiting period',
  sent: 'Piece sent',
  declined: 'Declined',
  withdrawn: 'You withdrew; nothing was sent',
  stopped: 'Their own device stopped this recovery; nothing will be sent',
  expired: 'Expired',
  failed: 'Failed',
};

/**
 * Whether an approval takes the remote screen: a remote code, or a LAN code whose approval waits anyway because
 * the new device was not reached directly on a private network (PROTOCOL §11.7, "Which approvals wait").
 */
function waitsLikeRemote(approval: RecoveryApproval): boolean {
  return approval.remote === true || approval.state === 'waiting';
}

/** The step that shows an approval: the LAN comparison, or the remote one with its reply code and wait. */
function approvalStep(approval: RecoveryApproval): Step {
  return waitsLikeRemote(approval) ? { name: 'remote', approval } : { name: 'compare', approval };
}

/** A remote approval still under way (PROTOCOL §11.7): its screen can be opened again, after a restart too. */
const REMOTE_OPEN: ReadonlySet<RecoveryApproval['state']> = new Set([
  'connecting',
  'awaiting-confirmation',
  'waiting',
]);

/** A custodian helps a friend recover: scan their new device's code → choose the friend → compare → send. */
export function RecoveryHelpScreen({ approvalId }: { approvalId: string | null }) {
  const { replace } = useRouter();
  const [step, setStepState] = useState<Step>({ name: 'start' });
  const [result, setResult] = useState<RecoveryApproval | null>(null);
  const version = useTopicVersion('recovery');
  const loadApprovals = useCallback(() => api().call('recovery.approvals', {}), []);
  const approvals = useLoad(loadApprovals, version);
  const loadHeld = useCallback(() => api().call('held.list', {}), []);
  const held = useLoad(loadHeld, useTopicVersion('held'));

  // A comparison on screen is in the address (#/help-recover/ID): a reload or an unlock after a lock shows it again.
  const setStep = useCallback(
    (next: Step) => {
      setStepState(next);
      replace(
        next.name === 'compare' || next.name === 'remote'
          ? { name: 'recovery-help', approvalId: next.approval.id }
          : { name: 'recovery-help' },
      );
    },
    [replace],
  );
  const addressed = approvalId ? approvals.data?.find((a) => a.id === approvalId) : undefined;
  const resumable =
    addressed &&
    (waitsLikeRemote(addressed)
      ? REMOTE_OPEN.has(addressed.state)
      : addressed.state === 'awaiting-confirmation')
      ? addressed
      : undefined;
  useEffect(() => {
    if (resumable && step.name === 'start') setStepState(approvalStep(resumable));
  }, [resumable, step.name]);

  // A remote approval moves on its own (the new device connects, the wait ends, someone stops it): events say so,
  // and a poll covers a dropped event stream.
  const reloadApprovals = approvals.reload;
  useEffect(() => {
    if (step.name !== 'remote') return;
    const id = setInterval(reloadApprovals, 2000);
    return () => clearInterval(id);
  }, [step.name, reloadApprovals]);

  const restart = () => {
    setResult(null);
    setStep({ name: 'start' });
  };

  return (
    <div className="recovery-help">
      <PageHeader
        title="Help a friend recover"
        lead="When a friend whose piece you keep has lost their device, you can send your piece to their new device. Do this only with your friend in front of you, or on a call where you know their voice."
      />
      <section className="card">
        {result ? (
          <ApprovalResult approval={result} onAgain={restart} />
        ) : (
          <>
            {step.name === 'start' && <Start held={held} onStep={setStep} />}
            {step.name === 'scan' && (
              <>
                <h2 className="card__title">1. Scan the code on their new device</h2>
                {step.problem ? (
                  <>
                    <ErrorNotice title="This code cannot be used" message={step.problem} />
                    <div className="actions">
                      <button
                        type="button"
                        className="button button--primary"
                        onClick={() => setStep({ name: 'scan' })}
                      >
                        Scan again
                      </button>
                    </div>
                  </>
                ) : (
                  <QrScanner
                    label="Camera view for scanning your friend’s recovery code"
                    onResult={(code) => {
                      const problem = checkRecoveryCode(code);
                      setStep(problem ? { name: 'scan', problem } : { name: 'choose', code });
                    }}
                  />
                )}
                <div className="actions">
                  <button type="button" className="button" onClick={() => setStep({ name: 'paste' })}>
                    Paste the code instead
                  </button>
                </div>
              </>
            )}
            {step.name === 'paste' && (
              <PasteCode onCode={(code) => setStep({ name: 'choose', code })} onCancel={restart} />
            )}
            {step.name === 'choose' && (
              <ChooseFriend
                code={step.code}
                onApproved={(approval) => setStep(approvalStep(approval))}
                onCancel={restart}
              />
            )}
            {step.name === 'compare' && (
              <CompareAndSend
                approval={step.approval}
                onDone={(a) => (a.state === 'waiting' ? setStep(approvalStep(a)) : setResult(a))}
              />
            )}
            {step.name === 'remote' && (
              <RemoteApproval
                approval={approvals.data?.find((a) => a.id === step.approval.id) ?? step.approval}
                onChanged={approvals.reload}
                onDone={restart}
              />
            )}
          </>
        )}
      </section>
      {approvals.data && approvals.data.length > 0 && (
        <section className="card" aria-labelledby="approvals-title">
          <h2 className="card__title" id="approvals-title">
            Recent requests
          </h2>
          <div className="table-wrap">
            <table className="table" data-testid="approvals">
              <thead>
                <tr>
                  <th scope="col">Friend</th>
                  <th scope="col">Code</th>
                  <th scope="col">Status</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {approvals.data.map((a) => (
                  <tr key={a.id}>
                    <th scope="row">{a.friend}</th>
                    <td className="mono">{a.comparisonCode}</td>
                    <td>
                      {a.state === 'waiting' && a.releaseAt !== undefined ? (
                        <>
                          Approved; your piece goes <Countdown until={a.releaseAt} />
                        </>
                      ) : (
                        APPROVAL_WORDS[a.state]
                      )}
                      {waitsLikeRemote(a) && REMOTE_OPEN.has(a.state) && (
                        <span className="muted recovery-help__path"> · {pathWords(a.path)}</span>
                      )}
                      {a.error && <span className="backup__problem">{a.error}</span>}
                    </td>
                    <td>
                      {formatDate(a.createdAt)}
                      {waitsLikeRemote(a) &&
                        REMOTE_OPEN.has(a.state) &&
                        !(step.name === 'remote' && step.approval.id === a.id) && (
                          <button
                            type="button"
                            className="button button--small recovery-help__resume"
                            aria-label={`Open the recovery of ${a.friend}`}
                            onClick={() => {
                              setResult(null);
                              setStep({ name: 'remote', approval: a });
                            }}
                          >
                            Open
                          </button>
                        )}
                      {!waitsLikeRemote(a) && a.state === 'awaiting-confirmation' && !result && (
                        <button
                          type="button"
                          className="button button--small recovery-help__resume"
                          onClick={() => setStep({ name: 'compare', approval: a })}
                        >
                          Compare codes
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}

/**
 * The first step: whether there is anything to send at all, then scanning (the camera starts only when asked) or
 * pasting.
 */
function Start({ held, onStep }: { held: Loaded<HeldBackup[]>; onStep(step: Step): void }) {
  if (held.error) return <ErrorNotice message={held.error} onRetry={held.reload} />;
  if (!held.data) return <Busy label="Loading…" />;
  if (held.data.length === 0) {
    return (
      <div data-testid="holding-nothing">
        <h2 className="card__title">You are not keeping a piece for anyone</h2>
        <p>
          There is nothing to send yet. When a friend asks you to keep a piece of their recovery key and you
          accept, their name appears under <strong>Holding for friends</strong>, and you can help them here.
        </p>
      </div>
    );
  }
  const names = held.data.map((h) => h.owner);
  return (
    <>
      <h2 className="card__title">1. Read the code on their new device</h2>
      <p>
        You keep a piece for {listNames(names)}. On their new device, they choose to recover and a code
        appears. Scan it with this device’s camera, or paste it if they sent it to you.
      </p>
      <div className="actions">
        <button type="button" className="button button--primary" onClick={() => onStep({ name: 'scan' })}>
          Scan with camera
        </button>
        <button type="button" className="button" onClick={() => onStep({ name: 'paste' })}>
          Paste the code instead
        </button>
      </div>
    </>
  );
}

function PasteCode({ onCode, onCancel }: { onCode(code: string): void; onCancel(): void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = checkRecoveryCode(text);
    if (problem) {
      setError(problem);
      return;
    }
    onCode(text.trim());
  };
  return (
    <form onSubmit={submit} noValidate>
      <h2 className="card__title">1. Paste the code from their new device</h2>
      <div className="field">
        <label className="field__label" htmlFor={id}>
          Recovery code
        </label>
        <textarea
          id={id}
          className="input input--mono"
          rows={4}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
          }}
          spellCheck={false}
          autoFocus
          aria-invalid={error !== null}
          aria-describedby={error ? `${id}-error` : undefined}
        />
      </div>
      {error && (
        <div id={`${id}-error`}>
          <ErrorNotice title="This code cannot be used" message={error} />
        </div>
      )}
      <div className="actions">
        <button type="submit" className="button button--primary">
          Next
        </button>
        <button type="button" className="button button--ghost" onClick={onCancel}>
          Back
        </button>
      </div>
    </form>
  );
}

/** A friend's usual device seen this recently is probably not lost: say so before anything is sent. */
const RECENTLY_ONLINE_MS = 15 * 60_000;

function minutesAgo(ms: number): string {
  const minutes = Math.max(0, Math.round((Date.now() - ms) / 60_000));
  return minutes < 1 ? 'less than a minute ago' : minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
}

/** The warning for a friend whose usual device is online now or was a moment ago; null otherwise. */
function recentlyOnline(friend: Friend | undefined): string | null {
  if (!friend) return null;
  if (friend.reachable)
    return `${friend.name}’s usual device is online right now — are you sure ${friend.name} lost it?`;
  if (friend.lastSeen !== null && Date.now() - friend.lastSeen < RECENTLY_ONLINE_MS)
    return `${friend.name}’s usual device was online ${minutesAgo(friend.lastSeen)} — are you sure ${friend.name} lost it?`;
  return null;
}

function ChooseFriend({
  code,
  onApproved,
  onCancel,
}: {
  code: string;
  onApproved(approval: RecoveryApproval): void;
  onCancel(): void;
}) {
  const loadHeld = useCallback(
    () => Promise.all([api().call('held.list', {}), api().call('friends.list', {})]),
    [],
  );
  const loaded = useLoad(loadHeld);
  const held = { ...loaded, data: loaded.data?.[0] };
  const friendsById = new Map((loaded.data?.[1] ?? []).map((f) => [f.peerId, f]));
  // With one name twice, the friend whose code this person confirmed is the likely one: pick them first.
  const verifiedHeld = (held.data ?? []).filter((h) => friendsById.get(h.ownerPeerId)?.verified);
  const preselected =
    held.data?.length === 1
      ? (held.data[0]?.ownerPeerId ?? null)
      : verifiedHeld.length === 1
        ? (verifiedHeld[0]?.ownerPeerId ?? null)
        : null;
  const [chosen, setChosen] = useState<string | null>(null);
  const [warned, setWarned] = useState<string | null>(null);
  const [sure, setSure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const selected = chosen ?? preselected;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const friend = selected;
    if (!friend) {
      setError('Choose the friend who is recovering.');
      return;
    }
    // Nothing is sent before the person has seen that the "lost" device was online a moment ago.
    if (warned !== friend && recentlyOnline(friendsById.get(friend))) {
      setWarned(friend);
      return;
    }
    // Next again: the person read the warning and is sure; it makes way for what follows.
    if (warned === friend) setSure(friend);
    setBusy(true);
    setError(null);
    try {
      onApproved(await api().call('recovery.approve', { code, friendPeerId: friend }));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <fieldset className="wizard__fieldset">
        <legend>
          <h2 className="card__title">2. Who is recovering?</h2>
        </legend>
        {held.error && <ErrorNotice message={held.error} onRetry={held.reload} />}
        {!held.data && !held.error && <Busy label="Loading…" />}
        {held.data && held.data.length === 0 && (
          <p>You are not keeping a piece for anyone, so there is nothing to send.</p>
        )}
        {held.data && held.data.length > 0 && (
          <div className="wizard__friends">
            {held.data.map((h) => (
              <label key={h.ownerPeerId} className="check">
                <input
                  type="radio"
                  name={`${id}-friend`}
                  checked={selected === h.ownerPeerId}
                  onChange={() => {
                    setChosen(h.ownerPeerId);
                    setWarned(null);
                    setSure(null);
                  }}
                />
                <span>
                  {h.owner}
                  {friendsById.get(h.ownerPeerId)?.verified && (
                    <span className="verified-mark" data-testid="verified-mark">
                      ✓ Verified
                    </span>
                  )}
                  <span className="muted"> · keeping their piece since {formatDate(h.since)}</span>
                </span>
              </label>
            ))}
          </div>
        )}
      </fieldset>
      {warned && warned === selected && sure !== selected && (
        <div className="note note--warn" role="alert" data-testid="recently-online">
          <p>{recentlyOnline(friendsById.get(warned))}</p>
          <p>
            If their device is not lost, someone else may be asking in their name. Press Next again only if
            you are sure.
          </p>
        </div>
      )}
      {error && <ErrorNotice title="Nothing was sent" message={error} />}
      {busy ? (
        <Busy label="Connecting to the new device…" />
      ) : (
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={!held.data?.length}>
            Next
          </button>
          <button type="button" className="button button--ghost" onClick={onCancel}>
            Start over
          </button>
        </div>
      )}
    </form>
  );
}

function CompareAndSend({
  approval,
  onDone,
}: {
  approval: RecoveryApproval;
  onDone(a: RecoveryApproval): void;
}) {
  const [busy, setBusy] = useState<'confirm' | 'decline' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const answer = async (choice: 'confirm' | 'decline') => {
    setBusy(choice);
    setError(null);
    try {
      onDone(
        await api().call(choice === 'confirm' ? 'recovery.confirm' : 'recovery.decline', { id: approval.id }),
      );
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  };
  return (
    <div>
      <h2 className="card__title">3. Compare the code with {approval.friend}’s new device</h2>
      <div className="comparison">
        <p className="comparison__label">This screen shows:</p>
        <p className="comparison__code mono" data-testid="recovery-comparison-code">
          {approval.comparisonCode}
        </p>
        <p className="muted comparison__hint">
          The new device must show exactly the same number next to your name. If it does not, or if{' '}
          {approval.friend} is not with you, do not send your piece.
        </p>
      </div>
      {error && <ErrorNotice message={error} />}
      {busy ? (
        <Busy label={busy === 'confirm' ? 'Sending your piece…' : 'Declining…'} />
      ) : (
        <div className="actions">
          <button type="button" className="button button--primary" onClick={() => void answer('confirm')}>
            The codes match: send my piece
          </button>
          <button type="button" className="button" onClick={() => void answer('decline')}>
            They do not match
          </button>
        </div>
      )}
    </div>
  );
}

function ApprovalResult({ approval, onAgain }: { approval: RecoveryApproval; onAgain(): void }) {
  return (
    <div role="status" data-testid="approval-result">
      {approval.state === 'sent' ? (
        <p className="recovery__done">Your piece was sent to {approval.friend}’s new device.</p>
      ) : approval.state === 'declined' ? (
        <p>
          Nothing was sent. If someone else is pretending to be {approval.friend}, tell {approval.friend} in
          person or on a call you start yourself.
        </p>
      ) : (
        <p>
          {APPROVAL_WORDS[approval.state]}
          {approval.error ? `: ${approval.error}` : '.'}
        </p>
      )}
      <button type="button" className="button" onClick={onAgain}>
        Done
      </button>
    </div>
  );
}

/**
 * A remote approval (PROTOCOL §11.7), from the reply code to the piece going: the person sends their reply code,
 * compares the comparison code aloud on a call, approves, and can withdraw during the waiting period.
 */
function RemoteApproval({
  approval: a,
  onChanged,
  onDone,
}: {
  approval: RecoveryApproval;
  onChanged(): void;
  onDone(): void;
}) {
  const [busy, setBusy] = useState<'confirm' | 'decline' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (choice: 'confirm' | 'decline') => {
    setBusy(choice);
    setError(null);
    try {
      await api().call(choice === 'confirm' ? 'recovery.confirm' : 'recovery.decline', { id: a.id });
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(null);
  };
  const friend = a.friend;
  const replyCode = a.replyCode && (
    <div className="recovery-help__reply">
      <p>Send this reply code to {friend}, or read it to them: their new device needs it to reach yours.</p>
      <textarea
        className="input input--mono recovery__text"
        readOnly
        rows={3}
        value={a.replyCode}
        aria-label="Your reply code"
        data-testid="reply-code-text"
      />
      <CopyText
        text={a.replyCode}
        label="Copy reply code"
        done={`Reply code copied. Send it to ${friend}, then call them to compare numbers.`}
      />
    </div>
  );
  const path = REMOTE_OPEN.has(a.state) && (
    <p className="muted" data-testid="approval-path">
      {friend}’s new device: {pathWords(a.path)}.
    </p>
  );

  return (
    <div data-testid="remote-approval" data-state={a.state}>
      {a.state === 'connecting' && (
        <>
          <h2 className="card__title">3. Send your reply code to {friend}</h2>
          {replyCode}
          {/* A connection can stand before the new device answers: say that, not "connected" beside "waiting". */}
          <Busy
            label={
              a.path
                ? `${friend}’s new device can be reached (${pathWords(a.path)}); waiting for it to answer…`
                : `Waiting for ${friend}’s new device to connect…`
            }
          />
        </>
      )}
      {a.state === 'awaiting-confirmation' && (
        <>
          <h2 className="card__title">4. Call {friend} and compare the code</h2>
          <div className="comparison">
            <p className="comparison__label">Call {friend} and read this code aloud:</p>
            <p className="comparison__code mono" data-testid="recovery-comparison-code">
              {a.comparisonCode}
            </p>
            <p className="muted comparison__hint">
              Their new device must show exactly the same number next to your name. Compare it on a voice or
              video call where you know it is {friend}: a message is not enough. If it differs, do not
              approve.
            </p>
          </div>
          <p>
            After you approve, your piece goes only once the waiting period {friend} chose has passed, and
            only if nobody stops it: {friend}’s own devices are told, and can stop it.
          </p>
          {path}
          {a.replyCode && (
            <details>
              <summary>Show your reply code again</summary>
              {replyCode}
            </details>
          )}
        </>
      )}
      {a.state === 'waiting' && (
        <>
          <h2 className="card__title">You approved {friend}’s recovery</h2>
          <p className="recovery__waiting">
            {a.releaseAt !== undefined ? (
              <>
                Your piece goes to {friend}’s new device{' '}
                <Countdown until={a.releaseAt} testId="approval-countdown" /> (at {formatDate(a.releaseAt)}),
                unless you withdraw or {friend}’s own device stops it.
              </>
            ) : (
              <>Your piece goes to {friend}’s new device after the waiting period, unless someone stops it.</>
            )}
          </p>
          <Standing approval={a} />
          {path}
        </>
      )}
      {a.state === 'sent' && (
        <p className="recovery__done" role="status">
          Your piece was sent to {friend}’s new device.
        </p>
      )}
      {a.state === 'stopped' && (
        <div className="note note--warn" role="status" data-testid="approval-stopped">
          <p>{friend}’s own device stopped this recovery; nothing will be sent.</p>
        </div>
      )}
      {a.state === 'withdrawn' && <p role="status">You withdrew your approval. Nothing was sent.</p>}
      {a.state === 'declined' && (
        <p role="status">
          Nothing was sent. If someone else is pretending to be {friend}, tell {friend} on a call you start
          yourself.
        </p>
      )}
      {(a.state === 'expired' || a.state === 'failed') && (
        <p role="status">
          {APPROVAL_WORDS[a.state]}
          {a.error ? `: ${a.error}` : '.'}
        </p>
      )}
      {error && <ErrorNotice message={error} />}
      {busy ? (
        <Busy
          label={
            busy === 'confirm' ? 'Approving…' : a.state === 'waiting' ? 'Withdrawing…' : 'Telling them no…'
          }
        />
      ) : (
        <div className="actions">
          {a.state === 'awaiting-confirmation' && (
            <>
              <button type="button" className="button button--primary" onClick={() => void act('confirm')}>
                The codes match: approve
              </button>
              <button type="button" className="button" onClick={() => void act('decline')}>
                They do not match
              </button>
            </>
          )}
          {a.state === 'connecting' && (
            <button type="button" className="button" onClick={() => void act('decline')}>
              Stop helping
            </button>
          )}
          {a.state === 'waiting' && (
            <button type="button" className="button button--danger" onClick={() => void act('decline')}>
              Withdraw
            </button>
          )}
          {!REMOTE_OPEN.has(a.state) && (
            <button type="button" className="button" onClick={onDone}>
              Done
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** Whose approvals stand, as the new device last said, against how many must stand before any piece goes. */
function Standing({ approval: a }: { approval: RecoveryApproval }) {
  if (a.standing === undefined || a.threshold === undefined) return null;
  const missing = a.threshold - a.standing.length;
  return (
    <p className="recovery-help__standing" data-testid="approval-standing">
      {a.standing.length} of {a.threshold} approvals needed stand
      {a.standing.length > 0 ? `: ${listNames(a.standing)}` : ''}.
      {missing > 0 && ` Waiting for ${plural(missing, 'more friend')} to approve; nothing goes before that.`}
    </p>
  );
}
