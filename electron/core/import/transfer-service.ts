/**
 * Import and export (PROTOCOL §12). An import is two calls: `preview` reads the file, maps each entry to an item and
 * checks it against the vault (duplicates: same title and secret), counts the items it would add by kind (here
 * only, so the screen and the CLI say the same), keeping the result under a one-time token; `commit` adds the items
 * in one transaction (ItemService.createMany), so a file is imported whole or not at all. A file that cannot be read
 * — a wrong password, cut off, foreign, an unknown CSV header — fails the preview with a message naming the problem,
 * and nothing is kept.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { MAX_ATTACHMENTS, MAX_PREVIOUS_SECRETS, MAX_SECRET_CHARS } from '../../../shared/api/ops/items.ts';
import type { ImportPreview, ImportResult, ImportSource } from '../../../shared/api/ops/transfer.ts';
import { MAX_IMPORT_BYTES } from '../../../shared/api/ops/transfer.ts';
import { BadRequestError, ExpiredError, TooLargeError } from '../../../shared/errors.ts';
import {
  decodePlainExport,
  encodePlainExport,
  isEncryptedExport,
  openExport,
  sealExport,
  type ExportContent,
  type ScryptFn,
} from '../../../shared/formats/export-file.ts';
import { parseBitwardenCsv, parseBitwardenJson } from '../../../shared/import/bitwarden.ts';
import { ImportFileError, type ImportedEntry, type ParsedImport } from '../../../shared/import/entry.ts';
import { parseKeepassxcCsv } from '../../../shared/import/keepassxc.ts';
import { parseOnePasswordCsv } from '../../../shared/import/onepassword.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { compactKind, countKinds, kindProblems } from '../../../shared/items/kinds.ts';
import { paramsForNewKey } from '../vault/kdf.ts';
import type { ItemService } from '../vault/items/item-service.ts';
import { MAX_ATTACHMENT_BYTES } from '../vault/items/limits.ts';
import type { ImportedItem } from '../vault/items/types.ts';
import { looksLikeKdbx, parseKdbx } from './kdbx.ts';

/** How long a preview's token stays valid. */
export const PREVIEW_TTL_MS = 15 * 60 * 1000;
const PREVIEW_LIST = 500;
const TITLE_MAX = 200;
const TAGS_MAX = 32;

/** scrypt from node:crypto, on libuv's thread pool (off the event loop). */
export const nodeScrypt: ScryptFn = (password, salt, { logN, r, p }) =>
  new Promise((resolve, reject) => {
    const maxmem = 128 * 2 ** logN * r + 32 * 1024 * 1024;
    scrypt(password, salt, 32, { N: 2 ** logN, r, p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key)),
    );
  });

interface Pending {
  token: string;
  expiresAt: number;
  items: ImportedItem[];
  keys: string[];
  duplicates: number;
  skipped: number;
}

export interface TransferDeps {
  items: ItemService;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

const keyOf = (title: string, secret: string) => JSON.stringify([title, secret]);

function text(bytes: Uint8Array, app: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImportFileError(`The file is not text (UTF-8): it is not a ${app} export.`);
  }
}

function startsWithJson(bytes: Uint8Array): boolean {
  const first = text(
    bytes.subarray(0, 64).filter((b) => b < 0x80),
    'JSON',
  ).trimStart();
  return first.startsWith('{');
}

/** Reads the file as the export of `format`, telling its kinds apart by their first bytes. */
export async function parseImport(
  format: ImportSource,
  bytes: Uint8Array,
  password?: string,
): Promise<ParsedImport> {
  if (bytes.length === 0) throw new ImportFileError('The file is empty.');
  if (bytes.length > MAX_IMPORT_BYTES)
    throw new TooLargeError(
      `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB. Nothing was imported.`,
    );
  switch (format) {
    case 'bitwarden':
      return startsWithJson(bytes)
        ? parseBitwardenJson(text(bytes, 'Bitwarden'))
        : parseBitwardenCsv(text(bytes, 'Bitwarden'));
    case 'keepass':
      if (looksLikeKdbx(bytes)) return parseKdbx(bytes, password);
      if (bytes[0] === 0x03 && bytes[1] === 0xd9 && bytes[2] === 0xa2 && bytes[3] === 0x9a)
        throw new ImportFileError(
          'This is a KeePass 1 (.kdb) database; open it in KeePassXC and save it as KDBX 4.',
        );
      return parseKeepassxcCsv(text(bytes, 'KeePassXC'));
    case '1password':
      if (bytes[0] === 0x50 && bytes[1] === 0x4b)
        throw new ImportFileError('This looks like a 1PUX archive; export from 1Password 8 as CSV instead.');
      return parseOnePasswordCsv(text(bytes, '1Password'));
    case 'tessera':
      return fromExport(await readExport(bytes, password));
  }
}

async function readExport(bytes: Uint8Array, password?: string): Promise<ExportContent> {
  if (isEncryptedExport(bytes)) {
    if (password === undefined || password === '')
      throw new ImportFileError('This Tessera export is encrypted: give the passphrase it was made with.');
    try {
      return await openExport(bytes, password, nodeScrypt);
    } catch (err) {
      if (err instanceof MalformedDataError) throw new ImportFileError(`${err.message}.`);
      throw err;
    }
  }
  if (startsWithJson(bytes)) {
    try {
      return decodePlainExport(bytes);
    } catch (err) {
      throw new ImportFileError(`${err instanceof Error ? err.message : String(err)}.`);
    }
  }
  throw new ImportFileError('The file is not a Tessera export (it does not start with "TESSERA-EXPORT").');
}

function fromExport(content: ExportContent): ParsedImport {
  return {
    source: 'Tessera export',
    entries: content.items.map((i) => ({
      title: i.title,
      secret: i.secret,
      notes: i.notes,
      tags: i.tags,
      files: i.files,
      createdAt: i.createdAt,
      updatedAt: i.updatedAt,
      history: i.history,
      ...compactKind(i),
    })),
    intoNotes: [],
    unmapped: [],
  };
}

/** The item an entry becomes, or why it cannot become one. */
function toItem(entry: ImportedEntry): ImportedItem | { reason: string } {
  if (entry.title === '' && entry.secret === '' && entry.notes === '')
    return { reason: 'the entry is empty' };
  if (entry.secret.length > MAX_SECRET_CHARS)
    return { reason: `the password is longer than ${MAX_SECRET_CHARS} characters` };
  if (entry.notes.length > MAX_SECRET_CHARS)
    return {
      reason: `the notes (with the fields put into them) are longer than ${MAX_SECRET_CHARS} characters`,
    };
  const files = entry.files ?? [];
  if (files.length > MAX_ATTACHMENTS) return { reason: `it has more than ${MAX_ATTACHMENTS} attachments` };
  const big = files.find((f) => f.data.length > MAX_ATTACHMENT_BYTES);
  if (big) return { reason: `its attachment "${big.name}" is larger than 1 MiB` };
  const title = (entry.title.trim() || 'Untitled').slice(0, TITLE_MAX).trim();
  const kind = entry.kind ?? 'secret';
  const problem = kindProblems({ ...entry, kind })[0];
  if (problem) return { reason: problem.message.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase()) };
  return {
    ...compactKind(entry),
    title,
    secret: entry.secret,
    notes: entry.notes,
    tags: entry.tags.slice(0, TAGS_MAX),
    attachments: files.map((f) => ({
      name: f.name.slice(0, 255) || 'file',
      mediaType: f.mediaType.slice(0, 255),
      data: f.data,
    })),
    ...(entry.createdAt !== undefined ? { createdAt: entry.createdAt } : {}),
    ...(entry.updatedAt !== undefined ? { updatedAt: entry.updatedAt } : {}),
    ...(entry.history ? { history: entry.history.slice(0, MAX_PREVIOUS_SECRETS) } : {}),
  };
}

export class TransferService {
  private readonly deps: TransferDeps;
  private readonly now: () => number;
  private pending: Pending | null = null;

  constructor(deps: TransferDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  async preview(format: ImportSource, bytes: Uint8Array, password?: string): Promise<ImportPreview> {
    this.deps.items.list(); // the vault must be unlocked before the file is read
    this.pending = null;
    const parsed = await parseImport(format, bytes, password);
    const existing = this.deps.items.titleSecretKeys();
    const items: ImportedItem[] = [];
    const keys: string[] = [];
    const duplicates: { title: string }[] = [];
    const skipped: { title: string; reason: string }[] = [];
    const listed: ImportPreview['items'] = [];
    for (const entry of parsed.entries) {
      const item = toItem(entry);
      if ('reason' in item) {
        skipped.push({ title: entry.title || '(no title)', reason: item.reason });
        continue;
      }
      const key = keyOf(item.title, item.secret);
      const duplicate = existing.has(key);
      if (listed.length < PREVIEW_LIST)
        listed.push({ title: item.title, kind: item.kind ?? 'secret', tags: item.tags, duplicate });
      if (duplicate) {
        duplicates.push({ title: item.title });
        continue;
      }
      existing.add(key);
      items.push(item);
      keys.push(key);
    }
    const token = randomBytes(16).toString('hex');
    this.pending = {
      token,
      expiresAt: this.now() + PREVIEW_TTL_MS,
      items,
      keys,
      duplicates: duplicates.length,
      skipped: skipped.length,
    };
    return {
      token,
      source: parsed.source,
      total: parsed.entries.length,
      count: items.length,
      kinds: countKinds(items),
      duplicates,
      skipped,
      intoNotes: parsed.intoNotes,
      unmapped: parsed.unmapped,
      items: listed,
    };
  }

  /** Adds the previewed items in one transaction; items that became duplicates since the preview are left out. */
  commit(token: string): ImportResult {
    const pending = this.pending;
    if (!pending || pending.token !== token)
      throw new BadRequestError(
        'That import preview is gone (used, replaced or never made). Preview the file again.',
      );
    if (this.now() > pending.expiresAt) {
      this.pending = null;
      throw new ExpiredError('That import preview expired. Preview the file again.');
    }
    const existing = this.deps.items.titleSecretKeys();
    const fresh = pending.items.filter((_, i) => !existing.has(pending.keys[i]!));
    const imported = this.deps.items.createMany(fresh);
    this.pending = null;
    return {
      imported,
      duplicates: pending.duplicates + pending.items.length - fresh.length,
      skipped: pending.skipped,
    };
  }

  /** The vault as an export file: sealed under `passphrase`, or plain JSON when the person said they understand. */
  async exportVault(options: { passphrase?: string; plain: boolean; plainUnderstood: boolean }): Promise<{
    data: Uint8Array;
    items: number;
    encrypted: boolean;
    fileName: string;
  }> {
    const all = this.deps.items.exportAll();
    const content: ExportContent = {
      exportedAt: this.now(),
      items: all.map((i) => ({
        title: i.title,
        secret: i.secret,
        notes: i.notes,
        tags: i.tags,
        createdAt: i.createdAt,
        updatedAt: i.updatedAt,
        files: i.attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, data: a.data })),
        history: i.history,
        ...compactKind(i),
      })),
    };
    const day = new Date(content.exportedAt).toISOString().slice(0, 10);
    if (options.plain) {
      if (!options.plainUnderstood)
        throw new BadRequestError(
          'A plain export is not encrypted: anyone who gets the file reads every secret. Confirm that you understand to write it.',
        );
      if (options.passphrase !== undefined)
        throw new BadRequestError('A plain export takes no passphrase (it is not encrypted).');
      return {
        data: new TextEncoder().encode(encodePlainExport(content)),
        items: all.length,
        encrypted: false,
        fileName: `tessera-export-${day}-NOT-ENCRYPTED.json`,
      };
    }
    if (options.passphrase === undefined)
      throw new BadRequestError('An export is encrypted under a passphrase of its own: give one.');
    const data = await sealExport(content, options.passphrase, nodeScrypt, (n) => randomBytes(n), {
      ...paramsForNewKey(this.deps.env),
    });
    return { data, items: all.length, encrypted: true, fileName: `tessera-export-${day}.tessera` };
  }
}
