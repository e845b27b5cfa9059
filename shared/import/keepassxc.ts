/**
 * KeePassXC's CSV export (Database → Export → CSV File): the columns "Group", "Title", "Username", "Password", "URL",
 * "Notes", and since KeePassXC 2.6 "TOTP", "Icon", "Last Modified", "Created". The group path without the root group
 * becomes a tag ("Root/Work/Mail" → "Work/Mail"). An entry is a `login` (user name, URL), with its TOTP setup an item
 * of the `totp` kind; an entry with no password, user name or URL is a `note` (shared/import/entry.ts).
 */
import { EntryCollector, loginOrNote, type ParsedImport } from './entry.ts';
import { readCsv } from './csv.ts';

const KEEPASSXC_CSV = {
  required: ['Group', 'Title', 'Username', 'Password', 'URL', 'Notes'],
  optional: ['TOTP', 'Icon', 'Last Modified', 'Created'],
} as const;

export function parseKeepassxcCsv(source: string): ParsedImport {
  const { rows } = readCsv(source, 'KeePassXC', KEEPASSXC_CSV);
  const out = new EntryCollector();
  for (const row of rows) {
    const group = (row.Group ?? '').split('/').slice(1).join('/');
    if (!['', '0'].includes(row.Icon ?? '')) out.unmapped('Icon');
    out.add({
      title: row.Title ?? '',
      secret: row.Password ?? '',
      notes: row.Notes ?? '',
      tags: [group],
      extra: [],
      ...loginOrNote(row.Password ?? '', row.Username ?? '', [row.URL ?? '']),
      totp: row.TOTP ?? '',
    });
  }
  return out.result('KeePassXC CSV');
}
