import { PageHeader } from '../components/PageHeader.tsx';
import { AppFooter } from '../components/AppFooter.tsx';
import { useStatus } from '../lib/status.tsx';

/** Shown while this device is in the middle of a recovery (state `recovering`). */
export function RecoveringScreen() {
  const { status } = useStatus();
  return (
    <main className="first-run">
      <div className="first-run__panel">
        <PageHeader
          title="Recovering your vault"
          lead="This device is waiting for pieces of your recovery key from your friends."
        />
        <p className="muted">Data folder: {status.dataDir}</p>
      </div>
      <AppFooter />
    </main>
  );
}
