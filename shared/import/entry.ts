/**
 * What an importer makes of one entry of another application's export, before it becomes a vault item
 * (shared/api/ops/items.ts): a title, the secret (the password), notes, tags, and the item's kind
 * (shared/items/kinds.ts). A login's user name and web addresses fill the login's fields; a one-time-password setup
 * becomes an item of its own of the `totp` kind ("<title> (one-time code)"), since an item keeps one secret. What has
 * no field (custom fields, an address or a setup that cannot be read) is written into the notes, one `Name: value`
 * line each, and the importer names it, so the preview can say what went where.
 */
import { TesseraError } from '../errors.ts';
import { MAX_URLS, MAX_USERNAME_CHARS, urlProblem, type ItemKind } from '../items/kinds.ts';
import { otpauthFromInput } from '../items/totp.ts';

export interface ImportedFile {
  name: string;
  mediaType: string;
  data: Uint8Array;
}

export interface ImportedEntry {
  title: string;
  secret: string;
  notes: string;
  tags: string[];
  /** Left out: the free-form kind. */
  kind?: ItemKind;
  /** A login's user name and web addresses. */
  username?: string;
  urls?: string[];
  /** Only Tessera's own exports carry these. */
  files?: ImportedFile[];
  createdAt?: number;
  updatedAt?: number;
  history?: { secret: string; replacedAt: number }[];
}

export interface ParsedImport {
  /** What the file was, in words: "Bitwarden JSON", "KeePass KDBX 4", … */
  source: string;
  entries: ImportedEntry[];
  /** Fields written into the notes because items have no field for them yet (sorted, no repeats). */
  intoNotes: string[];
  /** Fields that were left out (sorted, no repeats). */
  unmapped: string[];
}

/** A file that cannot be imported as the format it was given as: nothing was read from it, nothing changed. */
export class ImportFileError extends TesseraError {
  constructor(message: string) {
    super('BAD_REQUEST', `${message} Nothing was imported; the vault is unchanged.`);
  }
}

/** Collects entries and the names of the fields that went into notes or were left out. */
export class EntryCollector {
  readonly entries: ImportedEntry[] = [];
  private readonly notes = new Set<string>();
  private readonly dropped = new Set<string>();

  add(entry: {
    title: string;
    secret: string;
    notes: string;
    tags: string[];
    /** [field name, value] pairs to put into the notes, in order; empty values are left out. */
    extra: [string, string][];
    /** The entry's kind (left out: `secret`); a login takes `username` and `urls`. */
    kind?: ItemKind;
    username?: string;
    urls?: string[];
    /** A one-time-password setup (an otpauth:// URI or a base32 key): an item of its own. */
    totp?: string;
  }): void {
    const extra: [string, string][] = [];
    const kind = entry.kind ?? 'secret';
    let username = (entry.username ?? '').trim();
    const urls: string[] = [];
    if (kind === 'login') {
      if (username.length > MAX_USERNAME_CHARS) {
        extra.push(['Username', username]);
        username = '';
      }
      for (const raw of entry.urls ?? []) {
        const url = raw.trim();
        if (url === '') continue;
        if (urls.length < MAX_URLS && urlProblem(url) === undefined && !urls.includes(url)) urls.push(url);
        else extra.push(['URL', url]);
      }
    } else {
      extra.push(['Username', username]);
      for (const url of entry.urls ?? []) extra.push(['URL', url]);
      username = '';
    }
    const totp = (entry.totp ?? '').trim();
    let otpauth: string | undefined;
    if (totp !== '') {
      try {
        otpauth = otpauthFromInput(totp, entry.title.trim());
      } catch {
        extra.push(['TOTP', totp]); // another scheme (steam://…) or damaged: kept where the person can see it
      }
    }
    extra.push(...entry.extra);
    const lines: string[] = [];
    for (const [name, value] of extra) {
      const text = value.trim();
      if (text === '') continue;
      this.notes.add(name);
      lines.push(`${name}: ${text}`);
    }
    const notes = [entry.notes.trim(), lines.join('\n')].filter((s) => s !== '').join('\n\n');
    const tags = cleanTags(entry.tags);
    this.entries.push({
      title: entry.title.trim(),
      secret: entry.secret,
      notes,
      tags,
      ...(kind !== 'secret' ? { kind } : {}),
      ...(username !== '' ? { username } : {}),
      ...(urls.length > 0 ? { urls } : {}),
    });
    if (otpauth !== undefined)
      this.entries.push({
        title: `${entry.title.trim() || 'Untitled'} (one-time code)`,
        secret: otpauth,
        notes: '',
        tags,
        kind: 'totp',
      });
  }

  /** Names a field that was in the file but could not be mapped. */
  unmapped(name: string): void {
    this.dropped.add(name);
  }

  result(source: string): ParsedImport {
    return {
      source,
      entries: this.entries,
      intoNotes: [...this.notes].sort(),
      unmapped: [...this.dropped].sort(),
    };
  }
}

/**
 * The kind of an entry from a password manager whose entries are all logins (KeePass, 1Password): a `login`, or a
 * `note` when it has no password, user name or address (only notes), as those managers' note entries are.
 */
export function loginOrNote(
  password: string,
  username: string,
  urls: string[],
): { kind: 'login'; username: string; urls: string[] } | { kind: 'note' } {
  const empty = password === '' && username.trim() === '' && urls.every((u) => u.trim() === '');
  return empty ? { kind: 'note' } : { kind: 'login', username, urls };
}

/** Trimmed, non-empty, at most 64 characters (longer ones are cut), no repeats. */
export function cleanTags(tags: string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const t = tag.trim().slice(0, 64).trim();
    if (t !== '' && !out.includes(t)) out.push(t);
  }
  return out;
}
