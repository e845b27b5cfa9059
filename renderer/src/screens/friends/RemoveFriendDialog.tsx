import { useCallback, useEffect, useState } from 'react';
import type { Friend } from '../../../../shared/api/ops/friends.ts';
import type { OpOutput } from '../../../../shared/api/contract.ts';
import { recommendedThreshold, thresholdGuidance } from '../../../../shared/backup-guidance.ts';
import { currentCustodians, removalImpact } from '../../../../shared/backup-summary.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { useLoad } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';

export type RemovalResult = { name: string } & OpOutput<'friends.remove'>;

/**
 * Removing a friend says what it does to the backup before anything happens (shared/backup-summary.ts), offers the
 * new backup without them in the same step (a fresh split, PROTOCOL §9), and says what it means for a friend whose
 * piece this person keeps (PROTOCOL §9.2, "Deletion").
 */
export function RemoveFriendDialog({
  friend,
  friends,
  onClose,
}: {
  friend: Friend | null;
  friends: Friend[];
  onClose(result: RemovalResult | null): void;
}) {
  const loadContext = useCallback(
    () =>
      friend
        ? Promise.all([api().call('backup.status', {}), api().call('held.list', {})])
        : Promise.resolve(null),
    [friend],
  );
  const context = useLoad(loadContext);
  const [status, held] = context.data ?? [null, null];
  const [reshare, setReshare] = useState(true);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [threshold, setThreshold] = useState(2);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const impact = friend && status ? removalImpact(status, friend.peerId, friend.name) : null;
  const others = friends.filter((f) => f.verified && f.peerId !== friend?.peerId);
  const keepsTheirs = friend !== null && (held ?? []).some((h) => h.ownerPeerId === friend.peerId);

  // The new backup starts as the current one without them, with the number needed kept where it still fits.
  useEffect(() => {
    if (!friend || !status) return;
    const current = new Set(
      currentCustodians(status.custodians)
        .filter((c) => c.peerId !== friend.peerId)
        .map((c) => c.peerId),
    );
    const start = others.filter((f) => current.has(f.peerId)).map((f) => f.peerId);
    setChosen(new Set(start));
    const n = start.length;
    setThreshold(n >= 2 ? Math.min(Math.max(status.threshold, 2), n) : 2);
    setReshare(true);
    setError(null);
    // Only when another friend or another status is shown.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [friend?.peerId, status]);

  const n = chosen.size;
  const canReshare = impact?.holdsPiece === true && others.length >= 2;
  const willReshare = canReshare && reshare;
  const t = Math.min(threshold, Math.max(n, 2));

  const toggle = (peerId: string) =>
    setChosen((prev) => {
      const next = new Set(prev);
      if (next.has(peerId)) next.delete(peerId);
      else next.add(peerId);
      return next;
    });

  const confirm = async () => {
    if (!friend) return;
    if (willReshare && n < 2) {
      setError('Choose at least two friends for the new backup, or do not make one now.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await api().call('friends.remove', {
        peerId: friend.peerId,
        ...(willReshare ? { reshare: { custodians: [...chosen], threshold: t } } : {}),
      });
      setBusy(false);
      onClose({ name: friend.name, ...result });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      open={friend !== null}
      title={`Remove ${friend?.name ?? 'this friend'}?`}
      confirmLabel={willReshare ? 'Remove and make new backup' : 'Remove friend'}
      danger
      busy={busy || !context.data}
      onConfirm={() => void confirm()}
      onCancel={() => onClose(null)}
    >
      <p>You will no longer be connected to {friend?.name}.</p>
      {context.error && <ErrorNotice message={context.error} onRetry={context.reload} />}
      {!context.data && !context.error && <Busy label="Reading your backup…" />}
      {impact && (
        <p data-testid="removal-impact" className={impact.holdsPiece ? 'removal__impact' : undefined}>
          {impact.text}
        </p>
      )}
      {impact?.holdsPiece && !canReshare && (
        <p className="note note--warn">
          You have fewer than two other verified friends, so a new backup cannot be made now. Compare codes
          with more friends, then make a new backup on the Backup page.
        </p>
      )}
      {canReshare && (
        <fieldset className="wizard__fieldset removal__reshare" data-testid="removal-reshare">
          <legend>
            <label className="check">
              <input type="checkbox" checked={reshare} onChange={() => setReshare(!reshare)} />
              <span>Make a new backup without {friend?.name} now</span>
            </label>
          </legend>
          {reshare && (
            <>
              <p className="muted">
                A new key is split among the friends you choose; the old pieces are deleted once the new ones
                are with them.
              </p>
              <ul className="wizard__friends">
                {others.map((f) => (
                  <li key={f.peerId}>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={chosen.has(f.peerId)}
                        onChange={() => toggle(f.peerId)}
                      />
                      <span>
                        {f.name} <span className="verified-mark">✓ Verified</span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
              {n >= 2 ? (
                <label className="field__label removal__threshold">
                  Friends needed to restore{' '}
                  <select className="input" value={t} onChange={(e) => setThreshold(Number(e.target.value))}>
                    {Array.from({ length: n - 1 }, (_, i) => i + 2).map((value) => (
                      <option key={value} value={value}>
                        {value} of {n}
                        {n >= 3 && value === recommendedThreshold(n) ? ' (recommended)' : ''}
                      </option>
                    ))}
                  </select>
                </label>
              ) : (
                <p className="muted">Choose at least two friends.</p>
              )}
              {n >= 2 && <p data-testid="removal-reshare-summary">{thresholdGuidance(t, n).summary}</p>}
            </>
          )}
        </fieldset>
      )}
      {keepsTheirs && (
        <p className="note note--warn" data-testid="removal-held">
          You keep a piece of {friend?.name}’s recovery key. Removing {friend?.name} deletes it from this
          device: {friend?.name}’s backup will have one piece fewer, and you could no longer help{' '}
          {friend?.name} recover.
        </p>
      )}
      {busy && <Busy label={willReshare ? 'Making the new backup and removing…' : 'Removing…'} />}
      {error && <ErrorNotice message={error} />}
    </ConfirmDialog>
  );
}
