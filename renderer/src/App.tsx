import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Status } from '../../shared/api/ops/app.ts';
import { api, errorMessage } from './lib/api.ts';
import { clearClipboard } from './lib/clipboard.ts';
import { EventsProvider, useTopicVersion } from './lib/events.tsx';
import { StatusContext } from './lib/status.tsx';
import type { StatusValue } from './lib/status.tsx';
import { Busy } from './components/Busy.tsx';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { Notices } from './components/Notices.tsx';
import { FirstRun } from './screens/FirstRun.tsx';
import { Unlock } from './screens/Unlock.tsx';
import type { LockReason } from './screens/Unlock.tsx';
import { Shell } from './screens/Shell.tsx';
import { RecoveringScreen } from './screens/RecoveringScreen.tsx';
import './App.css';

export function App() {
  return (
    <EventsProvider>
      {/* Notices take their own band below the screen, so they never cover a control (a Save or Remove button). */}
      <div className="app-layout">
        <div className="app-layout__screen">
          <Root />
        </div>
        <Notices />
      </div>
    </EventsProvider>
  );
}

/** Chooses the screen from the vault's state; everything else hangs off the unlocked shell. */
function Root() {
  const [status, setStatusState] = useState<Status | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [lockReason, setLockReason] = useState<LockReason>(null);
  // The status carries counts of friends, held pieces and pending requests: re-read it when those change too.
  const statusVersion =
    useTopicVersion('status') +
    useTopicVersion('friends') +
    useTopicVersion('requests') +
    useTopicVersion('held');
  const previousState = useRef<Status['state'] | null>(null);
  const expectingLock = useRef(false);

  const apply = useCallback((next: Status, reason: 'user' | 'idle' | 'event') => {
    const prev = previousState.current;
    previousState.current = next.state;
    if (prev === 'unlocked' && next.state !== 'unlocked') void clearClipboard();
    if (next.state === 'locked' && prev === 'unlocked') {
      if (reason === 'idle') setLockReason('idle');
      else if (reason === 'event' && !expectingLock.current) setLockReason('auto');
      else setLockReason(null);
    }
    if (next.state === 'unlocked') setLockReason(null);
    expectingLock.current = false;
    setStatusState(next);
  }, []);

  const refresh = useCallback(async () => {
    try {
      apply(await api().call('app.status', {}), 'event');
      setLoadError(null);
    } catch (err) {
      setLoadError(errorMessage(err));
    }
  }, [apply]);

  useEffect(() => {
    void refresh();
  }, [refresh, statusVersion]);

  const value = useMemo<StatusValue | null>(
    () =>
      status && {
        status,
        refresh,
        setStatus: (next, reason = 'user') => {
          if (reason === 'user' && next.state === 'locked') expectingLock.current = true;
          apply(next, reason === 'auto' ? 'idle' : 'user');
        },
        expectLock: () => {
          expectingLock.current = true;
        },
      },
    [status, refresh, apply],
  );

  if (!value) {
    return (
      <main className="app-center">
        <div className="app-center__box">
          <p className="app-brand" aria-hidden="true">
            Tessera
          </p>
          {loadError ? (
            <ErrorNotice
              title="Tessera could not be reached"
              message={loadError}
              onRetry={() => void refresh()}
            />
          ) : (
            <Busy label="Opening Tessera…" />
          )}
        </div>
      </main>
    );
  }

  return (
    <StatusContext.Provider value={value}>
      {loadError && (
        <div className="app-banner" role="alert">
          Lost contact with Tessera: {loadError}{' '}
          <button type="button" className="button button--small" onClick={() => void refresh()}>
            Try again
          </button>
        </div>
      )}
      <StateScreen state={value.status.state} lockReason={lockReason} />
    </StatusContext.Provider>
  );
}

function StateScreen({ state, lockReason }: { state: Status['state']; lockReason: LockReason }) {
  switch (state) {
    case 'empty':
      return <FirstRun />;
    case 'locked':
      return <Unlock reason={lockReason} />;
    case 'recovering':
      return <RecoveringScreen />;
    case 'unlocked':
      return <Shell />;
  }
}
