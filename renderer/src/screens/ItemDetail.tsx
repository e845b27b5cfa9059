import { useCallback, useEffect, useRef, useState } from 'react';
import { TRASH_DAYS } from '../../../shared/api/ops/items.ts';
import type { Item, PreviousSecret } from '../../../shared/api/ops/items.ts';
import { api, errorMessage } from '../lib/api.ts';
import { copySensitive } from '../lib/clipboard.ts';
import { useNotices, useTopicVersion } from '../lib/events.tsx';
import { base64ToBlob } from '../lib/files.ts';
import { formatBytes, formatDate } from '../lib/format.ts';
import { useRouter } from '../lib/router.tsx';
import { useLoad } from '../lib/useLoad.ts';
import { KIND_LABELS, openableUrl, type ItemKind } from '../../../shared/items/kinds.ts';
import { Busy } from '../components/Busy.tsx';
import { KindIcon } from '../components/KindIcon.tsx';
import { SeedCheck } from '../components/SeedCheck.tsx';
import { TotpCode } from '../components/TotpCode.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import './ItemDetail.css';

/** One item: the secret stays hidden until asked for, can be copied, and files can be saved. */
export function ItemDetail({ id }: { id: string }) {
  const itemsVersion = useTopicVersion('items');
  const load = useCallback(() => api().call('items.get', { id }), [id]);
  const { data: item, error, reload } = useLoad(load, itemsVersion);
  const { navigate } = useRouter();

  return (
    <div className="item-detail">
      <button
        type="button"
        className="button button--ghost button--small vault__back"
        onClick={() => navigate({ name: 'vault' })}
      >
        ← All items
      </button>
      {error && <ErrorNotice message={error} onRetry={reload} />}
      {!item && !error && <Busy label="Opening item…" />}
      {item && <ItemView item={item} />}
    </div>
  );
}

/** What the secret is called on this screen, per kind ("Reveal password", "Copy seed phrase"). */
const SECRET_NOUN: Record<ItemKind, string> = {
  secret: 'secret',
  login: 'password',
  totp: 'setup',
  seed: 'seed phrase',
  note: 'secret',
};

function ItemView({ item }: { item: Item }) {
  const kind = item.kind ?? 'secret';
  const noun = SECRET_NOUN[kind];
  const { navigate, replace } = useRouter();
  const { notify } = useNotices();
  const [revealed, setRevealed] = useState(false);
  const [copyError, setCopyError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    headingRef.current?.focus({ preventScroll: true });
  }, [item.id]);

  const copy = async () => {
    setCopyError(null);
    try {
      await copySensitive(item.secret, `${noun} of “${item.title}”`);
    } catch (err) {
      setCopyError(errorMessage(err));
    }
  };

  const remove = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await api().call('items.delete', { id: item.id });
      const { id, title } = item;
      notify('Item deleted', `“${title}” is in the trash for ${TRASH_DAYS} days.`, {
        action: {
          label: 'Undo',
          run: () => {
            api()
              .call('items.restore', { id })
              .then(
                () => navigate({ name: 'vault', itemId: id }),
                (err: unknown) => notify('The item was not restored', errorMessage(err)),
              );
          },
        },
      });
      setConfirming(false);
      replace({ name: 'vault' });
    } catch (err) {
      setDeleteError(errorMessage(err));
      setDeleting(false);
    }
  };

  // The item lists its files without their bytes; a file is fetched when it is saved.
  const download = async (attachmentId: string) => {
    setSaveError(null);
    setSaving(attachmentId);
    try {
      const attachment = await api().call('items.attachment', { id: item.id, attachmentId });
      const url = URL.createObjectURL(base64ToBlob(attachment.dataBase64, attachment.mediaType));
      const link = document.createElement('a');
      link.href = url;
      link.download = attachment.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setSaveError(errorMessage(err));
    } finally {
      setSaving(null);
    }
  };

  return (
    <article className="item-detail__card card" aria-labelledby="item-title">
      <header className="item-detail__head">
        <div>
          <h2 id="item-title" ref={headingRef} tabIndex={-1} className="item-detail__title">
            {item.title}
          </h2>
          <p className="item-detail__kind muted" data-testid="item-kind">
            <KindIcon kind={kind} /> {KIND_LABELS[kind]}
          </p>
        </div>
        <div className="actions">
          <button
            type="button"
            className="button"
            onClick={() => navigate({ name: 'item-edit', itemId: item.id })}
          >
            Edit
          </button>
          <button type="button" className="button" onClick={() => setConfirming(true)}>
            Delete
          </button>
        </div>
      </header>
      {item.tags.length > 0 && (
        <ul className="item-detail__tags" aria-label="Tags">
          {item.tags.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      )}

      {kind === 'login' && <LoginFields item={item} />}

      {kind === 'totp' && (
        <section className="item-detail__section" aria-labelledby="code-label">
          <h3 id="code-label" className="item-detail__label">
            One-time code
          </h3>
          <TotpCode uri={item.secret} title={item.title} />
        </section>
      )}

      {!(kind === 'note' && !item.secret) && (
        <section className="item-detail__section" aria-labelledby="secret-label">
          <h3 id="secret-label" className="item-detail__label">
            {noun.charAt(0).toUpperCase() + noun.slice(1)}
          </h3>
          {item.secret ? (
            <>
              <div className="item-detail__secret">
                <code className="mono" data-testid="secret-value" aria-live="polite">
                  {/* A fixed number of dots: the hidden secret does not give away its length. */}
                  {revealed ? item.secret : '••••••••'}
                </code>
              </div>
              <div className="actions">
                <button
                  type="button"
                  className="button button--small"
                  aria-pressed={revealed}
                  onClick={() => setRevealed((r) => !r)}
                >
                  {revealed ? `Hide ${noun}` : `Reveal ${noun}`}
                </button>
                <button type="button" className="button button--small" onClick={() => void copy()}>
                  Copy {noun}
                </button>
              </div>
              {copyError && <ErrorNotice message={copyError} />}
              {kind === 'seed' && <SeedCheck phrase={item.secret} />}
            </>
          ) : (
            <p className="muted">No {noun} saved.</p>
          )}
        </section>
      )}

      <PreviousSecrets item={item} />

      {item.notes && (
        <section className="item-detail__section" aria-labelledby="notes-label">
          <h3 id="notes-label" className="item-detail__label">
            Notes
          </h3>
          <p className="item-detail__notes" data-testid="item-notes">
            {item.notes}
          </p>
        </section>
      )}

      {item.attachments.length > 0 && (
        <section className="item-detail__section" aria-labelledby="files-label">
          <h3 id="files-label" className="item-detail__label">
            Files
          </h3>
          <ul className="item-detail__files">
            {item.attachments.map((attachment) => (
              <li key={attachment.id}>
                <span className="item-detail__file-name">{attachment.name}</span>
                <span className="muted">{formatBytes(attachment.size)}</span>
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => void download(attachment.id)}
                  disabled={saving !== null}
                  aria-label={`Save ${attachment.name}`}
                >
                  {saving === attachment.id ? 'Saving…' : 'Save'}
                </button>
              </li>
            ))}
          </ul>
          {saveError && <ErrorNotice message={saveError} />}
        </section>
      )}

      <p className="item-detail__dates muted">
        Added {formatDate(item.createdAt)} · Changed {formatDate(item.updatedAt)}
      </p>

      <ConfirmDialog
        open={confirming}
        title="Delete this item?"
        confirmLabel="Delete"
        danger
        busy={deleting}
        onConfirm={() => void remove()}
        onCancel={() => {
          setConfirming(false);
          setDeleteError(null);
        }}
      >
        <p>
          “{item.title}” and its files will be removed from this vault and kept in the trash for {TRASH_DAYS}{' '}
          days, where you can restore them.
        </p>
        {deleting && <Busy label="Deleting…" />}
        {deleteError && <ErrorNotice message={deleteError} />}
      </ConfirmDialog>
    </article>
  );
}

/** A login's user name (shown, with a copy button) and web addresses (links that open in the browser). */
function LoginFields({ item }: { item: Item }) {
  const [copyError, setCopyError] = useState<string | null>(null);
  const copy = async (text: string, what: string) => {
    setCopyError(null);
    try {
      await copySensitive(text, `${what} of “${item.title}”`);
    } catch (err) {
      setCopyError(errorMessage(err));
    }
  };
  return (
    <>
      {item.username && (
        <section className="item-detail__section" aria-labelledby="username-label">
          <h3 id="username-label" className="item-detail__label">
            User name
          </h3>
          <div className="item-detail__field">
            <code className="mono" data-testid="item-username">
              {item.username}
            </code>
            <button
              type="button"
              className="button button--small"
              onClick={() => void copy(item.username ?? '', 'user name')}
            >
              Copy user name
            </button>
          </div>
        </section>
      )}
      {item.urls && item.urls.length > 0 && (
        <section className="item-detail__section" aria-labelledby="urls-label">
          <h3 id="urls-label" className="item-detail__label">
            Web {item.urls.length === 1 ? 'address' : 'addresses'}
          </h3>
          <ul className="item-detail__urls" data-testid="item-urls">
            {item.urls.map((url, i) => (
              <li key={`${i}-${url}`} className="item-detail__field">
                <a href={openableUrl(url)} target="_blank" rel="noopener noreferrer">
                  {url}
                </a>
                <button
                  type="button"
                  className="button button--small"
                  aria-label={`Copy ${url}`}
                  onClick={() => void copy(url, 'web address')}
                >
                  Copy
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {copyError && <ErrorNotice message={copyError} />}
    </>
  );
}

/** "Previous secrets (N)": the secrets this item had before, newest first, each hidden until revealed. */
function PreviousSecrets({ item }: { item: Item }) {
  const itemsVersion = useTopicVersion('items');
  const load = useCallback(() => api().call('items.history', { id: item.id }), [item.id]);
  const { data: history, error } = useLoad(load, `${itemsVersion}:${item.updatedAt}`);
  const [open, setOpen] = useState(false);
  if (error) return <ErrorNotice message={error} />;
  if (!history || history.length === 0) return null;
  return (
    <section className="item-detail__section" aria-labelledby="history-label">
      <h3 id="history-label" className="item-detail__label">
        <button
          type="button"
          className="button button--ghost button--small"
          aria-expanded={open}
          aria-controls="history-list"
          onClick={() => setOpen((o) => !o)}
        >
          Previous secrets ({history.length})
        </button>
      </h3>
      {open && (
        <ol id="history-list" className="item-detail__history" data-testid="previous-secrets">
          {history.map((entry, i) => (
            <PreviousSecretRow key={`${entry.replacedAt}-${i}`} entry={entry} title={item.title} />
          ))}
        </ol>
      )}
    </section>
  );
}

function PreviousSecretRow({ entry, title }: { entry: PreviousSecret; title: string }) {
  const [revealed, setRevealed] = useState(false);
  const [copyError, setCopyError] = useState<string | null>(null);
  const when = formatDate(entry.replacedAt);
  const copy = async () => {
    setCopyError(null);
    try {
      await copySensitive(entry.secret, `previous secret of “${title}”`);
    } catch (err) {
      setCopyError(errorMessage(err));
    }
  };
  return (
    <li className="item-detail__history-entry" data-testid="previous-secret">
      <span className="muted">Replaced {when}</span>
      <code className="mono" aria-live="polite">
        {revealed ? entry.secret : '••••••••'}
      </code>
      <div className="actions">
        <button
          type="button"
          className="button button--small"
          aria-pressed={revealed}
          aria-label={`${revealed ? 'Hide' : 'Reveal'} the secret replaced ${when}`}
          onClick={() => setRevealed((r) => !r)}
        >
          {revealed ? 'Hide' : 'Reveal'}
        </button>
        <button
          type="button"
          className="button button--small"
          aria-label={`Copy the secret replaced ${when}`}
          onClick={() => void copy()}
        >
          Copy
        </button>
      </div>
      {copyError && <ErrorNotice message={copyError} />}
    </li>
  );
}
