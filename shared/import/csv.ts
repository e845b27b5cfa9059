/**
 * CSV reading for the importers, with Papa Parse (RFC 4180 quoting, embedded newlines, a byte-order mark). The header
 * must be the one the application writes: a missing column or one we do not know is refused, naming it, rather than
 * guessing what the columns mean.
 */
import Papa from 'papaparse';
import { ImportFileError } from './entry.ts';

export interface CsvTable {
  /** Rows as column name (as in `required`/`optional`, matched case-insensitively) → value. */
  rows: Record<string, string>[];
}

export function readCsv(
  text: string,
  app: string,
  columns: { required: readonly string[]; optional: readonly string[] },
): CsvTable {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ImportFileError(`The file is empty: it is not a ${app} CSV export.`);
  const parsed = Papa.parse<string[]>(body, { skipEmptyLines: 'greedy' });
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError)
    throw new ImportFileError(
      `The ${app} CSV file is cut off or damaged (an unclosed quote on row ${(quoteError.row ?? 0) + 1}).`,
    );
  const [header, ...data] = parsed.data;
  if (!header) throw new ImportFileError(`The file has no header row: it is not a ${app} CSV export.`);
  const known = [...columns.required, ...columns.optional];
  const index = new Map<string, number>();
  const unknown: string[] = [];
  header.forEach((name, i) => {
    const match = known.find((k) => k.toLowerCase() === name.trim().toLowerCase());
    if (match) index.set(match, i);
    else unknown.push(name);
  });
  const missing = columns.required.filter((c) => !index.has(c));
  if (unknown.length > 0 || missing.length > 0) {
    const parts = [
      unknown.length ? `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map(quote).join(', ')}` : '',
      missing.length ? `missing column${missing.length > 1 ? 's' : ''} ${missing.map(quote).join(', ')}` : '',
    ].filter(Boolean);
    throw new ImportFileError(
      `This is not the CSV header ${app} writes (${parts.join('; ')}). Expected the columns ${known
        .map(quote)
        .join(', ')}.`,
    );
  }
  const rows = data.map((cells, r) => {
    if (cells.length !== header.length)
      throw new ImportFileError(
        `Row ${r + 2} of the ${app} CSV file has ${cells.length} columns instead of ${header.length}: the file is cut off or damaged.`,
      );
    const row: Record<string, string> = {};
    for (const [name, i] of index) row[name] = cells[i] ?? '';
    return row;
  });
  return { rows };
}

const quote = (s: string) => JSON.stringify(s);
