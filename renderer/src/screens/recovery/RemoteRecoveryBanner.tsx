import { useCallback, useEffect, useState } from 'react';
import type { RecoveryWatchEntry } from '../../../../shared/api/ops/recovery.ts';
import { api, errorMessage } from '../../lib/api.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { formatDate, listNames } from '../../lib/format.ts';
import { useLoad } from '../../lib/useLoad.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import './Recovery.css';

/** How a custodian reached the new device, in the banner's words. */
function viaWords(path: RecoveryWatchEntry['path']): string {
  return path === 'relayed' ? 'through a friend’s device' : 'connected directly';
}

interface Stopped {
  told: number;
  custodians: number;
}

/**
 * On every screen of the owner's unlocked device: someone is recovering this vault from elsewhere (a friend's Tessera
 * said so, PROTOCOL §11.7), with Stop. Only this device can stop it, and only unlocked, which the Shell is.
 */
export function RemoteRecoveryBanner() {
  const version = useTopicVersion('recovery');
  const load = useCallback(() => api().call('recovery.watch', {}), []);
  const { data, reload } = useLoad(load, version);
  // Events drive updates; a slow poll covers a dropped event stream. A failed read shows nothing: the banner must
  // never stand in the way of the screen under it.
  useEffect(() => {
    const id = setInterval(reload, 5000);
    return () => clearInterval(id);
  }, [reload]);
  const [stopped, setStopped] = useState<Map<string, Stopped>>(new Map());

  const sessions = new Map<string, RecoveryWatchEntry[]>();
  for (const entry of data ?? []) {
    if (!entry.mine || entry.stopped || entry.state !== 'approved') continue;
    sessions.set(entry.sessionPeerId, [...(sessions.get(entry.sessionPeerId) ?? []), entry]);
  }
  const done = [...stopped.entries()];
  if (sessions.size === 0 && done.length === 0) return null;
  return (
    <>
      {[...sessions.entries()]
        .filter(([session]) => !stopped.has(session))
        .map(([session, entries]) => (
          <OwnerAlert
            key={session}
            session={session}
            entries={entries}
            onStopped={(result) => {
              setStopped((prev) => new Map(prev).set(session, result));
              reload();
            }}
          />
        ))}
      {done.map(([session, result]) => (
        <div
          key={session}
          className="note recovery-banner__stopped"
          role="status"
          data-testid="owner-stopped"
        >
          <p>
            Stopped: {result.told} of {result.custodians} friends told.
            {result.told < result.custodians && ' The others are told as soon as their devices connect.'}
          </p>
          <button
            type="button"
            className="button button--small button--ghost"
            onClick={() =>
              setStopped((prev) => {
                const next = new Map(prev);
                next.delete(session);
                return next;
              })
            }
          >
            Dismiss
          </button>
        </div>
      ))}
    </>
  );
}

function OwnerAlert({
  session,
  entries,
  onStopped,
}: {
  session: string;
  entries: RecoveryWatchEntry[];
  onStopped(result: Stopped): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const first = Math.min(...entries.map((e) => e.until));
  const who = listNames(entries.map((e) => `${e.custodian} approved (${viaWords(e.path)})`));
  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      onStopped(await api().call('recovery.stopRemote', { sessionPeerId: session }));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <section className="recovery-banner" role="alert" aria-label="Someone is recovering your vault">
      <p className="recovery-banner__title">Someone is recovering your vault</p>
      <p data-testid="owner-alert">
        {who} — {entries.length === 1 ? 'their piece goes' : 'the first piece goes'} at {formatDate(first)}.
        If this is not you, stop it.
      </p>
      {error && <ErrorNotice title="The recovery was not stopped" message={error} />}
      <div className="actions">
        <button type="button" className="button button--danger" disabled={busy} onClick={() => void stop()}>
          {busy ? 'Stopping…' : 'Stop this recovery'}
        </button>
      </div>
    </section>
  );
}
