/**
 * KeePass KDBX files: recognised by their signature here; read by kdbx-reader.ts, which is loaded on first use so
 * that kdbxweb stays out of the memory of a process that never imports (docs/PERFORMANCE.md, "Idle").
 */
import { ImportFileError, type ParsedImport } from '../../../shared/import/entry.ts';

const KDBX_SIGNATURE = [0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5];

/** The file starts with the KeePass 2 signature (KDBX 3 or 4). */
export function looksLikeKdbx(bytes: Uint8Array): boolean {
  return KDBX_SIGNATURE.every((b, i) => bytes[i] === b);
}

export async function parseKdbx(bytes: Uint8Array, password: string | undefined): Promise<ParsedImport> {
  // Checked before kdbxweb is loaded: a file that is not KeePass's, or no password, needs none of it.
  if (!looksLikeKdbx(bytes))
    throw new ImportFileError('The file is not a KeePass database (no KDBX signature).');
  if (password === undefined || password === '')
    throw new ImportFileError('A KeePass database needs its password to be imported.');
  const { readKdbx } = await import('./kdbx-reader.ts');
  return readKdbx(bytes, password);
}
