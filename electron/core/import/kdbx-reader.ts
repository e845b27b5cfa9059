/**
 * KeePass KDBX 4 files (KeePass 2.x, KeePassXC), read with kdbxweb. Loaded by kdbx.ts on the first KeePass import
 * only: kdbxweb and its XML and zlib code are ~1 MiB of source a custodian that never imports would keep in memory. kdbxweb leaves Argon2 to its caller: we give it
 * @noble/hashes' argon2d/argon2id (RFC 9106), the async variants, so a 64 MiB derivation yields to the event loop.
 * Lives in electron/ because kdbxweb loads Node's `crypto`.
 *
 * Each entry's Password is the secret; UserName, URL and any other string fields (a TOTP setup, custom fields) go
 * into the notes; its group path below the root becomes a tag. The recycle bin is skipped; attachments, icons and
 * entry history are left out and named in the preview.
 */
import * as kdbxweb from 'kdbxweb';
import { argon2dAsync, argon2idAsync } from '@noble/hashes/argon2.js';
import { WrongPassphraseError } from '../../../shared/errors.ts';
import {
  EntryCollector,
  ImportFileError,
  loginOrNote,
  type ParsedImport,
} from '../../../shared/import/entry.ts';

/** Argon2 memory above this is refused (a hostile file could ask for any amount). */
const MAX_ARGON2_KIB = 1024 * 1024;

kdbxweb.CryptoEngine.setArgon2Impl(
  async (password, salt, memory, iterations, length, parallelism, type, version) => {
    if (memory > MAX_ARGON2_KIB)
      throw new ImportFileError(
        `The KeePass file asks for ${Math.round(memory / 1024)} MiB of Argon2 memory, more than the 1 GiB allowed.`,
      );
    const argon = type === kdbxweb.CryptoEngine.Argon2TypeArgon2id ? argon2idAsync : argon2dAsync;
    const out = await argon(new Uint8Array(password), new Uint8Array(salt), {
      t: iterations,
      m: memory,
      p: parallelism,
      dkLen: length,
      version,
    });
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
  },
);

const STANDARD = new Set(['Title', 'UserName', 'Password', 'URL', 'Notes']);

/** Reads a file that kdbx.ts has seen to start with the KDBX signature, with the password it was given. */
export async function readKdbx(bytes: Uint8Array, password: string): Promise<ParsedImport> {
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let db: kdbxweb.Kdbx;
  try {
    db = await kdbxweb.Kdbx.load(data, new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(password)));
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    const code = err instanceof kdbxweb.KdbxError ? err.code : '';
    if (code === kdbxweb.Consts.ErrorCodes.InvalidKey)
      throw new WrongPassphraseError(
        'That password does not open this KeePass database (or it also needs a key file, which Tessera cannot use yet). Nothing was imported; the vault is unchanged.',
      );
    if (code === kdbxweb.Consts.ErrorCodes.InvalidVersion)
      throw new ImportFileError(
        'This KeePass database is of a version Tessera cannot read (KDBX 3.1 or 4 only).',
      );
    throw new ImportFileError(
      `The KeePass database is cut off or damaged (${err instanceof Error ? err.message : String(err)}).`,
    );
  }
  const out = new EntryCollector();
  const binUuid = db.meta.recycleBinUuid?.id;
  const walk = (group: kdbxweb.KdbxGroup, path: string[]) => {
    if (binUuid && group.uuid.id === binUuid) return;
    for (const entry of group.entries) {
      const field = (name: string): string => {
        const v = entry.fields.get(name);
        return v instanceof kdbxweb.ProtectedValue ? v.getText() : (v ?? '');
      };
      const extra: [string, string][] = [];
      // KeePassXC keeps an entry's TOTP setup in the field "otp" (an otpauth:// URI): an item of the totp kind.
      for (const name of entry.fields.keys())
        if (!STANDARD.has(name) && name !== 'otp') extra.push([name, field(name)]);
      if (entry.binaries.size > 0) out.unmapped('attachments');
      if (entry.history.length > 0) out.unmapped('entry history');
      out.add({
        title: field('Title'),
        secret: field('Password'),
        notes: field('Notes'),
        tags: [path.join('/')],
        extra,
        ...loginOrNote(field('Password'), field('UserName'), [field('URL')]),
        totp: field('otp'),
      });
    }
    for (const child of group.groups) walk(child, [...path, child.name ?? '']);
  };
  const root = db.getDefaultGroup();
  walk(root, []);
  return out.result(`KeePass KDBX ${db.header.versionMajor}`);
}
