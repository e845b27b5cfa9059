/**
 * KeePassXC's CSV export (Database → Export → CSV File): the columns "Group", "Title", "Username", "Password", "URL",
 * "Notes", and since KeePassXC 2.6 "TOTP", "Icon", "Last Modified", "Created". The group path without the root group
 * becomes a tag ("Root/Work/Mail" → "Work/Mail").
 */
import { EntryCollector, type ParsedImport } from './entry.ts';
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
      extra: [
        ['Username', row.Username ?? ''],
        ['URL', row.URL ?? ''],
        ['TOTP', row.TOTP ?? ''],
      ],
    });
  }
  return out.result('KeePassXC CSV');
}
