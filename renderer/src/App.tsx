import { useEffect, useState } from 'react';
import { createClient } from '../../shared/api/client.ts';
import type { Status } from '../../shared/api/ops/app.ts';

export function App() {
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!window.tessera) return;
    const client = createClient(window.tessera);
    client.call('app.status', {}).then(setStatus, (err: Error) => setError(err.message));
  }, []);

  return (
    <main>
      <h1>Tessera</h1>
      {error && <p role="alert">{error}</p>}
      {status && (
        <dl>
          <dt>Version</dt>
          <dd data-testid="status-version">{status.version}</dd>
          <dt>Data directory</dt>
          <dd data-testid="status-datadir">{status.dataDir}</dd>
          <dt>Vault</dt>
          <dd data-testid="status-state">{status.state}</dd>
        </dl>
      )}
    </main>
  );
}
