import { useCallback, useId, useState } from 'react';
import type { PendingRequest } from '../../../../shared/api/ops/backup.ts';
import type { RecoveryWatchEntry } from '../../../../shared/api/ops/recovery.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { formatDate, pathWords } from '../../lib/format.ts';
import { useLoad } from '../../lib/useLoad.ts';
import { useRouter } from '../../lib/router.tsx';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import './Holding.css';

/** What I keep for friends, and friends asking me to keep a piece of their recovery key. */
export function HoldingScreen() {
  const requestsVersion = useTopicVersion('requests');
  const heldVersion = useTopicVersion('held');
  const loadRequests = useCallback(() => api().call('requests.list', {}), []);
  const loadHeld = useCallback(() => api().call('held.list', {}), []);
  const requests = useLoad(loadRequests, requestsVersion);
  const held = useLoad(loadHeld, heldVersion);
  const loadWatch = useCallback(() => api().call('recovery.watch', {}), []);
  const watch = useLoad(loadWatch, useTopicVersion('recovery'));
  const friendsRecoveries = watch.data?.filter((w) => !w.mine) ?? [];
  const id = useId();
  const holdingRequests = requests.data?.filter((r) => r.kind === 'holding') ?? [];
  const recoveryRequests = requests.data?.filter((r) => r.kind === 'recovery') ?? [];
  const { navigate } = useRouter();

  return (
    <div className="holding">
      <PageHeader
        title="Holding for friends"
        lead="Friends can ask you to keep a piece of their recovery key. A piece on its own reveals nothing; it only helps them when enough friends bring theirs together."
      />
      <section className="card" aria-labelledby={`${id}-requests`}>
        <h2 className="card__title" id={`${id}-requests`}>
          Requests waiting for you
        </h2>
        {requests.error && <ErrorNotice message={requests.error} onRetry={requests.reload} />}
        {!requests.data && !requests.error && <Busy label="Loading requests…" />}
        {requests.data && holdingRequests.length === 0 && recoveryRequests.length === 0 && (
          <p className="muted">Nothing is waiting for you.</p>
        )}
        {recoveryRequests.length > 0 && (
          <ul className="requests" data-testid="recovery-requests">
            {recoveryRequests.map((request) => (
              <li key={request.id} className="request">
                <div className="request__text">
                  <p className="request__title">{request.from} is recovering their vault</p>
                  <p className="request__detail">{request.detail}</p>
                </div>
                <div className="actions request__actions">
                  <button
                    type="button"
                    className="button button--primary"
                    onClick={() => navigate({ name: 'recovery-help' })}
                  >
                    Help {request.from}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
        {holdingRequests.length > 0 && (
          <ul className="requests" data-testid="requests">
            {holdingRequests.map((request) => (
              <RequestRow key={request.id} request={request} onDone={requests.reload} />
            ))}
          </ul>
        )}
      </section>

      {friendsRecoveries.length > 0 && (
        <section className="card" aria-labelledby={`${id}-watch`}>
          <h2 className="card__title" id={`${id}-watch`}>
            Recoveries of friends’ vaults
          </h2>
          <p className="muted">
            Friends who keep a piece for the same person told your Tessera. If you know the owner did not ask
            for this, tell them on a call you start yourself: their own device can stop it.
          </p>
          <ul className="requests" data-testid="friends-recoveries">
            {friendsRecoveries.map((w) => (
              <li key={`${w.sessionPeerId}-${w.custodianPeerId}`} className="request">
                <p className="request__detail">{watchWords(w)}</p>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="card" aria-labelledby={`${id}-held`}>
        <h2 className="card__title" id={`${id}-held`}>
          Pieces you keep
        </h2>
        {held.error && <ErrorNotice message={held.error} onRetry={held.reload} />}
        {!held.data && !held.error && <Busy label="Loading…" />}
        {held.data && held.data.length === 0 && (
          <p className="muted">You are not keeping a piece for anyone yet.</p>
        )}
        {held.data && held.data.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="held">
              <thead>
                <tr>
                  <th scope="col">Friend</th>
                  <th scope="col">Since</th>
                  <th scope="col">Version</th>
                  <th scope="col">Last updated</th>
                </tr>
              </thead>
              <tbody>
                {held.data.map((h) => (
                  <tr key={h.ownerPeerId}>
                    <th scope="row">{h.owner}</th>
                    <td>{formatDate(h.since)}</td>
                    <td>{h.version}</td>
                    <td>{formatDate(h.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function RequestRow({ request, onDone }: { request: PendingRequest; onDone(): void }) {
  const [busy, setBusy] = useState<'accept' | 'decline' | null>(null);
  const [error, setError] = useState<string | null>(null);

  const answer = async (choice: 'accept' | 'decline') => {
    setBusy(choice);
    setError(null);
    try {
      await api().call(choice === 'accept' ? 'requests.accept' : 'requests.decline', { id: request.id });
      onDone();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(null);
    }
  };

  return (
    <li className="request" data-testid="request">
      <div className="request__text">
        <p className="request__title">From {request.from}</p>
        <p className="request__detail">
          {request.detail || `${request.from} asks you to keep a piece of their recovery key.`}
        </p>
        <p className="muted request__detail">
          Asked {formatDate(request.createdAt)} · answer by {formatDate(request.expiresAt)}
        </p>
        {busy && <Busy label={busy === 'accept' ? 'Accepting…' : 'Declining…'} />}
        {error && <ErrorNotice message={error} />}
      </div>
      <div className="actions request__actions">
        <button
          type="button"
          className="button button--primary"
          disabled={busy !== null}
          onClick={() => void answer('accept')}
          aria-label={`Accept ${request.from}’s request`}
        >
          Accept
        </button>
        <button
          type="button"
          className="button"
          disabled={busy !== null}
          onClick={() => void answer('decline')}
          aria-label={`Decline ${request.from}’s request`}
        >
          Decline
        </button>
      </div>
    </li>
  );
}

/** One friend's notice about a recovery of someone else's vault (PROTOCOL §11.7), in a sentence. */
function watchWords(w: RecoveryWatchEntry): string {
  if (w.stopped)
    return `${w.owner}’s own device stopped a recovery of ${w.owner}’s vault that ${w.custodian} had approved.`;
  if (w.state === 'withdrawn')
    return `${w.custodian} withdrew their approval of a recovery of ${w.owner}’s vault.`;
  if (w.state === 'released')
    return `${w.custodian} sent their piece for a recovery of ${w.owner}’s vault at ${formatDate(w.until)}.`;
  return `${w.custodian} approved a recovery of ${w.owner}’s vault from elsewhere (${pathWords(w.path)}); their piece goes at ${formatDate(w.until)}.`;
}
