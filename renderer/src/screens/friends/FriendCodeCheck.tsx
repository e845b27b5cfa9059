import { useState } from 'react';
import type { Friend } from '../../../../shared/api/ops/friends.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { ComparisonCode } from './ComparisonCode.tsx';

/**
 * A friend's code comparison (PROTOCOL §8.5): the six digits both screens show, and the person's verdict. Only a
 * verified friend can be asked to hold a piece.
 */
export function FriendCodeCheck({ friend, onChanged }: { friend: Friend; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
    setBusy(false);
  };
  const compare = () => run(() => api().call('friends.compare', { peerId: friend.peerId }));
  const judge = (match: boolean) =>
    run(() => api().call('friends.confirm', { peerId: friend.peerId, match }));

  if (friend.verified) {
    return (
      <p className="friend__verified" data-testid="friend-verified">
        ✓ Verified: you compared codes with {friend.name}.
      </p>
    );
  }
  return (
    <div className="friend__check" data-testid="friend-code-check">
      {friend.comparisonCode ? (
        <>
          <ComparisonCode code={friend.comparisonCode} name={friend.name} />
          <div className="row">
            <button
              type="button"
              className="button button--small"
              disabled={busy}
              onClick={() => void judge(true)}
            >
              It matches
            </button>
            <button
              type="button"
              className="button button--small"
              disabled={busy}
              onClick={() => void judge(false)}
            >
              It does not match
            </button>
          </div>
        </>
      ) : friend.needsUpdate ? (
        // Their Tessera cannot compare codes (PROTOCOL §13.3): say who must update, not only "not verified". The
        // button stays, for when they have.
        <p className="note note--warn" data-testid="friend-needs-update">
          {friend.needsUpdate.message} Ask them to update, then{' '}
          <button
            type="button"
            className="button button--small"
            disabled={busy}
            onClick={() => void compare()}
          >
            Compare codes
          </button>
        </p>
      ) : (
        <p>
          Not verified yet. Compare codes while you are both online, so that {friend.name} can keep a piece
          for you.{' '}
          <button
            type="button"
            className="button button--small"
            disabled={busy}
            onClick={() => void compare()}
          >
            Compare codes
          </button>
        </p>
      )}
      {error && <ErrorNotice message={error} />}
    </div>
  );
}
