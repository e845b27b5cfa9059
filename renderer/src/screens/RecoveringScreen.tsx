import { PageHeader } from '../components/PageHeader.tsx';
import { AppFooter } from '../components/AppFooter.tsx';
import { RecoveryProgress } from './recovery/RecoveryProgress.tsx';

/** Shown while this device is in the middle of a recovery (state `recovering`). */
export function RecoveringScreen() {
  return (
    <main className="first-run">
      <div className="first-run__panel first-run__panel--wide">
        <p className="app-brand" aria-hidden="true">
          Tessera
        </p>
        <PageHeader
          title="Recovering your vault"
          lead="This device is collecting pieces of your recovery key from your friends."
        />
        <RecoveryProgress />
      </div>
      <AppFooter />
    </main>
  );
}
