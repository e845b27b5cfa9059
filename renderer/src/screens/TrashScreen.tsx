import { useCallback, useState } from 'react';
import { TRASH_DAYS } from '../../../shared/api/ops/items.ts';
import type { TrashedItem } from '../../../shared/api/ops/items.ts';
import { api, errorMessage } from '../lib/api.ts';
import { useNotices, useTopicVersion } from '../lib/events.tsx';
import { formatDate, plural } from '../lib/format.ts';
import { useRouter } from '../lib/router.tsx';
import { useLoad } from '../lib/useLoad.ts';
import { Busy } from '../components/Busy.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import './TrashScreen.css';

/**
 * Deleted items (docs/STORAGE.md, "Trash and secret history"): each waits here TRASH_DAYS days and can be restored
 * as it was, or deleted for good at once. The trash stays on this device; backups never carry it.
 */
export function TrashScreen() {
  const { navigate } = useRouter();
  const { notify } = useNotices();
  const itemsVersion = useTopicVersion('items');
  const load = useCallback(() => api().call('items.trash', {}), []);
  const { data: items, error, loading, reload } = useLoad(load, itemsVersion);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [purging, setPurging] = useState<TrashedItem | null>(null);

  const restore = async (item: TrashedItem) => {
    setBusy(item.id);
    setActionError(null);
    try {
      await api().call('items.restore', { id: item.id });
      notify('Item restored', `“${item.title}” is back in your vault.`);
      reload();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const purge = async (item: TrashedItem) => {
    setBusy(item.id);
    setActionError(null);
    try {
      await api().call('items.purge', { id: item.id });
      setPurging(null);
      reload();
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="trash">
      <button
        type="button"
        className="button button--ghost button--small"
        onClick={() => navigate({ name: 'vault' })}
      >
        ← All items
      </button>
      <PageHeader
        title="Trash"
        lead={`Deleted items wait here ${TRASH_DAYS} days, then are deleted for good. The trash stays on this device: backups do not carry it.`}
      />
      {error && <ErrorNotice message={error} onRetry={reload} />}
      {actionError && !purging && <ErrorNotice message={actionError} />}
      {!items && loading && <Busy label="Opening the trash…" />}
      {items && items.length === 0 && (
        <div className="trash__empty" data-testid="trash-empty">
          <p>The trash is empty.</p>
        </div>
      )}
      {items && items.length > 0 && (
        <>
          <p className="muted">{plural(items.length, 'deleted item')}</p>
          <ul className="trash__items" data-testid="trash-list">
            {items.map((item) => (
              <li key={item.id} className="trash__item" aria-label={item.title}>
                <div className="trash__text">
                  <span className="trash__title">{item.title}</span>
                  <span className="trash__meta">
                    {item.attachmentCount > 0 && <span>{plural(item.attachmentCount, 'file')}</span>}
                    <span>Deleted {formatDate(item.deletedAt)}</span>
                    <span>Deleted for good {formatDate(item.purgeAt)}</span>
                  </span>
                </div>
                <div className="actions">
                  <button
                    type="button"
                    className="button button--small"
                    disabled={busy !== null}
                    onClick={() => void restore(item)}
                    aria-label={`Restore ${item.title}`}
                  >
                    {busy === item.id && !purging ? 'Restoring…' : 'Restore'}
                  </button>
                  <button
                    type="button"
                    className="button button--small"
                    disabled={busy !== null}
                    onClick={() => {
                      setActionError(null);
                      setPurging(item);
                    }}
                    aria-label={`Delete ${item.title} forever`}
                  >
                    Delete forever
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
      <ConfirmDialog
        open={purging !== null}
        title="Delete this item forever?"
        confirmLabel="Delete forever"
        danger
        busy={busy !== null}
        onConfirm={() => purging && void purge(purging)}
        onCancel={() => {
          setPurging(null);
          setActionError(null);
        }}
      >
        <p>
          “{purging?.title}”, its files and its previous secrets will be deleted from this device. This cannot
          be undone.
        </p>
        {actionError && purging && <ErrorNotice message={actionError} />}
      </ConfirmDialog>
    </div>
  );
}
