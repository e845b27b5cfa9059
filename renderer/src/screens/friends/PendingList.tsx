import { useId, useState } from 'react';
import type { PendingFriend } from '../../../../shared/api/ops/friends.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import type { Loaded } from '../../lib/useLoad.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';

/**
 * People whose invite you accepted and who have not accepted yours yet. Shown only while there are some, so the
 * comparison code and the way out ("Stop waiting") are still there after leaving the screen.
 */
export function PendingList({ loaded }: { loaded: Loaded<PendingFriend[]> }) {
  const { data: pending, error, reload } = loaded;
  const [stopError, setStopError] = useState<string | null>(null);
  const [stopping, setStopping] = useState<string | null>(null);
  const id = useId();

  if (error) return <ErrorNotice message={error} onRetry={reload} />;
  if (!pending || pending.length === 0) return null;

  const stop = async (p: PendingFriend) => {
    setStopping(p.peerId);
    setStopError(null);
    try {
      await api().call('friends.remove', { peerId: p.peerId });
      reload();
    } catch (err) {
      setStopError(errorMessage(err));
    }
    setStopping(null);
  };

  return (
    <section className="card friends__pending" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Waiting for them to add you
      </h2>
      <p className="muted">
        You accepted their invite. Show them yours; this finishes by itself once they accept it.
      </p>
      <ul className="friend-list" data-testid="pending-list">
        {pending.map((p) => (
          <li key={p.peerId} className="friend">
            <div className="friend__main">
              <p className="friend__name">{p.name}</p>
              <p className="muted friend__meta">
                Waiting since {formatDate(p.since)} · Tessera keeps trying until {formatDate(p.giveUpAt)}
              </p>
            </div>
            <button
              type="button"
              className="button button--small"
              disabled={stopping === p.peerId}
              onClick={() => void stop(p)}
              aria-label={`Stop waiting for ${p.name}`}
            >
              Stop waiting
            </button>
          </li>
        ))}
      </ul>
      {stopError && <ErrorNotice message={stopError} />}
    </section>
  );
}
