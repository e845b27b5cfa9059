import { TesseraError } from '../../../shared/errors.ts';

/** The database file is not SQLite or fails its integrity check. It is left exactly as it was. */
export class DatabaseCorruptError extends TesseraError {
  readonly path: string;
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(
      'DATABASE_CORRUPT',
      `The database ${path} is damaged (${detail}). Tessera did not change or delete it. ` +
        'Keep a copy of the file, then move it aside and recover your vault from your friends, ' +
        'or restore it from a backup.',
      options,
    );
    this.path = path;
  }
}

/** The database was written by a newer Tessera whose schema this version does not know. */
export class DatabaseTooNewError extends TesseraError {
  readonly path: string;
  readonly found: number;
  readonly known: number;
  constructor(path: string, found: number, known: number) {
    super(
      'DATABASE_TOO_NEW',
      `The database ${path} was written by a newer version of Tessera (schema ${found}; this version knows up ` +
        `to ${known}). Update Tessera to open it. The file was not changed.`,
    );
    this.path = path;
    this.found = found;
    this.known = known;
  }
}
