import { useId, useState } from 'react';
import type { Friend } from '../../../../shared/api/ops/friends.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import type { Loaded } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { FriendCodeCheck } from './FriendCodeCheck.tsx';

export function FriendList({ loaded }: { loaded: Loaded<Friend[]> }) {
  const { data: friends, error, reload } = loaded;
  const [removing, setRemoving] = useState<Friend | null>(null);
  const [busy, setBusy] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const id = useId();

  const remove = async () => {
    if (!removing) return;
    setBusy(true);
    setRemoveError(null);
    try {
      await api().call('friends.remove', { peerId: removing.peerId });
      setRemoving(null);
      reload();
    } catch (err) {
      setRemoveError(errorMessage(err));
    }
    setBusy(false);
  };

  return (
    <section className="card friends__list" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Your friends
      </h2>
      {error && <ErrorNotice message={error} onRetry={reload} />}
      {!friends && !error && <Busy label="Loading friends…" />}
      {friends && friends.length === 0 && <p className="muted">No friends yet. Add one above.</p>}
      {friends && friends.length > 0 && (
        <ul className="friend-list" data-testid="friend-list">
          {friends.map((friend) => (
            <li key={friend.peerId} className="friend">
              <div className="friend__main">
                <p className="friend__name">
                  <span className={`dot ${friend.reachable ? 'dot--on' : ''}`} aria-hidden="true" />
                  {friend.name}
                </p>
                <p className="muted friend__meta">
                  {friend.reachable
                    ? 'Connected now'
                    : friend.lastSeen
                      ? `Last seen ${formatDate(friend.lastSeen)}`
                      : 'Not seen yet'}{' '}
                  · Added {formatDate(friend.addedAt)}
                </p>
                <FriendCodeCheck friend={friend} onChanged={reload} />
                <details className="friend__details">
                  <summary>Fingerprint</summary>
                  <dl className="facts">
                    <dt>Fingerprint</dt>
                    <dd className="mono">{friend.fingerprint}</dd>
                  </dl>
                </details>
              </div>
              <button
                type="button"
                className="button button--small"
                onClick={() => {
                  setRemoveError(null);
                  setRemoving(friend);
                }}
                aria-label={`Remove ${friend.name}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.name ?? 'this friend'}?`}
        confirmLabel="Remove friend"
        danger
        busy={busy}
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      >
        <p>
          You will no longer be connected to {removing?.name}. If they hold a piece of your recovery key, make
          a new backup with other friends afterwards.
        </p>
        {busy && <Busy label="Removing…" />}
        {removeError && <ErrorNotice message={removeError} />}
      </ConfirmDialog>
    </section>
  );
}
