import { useState } from 'react';
import type { DragEvent } from 'react';
import { MAX_IMPORT_BYTES } from '../../../shared/api/ops/transfer.ts';
import type { ImportPreview, ImportSource } from '../../../shared/api/ops/transfer.ts';
import { fromBase64, toBase64 } from '../../../shared/crypto/bytes.ts';
import { ITEM_KINDS, KIND_LABELS, KIND_PLURAL_LABELS } from '../../../shared/items/kinds.ts';
import { api, errorMessage } from '../lib/api.ts';
import { useNotices } from '../lib/events.tsx';
import { plural } from '../lib/format.ts';
import { useRouter } from '../lib/router.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { KindIcon } from '../components/KindIcon.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import './ImportScreen.css';

const SOURCES: { value: ImportSource; label: string; hint: string }[] = [
  { value: 'bitwarden', label: 'Bitwarden', hint: 'an unencrypted JSON or CSV export' },
  {
    value: 'keepass',
    label: 'KeePass / KeePassXC',
    hint: 'a .kdbx database (with its password) or a KeePassXC CSV export',
  },
  { value: '1password', label: '1Password', hint: 'a CSV export from 1Password 8' },
  { value: 'tessera', label: 'Tessera', hint: 'a Tessera export (with its passphrase)' },
];

/**
 * Moving in and out (PROTOCOL §12): import another application's export — a preview first (how many items of each
 * kind, which look like duplicates, which fields went into the notes), then one transaction — and export the vault
 * to a file. The kind icons are pictures only (hidden from screen readers): the kind is always written beside them.
 */
export function ImportScreen() {
  const { navigate } = useRouter();
  const { notify } = useNotices();
  const [source, setSource] = useState<ImportSource>('bitwarden');
  const [file, setFile] = useState<{ name: string; bytes: Uint8Array } | null>(null);
  const [password, setPassword] = useState('');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);

  const choose = async (f: File | undefined) => {
    setPreview(null);
    setError(null);
    if (!f) return;
    if (f.size > MAX_IMPORT_BYTES) {
      setFile(null);
      setError(
        `“${f.name}” is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB; Tessera imports files up to that size.`,
      );
      return;
    }
    setFile({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void choose(e.dataTransfer.files[0]);
  };

  const runPreview = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    setPreview(null);
    try {
      setPreview(
        await api().call('items.importPreview', {
          format: source,
          dataBase64: toBase64(file.bytes),
          ...(password ? { password } : {}),
        }),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const commit = async () => {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api().call('items.importCommit', { token: preview.token });
      notify('Import done', `${plural(result.imported, 'item')} added to your vault.`);
      navigate({ name: 'vault' });
    } catch (err) {
      setError(errorMessage(err));
      setPreview(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="import">
      <button
        type="button"
        className="button button--ghost button--small"
        onClick={() => navigate({ name: 'vault' })}
      >
        ← All items
      </button>
      <PageHeader
        title="Import and export"
        lead="Bring your passwords from another app, or take your vault to another Tessera. An import shows what it will do first, then adds everything at once or nothing."
      />
      <section className="import__section" aria-labelledby="import-heading">
        <h2 id="import-heading">Import</h2>
        <fieldset className="import__sources">
          <legend>Exported from</legend>
          {SOURCES.map((s) => (
            <label key={s.value} className="import__source">
              <input
                type="radio"
                name="import-source"
                value={s.value}
                checked={source === s.value}
                onChange={() => {
                  setSource(s.value);
                  setPreview(null);
                }}
              />
              <span>
                {s.label} <span className="muted">— {s.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div
          className={`import__drop ${dragging ? 'import__drop--over' : ''}`}
          data-testid="import-drop"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <label className="field">
            <span>File (or drop it here)</span>
            <input
              type="file"
              aria-label="File to import"
              onChange={(e) => void choose(e.target.files?.[0])}
            />
          </label>
          {file && <p data-testid="import-file">{file.name}</p>}
        </div>
        {(source === 'keepass' || source === 'tessera') && (
          <label className="field">
            <span>{source === 'keepass' ? 'Database password (for a .kdbx file)' : 'Export passphrase'}</span>
            <input
              type="password"
              autoComplete="off"
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
                setPreview(null);
              }}
            />
          </label>
        )}
        {error && <ErrorNotice title="Nothing was imported" message={error} />}
        {!preview && (
          <button type="button" className="button" disabled={!file || busy} onClick={() => void runPreview()}>
            {busy ? 'Reading…' : 'Preview'}
          </button>
        )}
        {preview && (
          <div className="import__preview" data-testid="import-preview" aria-live="polite">
            <h3>What will happen</h3>
            <p data-testid="import-summary">
              {preview.source}: {plural(preview.total, 'entry', 'entries')} found;{' '}
              <strong>{plural(preview.count, 'item')} will be added</strong>.
            </p>
            {preview.count > 0 && (
              <ul
                className="import__kinds"
                data-testid="import-kinds"
                aria-label="Items to be added, by kind"
              >
                {ITEM_KINDS.filter((k) => preview.kinds[k] > 0).map((k) => (
                  <li key={k} data-kind={k}>
                    <KindIcon kind={k} />
                    {preview.kinds[k]}{' '}
                    {(preview.kinds[k] === 1 ? KIND_LABELS[k] : KIND_PLURAL_LABELS[k]).toLowerCase()}
                  </li>
                ))}
              </ul>
            )}
            {preview.duplicates.length > 0 && (
              <p data-testid="import-duplicates">
                {plural(preview.duplicates.length, 'entry', 'entries')}{' '}
                {preview.duplicates.length === 1 ? 'looks like an item' : 'look like items'} already in your
                vault (same title and secret) and will be left out:{' '}
                {preview.duplicates.map((d) => d.title).join(', ')}.
              </p>
            )}
            {preview.skipped.length > 0 && (
              <ul data-testid="import-skipped">
                {preview.skipped.map((s, i) => (
                  <li key={i}>
                    {s.title}: {s.reason}
                  </li>
                ))}
              </ul>
            )}
            {preview.intoNotes.length > 0 && (
              <p data-testid="import-notes">
                Put into each item’s notes (no field of their own): {preview.intoNotes.join(', ')}.
              </p>
            )}
            {preview.unmapped.length > 0 && <p>Left out: {preview.unmapped.join(', ')}.</p>}
            <ul className="import__items">
              {preview.items.map((item, i) => (
                <li key={i} data-kind={item.kind}>
                  <KindIcon kind={item.kind} />
                  <span className={item.duplicate ? 'import__item--duplicate' : undefined}>{item.title}</span>
                  <span className="muted"> · {KIND_LABELS[item.kind]}</span>
                  {item.tags.length > 0 && <span className="muted"> [{item.tags.join(', ')}]</span>}
                  {item.duplicate && <span className="muted"> — already in your vault</span>}
                </li>
              ))}
            </ul>
            <div className="import__actions">
              <button
                type="button"
                className="button button--primary"
                disabled={busy || preview.count === 0}
                onClick={() => void commit()}
              >
                Import {plural(preview.count, 'item')}
              </button>
              <button type="button" className="button" onClick={() => setPreview(null)}>
                Cancel
              </button>
            </div>
          </div>
        )}
      </section>
      <ExportSection />
    </div>
  );
}

function ExportSection() {
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [plain, setPlain] = useState(false);
  const [understood, setUnderstood] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = plain ? understood : passphrase !== '' && passphrase === repeat;

  const run = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const out = await api().call(
        'items.export',
        plain ? { plain: true, plainUnderstood: understood } : { passphrase },
      );
      const bytes = fromBase64(out.dataBase64);
      const url = URL.createObjectURL(new Blob([bytes.buffer as ArrayBuffer]));
      const a = document.createElement('a');
      a.href = url;
      a.download = out.fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDone(
        `${plural(out.items, 'item')} exported to ${out.fileName}${out.encrypted ? '' : ' (not encrypted)'}.`,
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="import__section" aria-labelledby="export-heading">
      <h2 id="export-heading">Export</h2>
      <p className="muted">
        Every item, with its files and previous secrets, in one file encrypted under a passphrase of its own.
        Another Tessera imports it (“Tessera” above).
      </p>
      <label className="import__source">
        <input type="checkbox" checked={plain} onChange={(e) => setPlain(e.target.checked)} />
        <span>Plain JSON instead (not encrypted)</span>
      </label>
      {plain ? (
        <label className="import__source import__warning">
          <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
          <span>
            I understand this file is not encrypted: anyone who gets it, or a copy of it, reads every secret.
          </span>
        </label>
      ) : (
        <>
          <label className="field">
            <span>Passphrase for the export</span>
            <input
              type="password"
              autoComplete="new-password"
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Repeat it</span>
            <input
              type="password"
              autoComplete="new-password"
              value={repeat}
              onChange={(e) => setRepeat(e.target.value)}
            />
          </label>
        </>
      )}
      {error && <ErrorNotice title="Nothing was exported" message={error} />}
      {done && <p data-testid="export-done">{done}</p>}
      <button type="button" className="button" disabled={!ready || busy} onClick={() => void run()}>
        {busy ? 'Exporting…' : 'Export'}
      </button>
    </section>
  );
}
