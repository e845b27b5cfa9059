import { useCallback, useState } from 'react';
import { api, errorMessage } from '../lib/api.ts';
import { useIdle } from '../lib/idle.ts';
import { useSettings } from '../lib/settings.ts';
import { RouterContext, useHashRouter } from '../lib/router.tsx';
import type { Route, RouteName } from '../lib/router.tsx';
import { useStatus } from '../lib/status.tsx';
import { ClipboardStatus } from '../components/ClipboardStatus.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { VaultScreen } from './VaultScreen.tsx';
import { ItemEditor } from './ItemEditor.tsx';
import { SettingsScreen } from './SettingsScreen.tsx';
import { TrashScreen } from './TrashScreen.tsx';
import { ImportScreen } from './ImportScreen.tsx';
import { FriendsScreen } from './friends/FriendsScreen.tsx';
import { BackupScreen } from './backup/BackupScreen.tsx';
import { HoldingScreen } from './holding/HoldingScreen.tsx';
import { RecoveryHelpScreen } from './recovery/RecoveryHelpScreen.tsx';
import { RemoteRecoveryBanner } from './recovery/RemoteRecoveryBanner.tsx';
import './Shell.css';

interface NavEntry {
  name: RouteName;
  label: string;
  badge?: number;
}

/** The unlocked app: navigation on the side, the current screen in the middle, clipboard status at the bottom. */
export function Shell() {
  const { status, setStatus, expectLock } = useStatus();
  // The route lives in the address, so a reload or an unlock after a lock comes back to the same screen.
  const router = useHashRouter();
  const { route, navigate } = router;
  const [lockError, setLockError] = useState<string | null>(null);

  const lock = useCallback(
    async (reason: 'user' | 'auto') => {
      try {
        expectLock();
        setStatus(await api().call('vault.lock', {}), reason);
      } catch (err) {
        setLockError(errorMessage(err));
      }
    },
    [setStatus, expectLock],
  );
  const settings = useSettings();
  const autoLockMinutes = settings.data?.autoLockMinutes ?? null;
  useIdle(
    autoLockMinutes,
    useCallback(() => void lock('auto'), [lock]),
  );

  const entries: NavEntry[] = [
    { name: 'vault', label: 'Vault' },
    { name: 'friends', label: 'Friends' },
    { name: 'backup', label: 'Backup' },
    { name: 'holding', label: 'Holding for friends', badge: status.pendingRequests },
    { name: 'recovery-help', label: 'Help a friend recover' },
    { name: 'settings', label: 'Settings' },
  ];
  const current: RouteName =
    route.name === 'item-new' ||
    route.name === 'item-edit' ||
    route.name === 'trash' ||
    route.name === 'import'
      ? 'vault'
      : route.name;

  return (
    <RouterContext.Provider value={router}>
      <div className="shell">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <aside className="shell__side">
          <div className="shell__brand">
            <span className="shell__logo" aria-hidden="true">
              Tessera
            </span>
            {status.identity && (
              <span className="shell__owner" data-testid="owner-name">
                {status.identity.name}
              </span>
            )}
          </div>
          <nav aria-label="Main" className="shell__nav">
            <ul>
              {entries.map((entry) => (
                <li key={entry.name}>
                  <button
                    type="button"
                    className="shell__link"
                    aria-current={current === entry.name ? 'page' : undefined}
                    onClick={() => navigate({ name: entry.name } as Route)}
                  >
                    <span>{entry.label}</span>
                    {entry.badge ? (
                      <span className="shell__badge" aria-label={`${entry.badge} waiting`}>
                        {entry.badge}
                      </span>
                    ) : null}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <div className="shell__foot">
            <button type="button" className="button shell__lock" onClick={() => void lock('user')}>
              Lock
            </button>
          </div>
        </aside>
        <main id="main" className="shell__main" tabIndex={-1}>
          {lockError && <ErrorNotice title="The vault was not locked" message={lockError} />}
          <RemoteRecoveryBanner />
          <RouteView route={route} />
        </main>
        <div className="shell__bottom">
          <ClipboardStatus />
        </div>
      </div>
    </RouterContext.Provider>
  );
}

function RouteView({ route }: { route: Route }) {
  switch (route.name) {
    case 'vault':
      return <VaultScreen selectedId={route.itemId ?? null} />;
    case 'item-new':
      return <ItemEditor key="new" itemId={null} />;
    case 'item-edit':
      return <ItemEditor key={route.itemId} itemId={route.itemId} />;
    case 'trash':
      return <TrashScreen />;
    case 'import':
      return <ImportScreen />;
    case 'settings':
      return <SettingsScreen />;
    case 'friends':
      return <FriendsScreen />;
    case 'backup':
      return <BackupScreen />;
    case 'holding':
      return <HoldingScreen />;
    case 'recovery-help':
      return <RecoveryHelpScreen approvalId={route.approvalId ?? null} />;
  }
}
