import { useCallback, useEffect, useId, useState } from 'react';
import type { ChangeEvent, FormEvent } from 'react';
import { MAX_ATTACHMENT_BYTES, MAX_SECRET_CHARS } from '../../../shared/api/ops/items.ts';
import { api, errorMessage } from '../lib/api.ts';
import { readFileAsBase64 } from '../lib/files.ts';
import { formatBytes } from '../lib/format.ts';
import {
  ITEM_KINDS,
  KIND_LABELS,
  kindProblems,
  type ItemKind,
  type KindProblem,
} from '../../../shared/items/kinds.ts';
import { otpauthFromInput } from '../../../shared/items/totp.ts';
import { useRouter } from '../lib/router.tsx';
import { useLoad } from '../lib/useLoad.ts';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { TextAreaField, TextField } from '../components/Field.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import {
  DEFAULT_GENERATOR,
  generateWith,
  GeneratorSettingsPanel,
  type GeneratorSettings,
} from '../components/PasswordGenerator.tsx';
import { TotpCode } from '../components/TotpCode.tsx';
import { SeedCheck } from '../components/SeedCheck.tsx';
import { OtpauthScan } from '../components/OtpauthScan.tsx';
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
  kind: ItemKind;
  title: string;
  /** A login's user name and web addresses (one field each; empty ones are dropped on save). */
  username: string;
  urls: string[];
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

/** The secret's label per kind (the contract's field is always `secret`). */
const SECRET_FIELD: Record<ItemKind, string> = {
  secret: 'Secret',
  login: 'Password',
  totp: 'otpauth:// address or setup key',
  seed: 'Seed phrase',
  note: 'Secret',
};

const SECRET_HINT: Record<ItemKind, string> = {
  secret: 'A password, PIN or recovery code. It stays hidden until you reveal it.',
  login: 'It stays hidden until you reveal it. Generate makes one with the settings below.',
  totp: '',
  seed: 'The words in order, as you wrote them down. Tessera checks the BIP-39 checksum and warns when it does not verify.',
  note: 'A note keeps its text in the notes; this secret stays hidden until you reveal it.',
};

/** What a one-time code item saves: an otpauth:// address, a pasted setup key turned into one (else as typed). */
function totpInput(text: string, title: string): string {
  try {
    return otpauthFromInput(text, title.trim() || 'Tessera');
  } catch {
    return text.trim();
  }
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
        kind: data.kind ?? 'secret',
        username: data.username ?? '',
        urls: data.urls?.length ? data.urls : [''],
        title: data.title,
        secret: data.secret,
        notes: data.notes,
        tags: data.tags.join(', '),
        attachments: data.attachments.map((a) => ({ ...a, key: nextKey++, source: { keep: a.id } })),
      }
    : {
        kind: 'secret',
        username: '',
        urls: [''],
        title: '',
        secret: '',
        notes: '',
        tags: '',
        attachments: [],
      };
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
  const [generator, setGenerator] = useState<GeneratorSettings>(DEFAULT_GENERATOR);
  const fileInputId = useId();
  const kindId = useId();

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
  const urls = draft.urls.map((u) => u.trim()).filter(Boolean);
  const kindFieldProblems: KindProblem[] =
    draft.kind === 'totp' && draft.secret.trim() === ''
      ? []
      : kindProblems({
          kind: draft.kind,
          secret: draft.kind === 'totp' ? totpInput(draft.secret, draft.title) : draft.secret,
          ...(draft.kind === 'login' ? { username: draft.username, urls } : {}),
        });
  const problemOf = (field: KindProblem['field']) =>
    kindFieldProblems
      .filter((p) => p.field === field)
      .map((p) => p.message)
      .join(' ') || null;
  /** A login turned into another kind loses its user name and addresses on save: the form says so first. */
  const dropsLoginFields = draft.kind !== 'login' && (draft.username.trim() !== '' || urls.length > 0);
  const secretLabel = SECRET_FIELD[draft.kind];

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft.title.trim()) {
      setTitleError('Give the item a title, for example the name of the website.');
      return;
    }
    if (draft.kind === 'totp' && draft.secret.trim() === '') {
      setSaveError('Paste the otpauth:// address or setup key the site shows, or scan its QR code.');
      return;
    }
    const flagged = [
      problems.files,
      problems.notes,
      problems.secret,
      ...kindFieldProblems.map((p) => p.message),
    ].filter(Boolean);
    if (flagged.length > 0) {
      setSaveError(flagged.join(' '));
      return;
    }
    setSaving(true);
    setSaveError(null);
    const fields = {
      title: draft.title.trim(),
      kind: draft.kind,
      // A pasted setup key becomes an otpauth:// address; a login's fields go with it, other kinds clear them.
      secret: draft.kind === 'totp' ? totpInput(draft.secret, draft.title) : draft.secret,
      ...(draft.kind === 'login'
        ? { username: draft.username.trim(), urls }
        : itemId
          ? { username: '', urls: [] }
          : {}),
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
        <div className="field">
          <label className="field__label" htmlFor={kindId}>
            Kind
          </label>
          <select
            id={kindId}
            className="input item-editor__kind"
            value={draft.kind}
            onChange={(e) => set('kind', e.target.value as ItemKind)}
          >
            {ITEM_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
          {dropsLoginFields && (
            <p className="note note--warn" role="status">
              Saving as a {KIND_LABELS[draft.kind].toLowerCase()} removes the user name and web addresses
              (only a login has them).
            </p>
          )}
        </div>
        <TextField
          label="Title"
          value={draft.title}
          onChange={(e) => set('title', e.target.value)}
          maxLength={200}
          error={titleError}
          autoComplete="off"
          hint="For example “Email” or “Bank”."
        />
        {draft.kind === 'login' && (
          <>
            <TextField
              label="User name"
              value={draft.username}
              onChange={(e) => set('username', e.target.value)}
              autoComplete="off"
              spellCheck={false}
              error={problemOf('username')}
            />
            <fieldset className="item-editor__urls">
              <legend className="field__label">Web addresses</legend>
              {draft.urls.map((url, i) => (
                <div className="item-editor__url" key={i}>
                  <input
                    className="input"
                    type="text"
                    inputMode="url"
                    aria-label={`Web address ${i + 1}`}
                    value={url}
                    placeholder="example.com"
                    onChange={(e) =>
                      set(
                        'urls',
                        draft.urls.map((u, j) => (j === i ? e.target.value : u)),
                      )
                    }
                    autoComplete="off"
                    spellCheck={false}
                  />
                  {draft.urls.length > 1 && (
                    <button
                      type="button"
                      className="button button--small button--ghost"
                      aria-label={`Remove web address ${i + 1}`}
                      onClick={() =>
                        set(
                          'urls',
                          draft.urls.filter((_, j) => j !== i),
                        )
                      }
                    >
                      Remove
                    </button>
                  )}
                </div>
              ))}
              <button
                type="button"
                className="button button--small"
                onClick={() => set('urls', [...draft.urls, ''])}
              >
                Add another address
              </button>
              {problemOf('urls') && <p className="field__error">{problemOf('urls')}</p>}
            </fieldset>
          </>
        )}
        {draft.kind === 'totp' ? (
          <div className="field">
            <label className="field__label" htmlFor="item-secret">
              {secretLabel}
            </label>
            <input
              id="item-secret"
              className="input input--mono"
              type="text"
              value={draft.secret}
              onChange={(e) => set('secret', e.target.value)}
              placeholder="otpauth://totp/…"
              autoComplete="off"
              spellCheck={false}
              aria-describedby="item-secret-hint"
            />
            <p className="field__hint" id="item-secret-hint">
              Paste the otpauth:// address or the setup key a site shows when you turn on two-step sign-in, or
              scan its QR code.
            </p>
            <OtpauthScan
              onResult={(text) => {
                set('secret', text);
              }}
            />
            {problemOf('secret') ? (
              <p className="field__error">{problemOf('secret')}</p>
            ) : (
              draft.secret.trim() !== '' && (
                <TotpCode uri={totpInput(draft.secret, draft.title)} title={draft.title} />
              )
            )}
          </div>
        ) : draft.kind === 'note' && draft.secret === '' ? null : (
          <div className="field">
            <label className="field__label" htmlFor="item-secret">
              {secretLabel}
            </label>
            <div className="item-editor__secret">
              {/* A text area, so a seed phrase keeps its lines; hidden by the browser's text masking until shown. */}
              <textarea
                id="item-secret"
                className={`input input--mono item-editor__secret-text ${showSecret ? '' : 'item-editor__secret-text--hidden'}`}
                rows={Math.min(6, Math.max(draft.kind === 'seed' ? 3 : 1, draft.secret.split('\n').length))}
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
              {draft.kind !== 'seed' && (
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    // An existing secret is kept until the form is saved: Undo puts it back.
                    if (draft.secret) setReplaced(draft.secret);
                    set('secret', generateWith(generator));
                    setShowSecret(true);
                  }}
                >
                  Generate
                </button>
              )}
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
              {SECRET_HINT[draft.kind]}
            </p>
            {draft.kind !== 'seed' && <GeneratorSettingsPanel settings={generator} onChange={setGenerator} />}
            {draft.kind === 'seed' && <SeedCheck phrase={draft.secret} />}
            {problems.secret && <p className="field__error">{problems.secret}</p>}
          </div>
        )}
        <TextAreaField
          label={draft.kind === 'note' ? 'Note' : 'Notes'}
          value={draft.notes}
          onChange={(e) => set('notes', e.target.value)}
          rows={draft.kind === 'note' ? 10 : 4}
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
