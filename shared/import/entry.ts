/**
 * What an importer makes of one entry of another application's export, before it becomes a vault item
 * (shared/api/ops/items.ts): a title, the secret (the password), notes and tags. Fields a Tessera item has no place
 * for yet (user name, URLs, one-time-password setup, custom fields) are written into the notes, one `Name: value` line
 * each, and the importer names them, so the preview can say what went where.
 */
import { TesseraError } from '../errors.ts';

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
  }): void {
    const lines: string[] = [];
    for (const [name, value] of entry.extra) {
      const text = value.trim();
      if (text === '') continue;
      this.notes.add(name);
      lines.push(`${name}: ${text}`);
    }
    const notes = [entry.notes.trim(), lines.join('\n')].filter((s) => s !== '').join('\n\n');
    this.entries.push({
      title: entry.title.trim(),
      secret: entry.secret,
      notes,
      tags: cleanTags(entry.tags),
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

/** Trimmed, non-empty, at most 64 characters (longer ones are cut), no repeats. */
export function cleanTags(tags: string[]): string[] {
  const out: string[] = [];
  for (const tag of tags) {
    const t = tag.trim().slice(0, 64).trim();
    if (t !== '' && !out.includes(t)) out.push(t);
  }
  return out;
}
