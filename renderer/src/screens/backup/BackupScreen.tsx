import { useCallback, useState } from 'react';
import { api } from '../../lib/api.ts';
import { useTopicVersion } from '../../lib/events.tsx';
import { useLoad } from '../../lib/useLoad.ts';
import { Busy } from '../../components/Busy.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { BackupWizard } from './BackupWizard.tsx';
import { BackupStatusView } from './BackupStatusView.tsx';
import { PaperPieces } from './PaperPieces.tsx';
import type { PaperPieceWords } from '../../../../shared/api/ops/backup.ts';
import './Backup.css';

/** Backup: set it up with a wizard, then watch each friend's piece. */
export function BackupScreen() {
  const backupVersion = useTopicVersion('backup');
  const friendsVersion = useTopicVersion('friends');
  const loadBackup = useCallback(() => api().call('backup.status', {}), []);
  const loadFriends = useCallback(() => api().call('friends.list', {}), []);
  const backup = useLoad(loadBackup, backupVersion);
  const friends = useLoad(loadFriends, friendsVersion);
  const [editing, setEditing] = useState(false);
  // Kept here, not in the wizard: the wizard closes as soon as the new backup shows in the status.
  const [printing, setPrinting] = useState<PaperPieceWords[] | null>(null);

  const error = backup.error ?? friends.error;
  const ready = backup.data && friends.data;
  const showWizard = ready && !printing && (editing || !backup.data?.configured);

  return (
    <div className="backup">
      <PageHeader
        title="Backup"
        lead="Your vault is encrypted and its key is split into pieces. Each friend you choose keeps one piece; enough of them together can bring your vault back if you lose this device."
      />
      {error && (
        <ErrorNotice
          message={error}
          onRetry={() => {
            backup.reload();
            friends.reload();
          }}
        />
      )}
      {!ready && !error && <Busy label="Reading your backup…" />}
      {printing && (
        <section className="card wizard">
          <PaperPieces pieces={printing} onDone={() => setPrinting(null)} />
        </section>
      )}
      {ready && showWizard && backup.data && friends.data && (
        <BackupWizard
          friends={friends.data}
          current={backup.data.configured ? backup.data : null}
          onDone={() => {
            setEditing(false);
            backup.reload();
          }}
          onPaper={(pieces) => {
            setPrinting(pieces);
            setEditing(false);
            backup.reload();
          }}
          onCancel={backup.data.configured ? () => setEditing(false) : undefined}
        />
      )}
      {ready && !showWizard && !printing && backup.data && friends.data && (
        <BackupStatusView status={backup.data} onChange={() => setEditing(true)} />
      )}
    </div>
  );
}
