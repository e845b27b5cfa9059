import { z } from 'zod';
import { ITEM_KINDS, type ItemKind } from '../../items/kinds.ts';
import { op } from '../op.ts';

/**
 * Moving into and out of Tessera: importing another application's export (a preview first, then one transaction),
 * and exporting the vault to a file (PROTOCOL §12).
 */

/** The largest file that can be imported (the bytes travel as base64 through the contract). */
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

const count = z.number().int().nonnegative();
/** A count for every item kind (zero included): `satisfies` keeps the keys those of ITEM_KINDS. */
const KindCounts = z.object({
  secret: count,
  login: count,
  totp: count,
  seed: count,
  note: count,
} satisfies Record<ItemKind, typeof count>);

export const ImportSource = z.enum(['bitwarden', 'keepass', '1password', 'tessera']);
export type ImportSource = z.infer<typeof ImportSource>;

export const ImportPreview = z.object({
  /** Pass to `items.importCommit` (valid for a while, once). */
  token: z.string(),
  /** What the file was: "Bitwarden JSON", "KeePass KDBX 4", … */
  source: z.string(),
  /** Entries found in the file. */
  total: z.number().int().nonnegative(),
  /** Items the import will add. */
  count: z.number().int().nonnegative(),
  /** The items the import will add, by kind; every kind is there (zero included) and they sum to `count`. */
  kinds: KindCounts,
  /** Entries with the same title and secret as an item already in the vault (or earlier in the file): not added. */
  duplicates: z.array(z.object({ title: z.string() })),
  /** Entries that cannot become items, and why: not added. */
  skipped: z.array(z.object({ title: z.string(), reason: z.string() })),
  /** Fields written into the notes, because items have no field for them yet. */
  intoNotes: z.array(z.string()),
  /** Fields in the file that are left out. */
  unmapped: z.array(z.string()),
  /** The first entries, as they will be imported (at most 500), each with its kind (`secret` when free-form). */
  items: z.array(
    z.object({
      title: z.string(),
      kind: z.enum(ITEM_KINDS),
      tags: z.array(z.string()),
      duplicate: z.boolean(),
    }),
  ),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const ImportResult = z.object({
  imported: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
});
export type ImportResult = z.infer<typeof ImportResult>;

export const transferOps = {
  /** Reads a file exported by another application (or by Tessera) and says what importing it would do. */
  'items.importPreview': op(
    z.object({
      format: ImportSource,
      dataBase64: z.string().max(Math.ceil((MAX_IMPORT_BYTES * 4) / 3) + 8),
      /** The KeePass database's password, or the Tessera export's passphrase. */
      password: z.string().max(1024).optional(),
    }),
    ImportPreview,
  ),
  /** Adds the previewed items in one transaction: all of them or none. */
  'items.importCommit': op(z.object({ token: z.string().regex(/^[0-9a-f]{32}$/) }), ImportResult),
  /**
   * Every item, attachments and previous secrets included: sealed under `passphrase` (PROTOCOL §12), or, with
   * `plain` and `plainUnderstood`, as plain JSON anyone who gets the file can read.
   */
  'items.export': op(
    z.object({
      passphrase: z.string().min(1).max(1024).optional(),
      plain: z.boolean().default(false),
      /** The person was told that a plain export is not encrypted, and said they understand. */
      plainUnderstood: z.boolean().default(false),
    }),
    z.object({
      dataBase64: z.string(),
      items: z.number().int().nonnegative(),
      encrypted: z.boolean(),
      fileName: z.string(),
    }),
  ),
};
