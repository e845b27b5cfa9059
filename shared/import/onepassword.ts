/**
 * 1Password 8's CSV export (File → Export, "CSV"): the columns "Title", "Url", "Username", "Password", "OTPAuth",
 * "Favorite", "Archived", "Tags", "Notes". Its tags (comma-separated) become tags; "Favorite" and "Archived" are
 * left out. An entry is a `login` (user name, URL; an entry with neither nor a password is a `note`), its OTPAuth URI
 * an item of the `totp` kind (shared/import/entry.ts).
 */
import { EntryCollector, loginOrNote, type ParsedImport } from './entry.ts';
import { readCsv } from './csv.ts';

const ONEPASSWORD_CSV = {
  required: ['Title', 'Url', 'Username', 'Password', 'Notes'],
  optional: ['OTPAuth', 'Favorite', 'Archived', 'Tags'],
} as const;

export function parseOnePasswordCsv(source: string): ParsedImport {
  const { rows } = readCsv(source, '1Password', ONEPASSWORD_CSV);
  const out = new EntryCollector();
  for (const row of rows) {
    if (/^true$/i.test(row.Favorite ?? '')) out.unmapped('Favorite');
    if (/^true$/i.test(row.Archived ?? '')) out.unmapped('Archived');
    out.add({
      title: row.Title ?? '',
      secret: row.Password ?? '',
      notes: row.Notes ?? '',
      tags: (row.Tags ?? '').split(','),
      extra: [],
      ...loginOrNote(row.Password ?? '', row.Username ?? '', [row.Url ?? '']),
      totp: row.OTPAuth ?? '',
    });
  }
  return out.result('1Password CSV');
}
