import { useStatus } from '../lib/status.tsx';
import './AppFooter.css';

/** Which Tessera this is and where its data lives: useful when several run on one machine. */
export function AppFooter() {
  const { status } = useStatus();
  return (
    <footer className="app-footer">
      <span>
        Tessera <span data-testid="status-version">{status.version}</span>
      </span>
      <span>
        Data folder:{' '}
        <span className="mono" data-testid="status-datadir">
          {status.dataDir}
        </span>
      </span>
    </footer>
  );
}
