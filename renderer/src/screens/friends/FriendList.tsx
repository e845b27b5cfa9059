import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { Friend } from '../../../../shared/api/ops/friends.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import type { Loaded } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { FriendCodeCheck } from './FriendCodeCheck.tsx';
import { RemoveFriendDialog } from './RemoveFriendDialog.tsx';
import type { RemovalResult } from './RemoveFriendDialog.tsx';

/** What became of a removed friend's piece, in words. */
function removalWords(r: RemovalResult): string {
  if (r.piece === 'deleted')
    return `${r.name} was removed, told why, and deleted the piece they kept for you.`;
  if (r.piece === 'pending')
    return `${r.name} was removed. Their device could not be reached: Tessera keeps asking it to delete the piece they kept for you, and nothing else.`;
  return `${r.name} was removed.`;
}

export function FriendList({ loaded }: { loaded: Loaded<Friend[]> }) {
  const { data: friends, error, reload } = loaded;
  const [removing, setRemoving] = useState<Friend | null>(null);
  const [removed, setRemoved] = useState<RemovalResult | null>(null);
  const id = useId();

  return (
    <section className="card friends__list" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Your friends
      </h2>
      {removed && (
        <div className="note" role="status" data-testid="removal-result">
          <p>{removalWords(removed)}</p>
        </div>
      )}
      {error && <ErrorNotice message={error} onRetry={reload} />}
      {!friends && !error && <Busy label="Loading friends…" />}
      {friends && friends.length === 0 && <p className="muted">No friends yet. Add one above.</p>}
      {friends && friends.length > 0 && (
        <ul className="friend-list" data-testid="friend-list">
          {friends.map((friend) => (
            <FriendRow
              key={friend.peerId}
              friend={friend}
              namesakes={friends.filter(
                (f) =>
                  f.peerId !== friend.peerId &&
                  (f.chosenName === friend.chosenName || f.name === friend.name),
              )}
              onChanged={reload}
              onRemove={() => {
                setRemoved(null);
                setRemoving(friend);
              }}
            />
          ))}
        </ul>
      )}
      <RemoveFriendDialog
        friend={removing}
        friends={friends ?? []}
        onClose={(result) => {
          setRemoving(null);
          if (result) {
            setRemoved(result);
            reload();
          }
        }}
      />
    </section>
  );
}

function FriendRow({
  friend,
  namesakes,
  onChanged,
  onRemove,
}: {
  friend: Friend;
  namesakes: Friend[];
  onChanged(): void;
  onRemove(): void;
}) {
  const [naming, setNaming] = useState(false);
  return (
    <li className="friend" data-testid="friend" data-peer-id={friend.peerId}>
      <div className="friend__main">
        <p className="friend__name">
          <span className={`dot ${friend.reachable ? 'dot--on' : ''}`} aria-hidden="true" />
          {friend.name}
          {friend.verified && (
            <span className="verified-mark" data-testid="verified-mark" title="You compared codes">
              ✓ Verified
            </span>
          )}
        </p>
        {namesakes.length > 0 && (
          <p className="friend__namesake note note--warn" data-testid="friend-namesake">
            Another friend is also called{' '}
            {friend.chosenName === friend.name ? friend.name : friend.chosenName}
            {friend.nickname ? '' : '. Give one of them a nickname to tell them apart'}.
          </p>
        )}
        <p className="muted friend__meta">
          {friend.reachable
            ? 'Connected now'
            : friend.lastSeen
              ? `Last seen ${formatDate(friend.lastSeen)}`
              : 'Not seen yet'}{' '}
          · Added {formatDate(friend.addedAt)}
        </p>
        <FriendCodeCheck friend={friend} onChanged={onChanged} />
        {naming && (
          <NicknameForm
            friend={friend}
            onDone={() => {
              setNaming(false);
              onChanged();
            }}
          />
        )}
        <details className="friend__details">
          <summary>Name they chose and fingerprint</summary>
          <dl className="facts">
            <dt>Name they chose</dt>
            <dd data-testid="chosen-name">{friend.chosenName}</dd>
            <dt>Fingerprint</dt>
            <dd className="mono">{friend.fingerprint}</dd>
          </dl>
        </details>
      </div>
      <div className="friend__actions">
        <button
          type="button"
          className="button button--small"
          onClick={() => setNaming(!naming)}
          aria-label={`Nickname for ${friend.name}`}
        >
          Nickname
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={onRemove}
          aria-label={`Remove ${friend.name}`}
        >
          Remove
        </button>
      </div>
    </li>
  );
}

/** A nickname is kept on this device only, and shown everywhere in place of the name the friend chose. */
function NicknameForm({ friend, onDone }: { friend: Friend; onDone(): void }) {
  const [text, setText] = useState(friend.nickname ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const save = async (nickname: string | null) => {
    setBusy(true);
    setError(null);
    try {
      await api().call('friends.rename', { peerId: friend.peerId, nickname });
      onDone();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(text.trim() ? text : null);
  };
  return (
    <form className="friend__nickname" onSubmit={submit} noValidate>
      <label className="field__label" htmlFor={id}>
        What you call {friend.chosenName} (only on this device)
      </label>
      <div className="row">
        <input
          id={id}
          className="input"
          value={text}
          maxLength={64}
          onChange={(e) => setText(e.target.value)}
          autoFocus
        />
        <button type="submit" className="button button--small" disabled={busy}>
          Save nickname
        </button>
        {friend.nickname && (
          <button
            type="button"
            className="button button--small button--ghost"
            disabled={busy}
            onClick={() => void save(null)}
          >
            Use the name they chose
          </button>
        )}
      </div>
      {error && <ErrorNotice message={error} />}
    </form>
  );
}
