import { useCallback, useEffect, useId, useState } from 'react';
import type { ChangeEvent, FormEvent } from 'react';
import { MAX_ATTACHMENT_BYTES, MAX_SECRET_CHARS } from '../../../shared/api/ops/items.ts';
import { api, errorMessage } from '../lib/api.ts';
import { readFileAsBase64 } from '../lib/files.ts';
import { formatBytes } from '../lib/format.ts';
import { generatePassword } from '../lib/generate.ts';
import { useRouter } from '../lib/router.tsx';
import { useLoad } from '../lib/useLoad.ts';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { TextAreaField, TextField } from '../components/Field.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import './ItemEditor.css';

/** A file in the form: one the item already has (`keep`: its id; its bytes stay in the vault) or a new one. */
interface DraftAttachment {
  key: number;
  name: string;
  mediaType: string;
  size: number;
  source: { keep: string } | { dataBase64: string };
}

interface Draft {
  title: string;
  secret: string;
  notes: string;
  tags: string;
  attachments: DraftAttachment[];
}

let nextKey = 1;

const MAX_TEXT = MAX_SECRET_CHARS.toLocaleString('en-US');

/** A new file over the limit cannot be saved (kept files were saved before, so they are within it). */
const isTooBig = (a: DraftAttachment) => 'dataBase64' in a.source && a.size > MAX_ATTACHMENT_BYTES;

/**
 * What the form flags before anything is sent, so it never submits what it already marked as wrong (the contract's
 * limits in shared/api/ops/items.ts): files over 1 MB, notes or a secret over 65,536 characters.
 */
function draftProblems(draft: Draft): { notes: string | null; secret: string | null; files: string | null } {
  const big = draft.attachments.filter(isTooBig).map((a) => `“${a.name}”`);
  return {
    notes:
      draft.notes.length > MAX_SECRET_CHARS
        ? `Notes can have at most ${MAX_TEXT} characters; these have ${draft.notes.length.toLocaleString('en-US')}. Shorten them, or keep long text as a file.`
        : null,
    secret:
      draft.secret.length > MAX_SECRET_CHARS
        ? `A secret can have at most ${MAX_TEXT} characters. Keep long text as a file instead.`
        : null,
    files:
      big.length > 0
        ? `${big.join(', ')} ${big.length === 1 ? 'is' : 'are'} larger than 1 MB, the most Tessera keeps per file. Remove ${big.length === 1 ? 'it' : 'them'}, then save.`
        : null,
  };
}

/** Add or edit an item. */
export function ItemEditor({ itemId }: { itemId: string | null }) {
  const load = useCallback(
    () => (itemId ? api().call('items.get', { id: itemId }) : Promise.resolve(null)),
    [itemId],
  );
  const { data, error, reload } = useLoad(load);
  if (error) return <ErrorNotice title="This item could not be opened" message={error} onRetry={reload} />;
  if (data === undefined) return <Busy label="Opening item…" />;
  const initial: Draft = data
    ? {
        title: data.title,
        secret: data.secret,
        notes: data.notes,
        tags: data.tags.join(', '),
        attachments: data.attachments.map((a) => ({ ...a, key: nextKey++, source: { keep: a.id } })),
      }
    : { title: '', secret: '', notes: '', tags: '', attachments: [] };
  return <EditorForm itemId={itemId} initial={initial} />;
}

function EditorForm({ itemId, initial }: { itemId: string | null; initial: Draft }) {
  const { replace } = useRouter();
  const [draft, setDraft] = useState<Draft>(initial);
  const [attachmentsChanged, setAttachmentsChanged] = useState(false);
  const [showSecret, setShowSecret] = useState(false);
  /** The secret a Generate replaced, until Undo or another edit. */
  const [replaced, setReplaced] = useState<string | null>(null);
  const [titleError, setTitleError] = useState<string | null>(null);
  const [reading, setReading] = useState<{ name: string; fraction: number } | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const fileInputId = useId();

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setSaveError(null);
  };

  useEffect(() => {
    if (draft.title.trim()) setTitleError(null);
  }, [draft.title]);

  const addFiles = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const files = [...(input.files ?? [])];
    input.value = '';
    setFileError(null);
    for (const file of files) {
      setReading({ name: file.name, fraction: 0 });
      try {
        const dataBase64 = await readFileAsBase64(file, (fraction) =>
          setReading({ name: file.name, fraction }),
        );
        setDraft((d) => ({
          ...d,
          attachments: [
            ...d.attachments,
            {
              key: nextKey++,
              name: file.name,
              mediaType: file.type || 'application/octet-stream',
              size: file.size,
              source: { dataBase64 },
            },
          ],
        }));
        setAttachmentsChanged(true);
      } catch (err) {
        setFileError(errorMessage(err));
      }
    }
    setReading(null);
  };

  const removeAttachment = (key: number) => {
    setDraft((d) => ({ ...d, attachments: d.attachments.filter((a) => a.key !== key) }));
    setAttachmentsChanged(true);
    setSaveError(null);
  };

  const problems = draftProblems(draft);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft.title.trim()) {
      setTitleError('Give the item a title, for example the name of the website.');
      return;
    }
    const flagged = [problems.files, problems.notes, problems.secret].filter(Boolean);
    if (flagged.length > 0) {
      setSaveError(flagged.join(' '));
      return;
    }
    setSaving(true);
    setSaveError(null);
    const fields = {
      title: draft.title.trim(),
      secret: draft.secret,
      notes: draft.notes,
      tags: [
        ...new Set(
          draft.tags
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
        ),
      ],
    };
    // An edit lists every file in order: kept ones by id, new ones whole. A new item has only new files.
    const attachments = draft.attachments.map((a) =>
      'keep' in a.source ? { keep: a.source.keep } : { name: a.name, mediaType: a.mediaType, ...a.source },
    );
    const added = attachments.filter((a): a is Exclude<typeof a, { keep: string }> => !('keep' in a));
    try {
      const saved = itemId
        ? await api().call('items.update', {
            id: itemId,
            ...fields,
            ...(attachmentsChanged ? { attachments } : {}),
          })
        : await api().call('items.create', { ...fields, attachments: added });
      // The saved item takes the editor's place in the history: Back does not reopen a finished form.
      replace({ name: 'vault', itemId: saved.id });
    } catch (err) {
      setSaveError(errorMessage(err));
      setSaving(false);
    }
  };

  const cancel = () => replace(itemId ? { name: 'vault', itemId } : { name: 'vault' });

  return (
    <div className="item-editor">
      <PageHeader title={itemId ? 'Edit item' : 'Add an item'} />
      <form onSubmit={(e) => void onSubmit(e)} noValidate className="card">
        <TextField
          label="Title"
          value={draft.title}
          onChange={(e) => set('title', e.target.value)}
          maxLength={200}
          error={titleError}
          autoComplete="off"
          hint="For example “Email” or “Bank”."
        />
        <div className="field">
          <label className="field__label" htmlFor="item-secret">
            Secret
          </label>
          <div className="item-editor__secret">
            {/* A text area, so a seed phrase keeps its lines; hidden by the browser's text masking until shown. */}
            <textarea
              id="item-secret"
              className={`input input--mono item-editor__secret-text ${showSecret ? '' : 'item-editor__secret-text--hidden'}`}
              rows={Math.min(6, Math.max(1, draft.secret.split('\n').length))}
              value={draft.secret}
              onChange={(e) => {
                set('secret', e.target.value);
                setReplaced(null);
              }}
              autoComplete="off"
              spellCheck={false}
              aria-describedby="item-secret-hint"
            />
            <button
              type="button"
              className="button button--ghost"
              aria-pressed={showSecret}
              onClick={() => setShowSecret((s) => !s)}
            >
              {showSecret ? 'Hide' : 'Show'}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                // An existing secret is kept until the form is saved: Undo puts it back.
                if (draft.secret) setReplaced(draft.secret);
                set('secret', generatePassword());
                setShowSecret(true);
              }}
            >
              Generate
            </button>
          </div>
          {replaced !== null && (
            <div className="note note--warn item-editor__replaced" role="status">
              <p>A new password replaced the secret that was here. Saving keeps the new one.</p>
              <button
                type="button"
                className="button button--small"
                onClick={() => {
                  set('secret', replaced);
                  setReplaced(null);
                }}
              >
                Undo: put the old secret back
              </button>
            </div>
          )}
          <p className="field__hint" id="item-secret-hint">
            A password, PIN or recovery code. It stays hidden until you reveal it.
          </p>
          {problems.secret && <p className="field__error">{problems.secret}</p>}
        </div>
        <TextAreaField
          label="Notes"
          value={draft.notes}
          onChange={(e) => set('notes', e.target.value)}
          rows={4}
          error={problems.notes}
        />
        <TextField
          label="Tags"
          value={draft.tags}
          onChange={(e) => set('tags', e.target.value)}
          hint="Separate tags with commas, for example “work, email”."
          autoComplete="off"
        />

        <fieldset className="item-editor__files">
          <legend className="field__label">Files</legend>
          {draft.attachments.length > 0 && (
            <ul className="item-editor__file-list">
              {draft.attachments.map((a) => (
                <li key={a.key}>
                  <span className="item-editor__file-name">{a.name}</span>
                  <span className="muted">{formatBytes(a.size)}</span>
                  {isTooBig(a) && (
                    <span className="item-editor__too-big">
                      Larger than 1 MB, the most Tessera keeps per file
                    </span>
                  )}
                  <button
                    type="button"
                    className="button button--small"
                    onClick={() => removeAttachment(a.key)}
                    aria-label={`Remove ${a.name}`}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <input
            id={fileInputId}
            type="file"
            multiple
            className="visually-hidden item-editor__file-input"
            onChange={(e) => void addFiles(e)}
            data-testid="attachment-input"
          />
          <label htmlFor={fileInputId} className="button item-editor__add-file">
            Add a file…
          </label>
          <p className="field__hint">
            Up to 1 MB per file, up to 16 files. Files are encrypted like everything else.
          </p>
          {reading && <Busy label={`Reading “${reading.name}”…`} value={reading.fraction} />}
          {fileError && <ErrorNotice message={fileError} />}
        </fieldset>

        {saveError && <ErrorNotice title="The item was not saved" message={saveError} />}
        {saving ? (
          <Busy label="Encrypting and saving…" />
        ) : (
          <div className="actions">
            <button type="submit" className="button button--primary" disabled={reading !== null}>
              {itemId ? 'Save changes' : 'Save item'}
            </button>
            <button type="button" className="button button--ghost" onClick={cancel}>
              Cancel
            </button>
          </div>
        )}
      </form>
    </div>
  );
}
