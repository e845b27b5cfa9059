/**
 * Tessera's export file (PROTOCOL §12): every item of the vault, sealed under a passphrase of its own, so a person can
 * move their vault to another Tessera or keep a copy apart from their friends' backup; and the plain JSON export,
 * written only after an explicit warning. `import --from tessera` reads both back.
 *
 * Pure: the scrypt run is the caller's (node:crypto off the event loop in the app; the tests check it against
 * @noble/hashes), so this module needs no Node API.
 */
import { aeadOpen, aeadSeal, AEAD_NONCE_BYTES } from '../crypto/aead.ts';
import { concatBytes, fromBase64, fromUtf8, toBase64, u16be, utf8 } from '../crypto/bytes.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { TesseraError } from '../errors.ts';
import { takeRandom, type RandomSource } from '../crypto/random.ts';
import { isItemKind, MAX_URL_CHARS, MAX_USERNAME_CHARS, type ItemKind } from '../items/kinds.ts';
import { ITEM_KIND_KEYS, itemKindFromCbor, itemKindToCbor } from './item-kind-fields.ts';
import { decodeCanonical, encodeCanonical } from './cbor.ts';
import {
  asMap,
  expectKeys,
  readArray,
  readBytes,
  readText,
  readTextArray,
  readUint,
  type CborMap,
} from './fields.ts';

/** "TESSERA-EXPORT" 0x00: the first 15 bytes of every encrypted export. */
export const EXPORT_MAGIC = concatBytes(utf8('TESSERA-EXPORT'), new Uint8Array([0]));
export const EXPORT_VERSION = 1;
export const EXPORT_SALT_BYTES = 16;
/** The largest export file read (and the largest import of any format). */
export const MAX_EXPORT_FILE_BYTES = 16 * 1024 * 1024;
const MAX_HEADER_BYTES = 256;

export interface ExportScryptParams {
  logN: number;
  r: number;
  p: number;
}
/** What an export is written with (RFC 7914 scrypt, the cost the vault key's wrap uses: docs/STORAGE.md). */
export const EXPORT_SCRYPT: ExportScryptParams = { logN: 17, r: 8, p: 1 };
/** Read bounds: weaker or absurd parameters are refused before any work (a file could ask for 2^40). */
export const EXPORT_SCRYPT_BOUNDS = { logN: [14, 20], r: [8, 16], p: [1, 4] } as const;

/** scrypt(password, salt, N = 2^logN, r, p, dkLen = 32), supplied by the caller. */
export type ScryptFn = (
  password: Uint8Array,
  salt: Uint8Array,
  params: ExportScryptParams,
) => Promise<Uint8Array>;

export interface ExportedItem {
  title: string;
  secret: string;
  notes: string;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  files: { name: string; mediaType: string; data: Uint8Array }[];
  /** Previous secrets, newest first. */
  history: { secret: string; replacedAt: number }[];
  /** The kind (left out: `secret`) and a login's user name and web addresses (PROTOCOL §12.1). */
  kind?: ItemKind;
  username?: string;
  urls?: string[];
}

export interface ExportContent {
  exportedAt: number;
  items: ExportedItem[];
}

const LIMITS = {
  items: 100_000,
  title: 1024,
  secret: 65_536,
  notes: 1_048_576,
  tags: 64,
  tag: 128,
  files: 64,
};

export function isEncryptedExport(bytes: Uint8Array): boolean {
  return bytes.length >= EXPORT_MAGIC.length && EXPORT_MAGIC.every((b, i) => bytes[i] === b);
}

/** The passphrase as bytes: Unicode NFC, then UTF-8 (as the vault's own passphrase). */
export function exportPassphraseBytes(passphrase: string): Uint8Array {
  return utf8(passphrase.normalize('NFC'));
}

function bodyOf(content: ExportContent): Uint8Array {
  return encodeCanonical({
    v: EXPORT_VERSION,
    exported: content.exportedAt,
    items: content.items.map((i) => ({
      title: i.title,
      secret: i.secret,
      notes: i.notes,
      tags: i.tags,
      created: i.createdAt,
      updated: i.updatedAt,
      files: i.files.map((f) => ({ name: f.name, type: f.mediaType, data: f.data })),
      ...(i.history.length > 0
        ? { history: i.history.map((h) => ({ secret: h.secret, at: h.replacedAt })) }
        : {}),
      ...itemKindToCbor(i),
    })),
  });
}

/** Seals `content` under `passphrase` (fresh salt and nonce from `random`). */
export async function sealExport(
  content: ExportContent,
  passphrase: string,
  scrypt: ScryptFn,
  random: RandomSource,
  params: ExportScryptParams = EXPORT_SCRYPT,
): Promise<Uint8Array> {
  checkParams(params);
  const salt = takeRandom(random, EXPORT_SALT_BYTES);
  const nonce = takeRandom(random, AEAD_NONCE_BYTES);
  const header = encodeCanonical({ v: EXPORT_VERSION, kdf: 'scrypt', ...params, salt, nonce });
  const prefix = concatBytes(EXPORT_MAGIC, u16be(header.length), header);
  const key = await scrypt(exportPassphraseBytes(passphrase), salt, params);
  try {
    return concatBytes(prefix, aeadSeal(key, nonce, bodyOf(content), prefix));
  } finally {
    key.fill(0);
  }
}

/** An export that the passphrase given does not open (the AEAD failed: wrong passphrase, or changed bytes). */
export class WrongExportPassphraseError extends TesseraError {
  constructor() {
    super(
      'WRONG_PASSPHRASE',
      'That passphrase does not open this Tessera export (or the file was changed or cut off). Nothing was imported; the vault is unchanged.',
    );
  }
}

/** Opens an encrypted export: checks magic, header and parameters before the KDF, then the AEAD, then the body. */
export async function openExport(
  bytes: Uint8Array,
  passphrase: string,
  scrypt: ScryptFn,
): Promise<ExportContent> {
  const what = 'Tessera export';
  if (bytes.length > MAX_EXPORT_FILE_BYTES)
    throw new MalformedDataError(what, `larger than the ${MAX_EXPORT_FILE_BYTES}-byte limit`);
  if (!isEncryptedExport(bytes))
    throw new MalformedDataError(what, 'it does not start with "TESSERA-EXPORT"');
  const at = EXPORT_MAGIC.length;
  if (bytes.length < at + 2) throw new MalformedDataError(what, 'cut off after the magic');
  const headerLength = (bytes[at]! << 8) | bytes[at + 1]!;
  if (headerLength > MAX_HEADER_BYTES || bytes.length < at + 2 + headerLength + 16)
    throw new MalformedDataError(what, 'cut off, or its header is damaged');
  const prefix = bytes.subarray(0, at + 2 + headerLength);
  const header = asMap(decodeCanonical(bytes.subarray(at + 2, prefix.length), MAX_HEADER_BYTES, what), what);
  const v = readUint(header, 'v', what);
  if (v !== EXPORT_VERSION) throw new UnsupportedFormatError(what, v);
  expectKeys(header, what, ['v', 'kdf', 'logN', 'r', 'p', 'salt', 'nonce']);
  if (readText(header, 'kdf', what, 16) !== 'scrypt') throw new MalformedDataError(what, 'unknown KDF');
  const params = {
    logN: readUint(header, 'logN', what),
    r: readUint(header, 'r', what),
    p: readUint(header, 'p', what),
  };
  checkParams(params);
  const salt = readBytes(header, 'salt', what, { exact: EXPORT_SALT_BYTES });
  const nonce = readBytes(header, 'nonce', what, { exact: AEAD_NONCE_BYTES });
  const key = await scrypt(exportPassphraseBytes(passphrase), salt, params);
  let body: Uint8Array;
  try {
    body = aeadOpen(key, nonce, bytes.subarray(prefix.length), prefix, what);
  } catch {
    throw new WrongExportPassphraseError();
  } finally {
    key.fill(0);
  }
  return decodeBody(body);
}

function checkParams(params: ExportScryptParams): void {
  for (const k of ['logN', 'r', 'p'] as const) {
    const [min, max] = EXPORT_SCRYPT_BOUNDS[k];
    if (!Number.isSafeInteger(params[k]) || params[k] < min || params[k] > max)
      throw new MalformedDataError('Tessera export', `scrypt ${k} = ${params[k]} is outside ${min}..${max}`);
  }
  if (128 * 2 ** params.logN * params.r > 1024 * 1024 * 1024)
    throw new MalformedDataError('Tessera export', 'scrypt would need more than 1 GiB of memory');
}

function decodeBody(body: Uint8Array): ExportContent {
  const what = 'Tessera export contents';
  const map = asMap(decodeCanonical(body, MAX_EXPORT_FILE_BYTES, what), what);
  const v = readUint(map, 'v', what);
  if (v !== EXPORT_VERSION) throw new UnsupportedFormatError(what, v);
  expectKeys(map, what, ['v', 'exported', 'items']);
  return {
    exportedAt: readUint(map, 'exported', what),
    items: readArray(map, 'items', what, LIMITS.items).map((raw) => decodeItem(asMap(raw, 'exported item'))),
  };
}

function decodeItem(m: CborMap): ExportedItem {
  const what = 'exported item';
  expectKeys(
    m,
    what,
    ['title', 'secret', 'notes', 'tags', 'created', 'updated', 'files'],
    ['history', ...ITEM_KIND_KEYS],
  );
  return {
    ...itemKindFromCbor(m, what),
    title: readText(m, 'title', what, LIMITS.title),
    secret: readText(m, 'secret', what, LIMITS.secret),
    notes: readText(m, 'notes', what, LIMITS.notes),
    tags: readTextArray(m, 'tags', what, LIMITS.tags, LIMITS.tag),
    createdAt: readUint(m, 'created', what),
    updatedAt: readUint(m, 'updated', what),
    files: readArray(m, 'files', what, LIMITS.files).map((raw) => {
      const f = asMap(raw, 'exported file');
      expectKeys(f, 'exported file', ['name', 'type', 'data']);
      return {
        name: readText(f, 'name', 'exported file', 1024),
        mediaType: readText(f, 'type', 'exported file', 256),
        data: readBytes(f, 'data', 'exported file', { max: MAX_EXPORT_FILE_BYTES }),
      };
    }),
    history:
      m.history === undefined
        ? []
        : readArray(m, 'history', what, 10).map((raw) => {
            const h = asMap(raw, 'previous secret');
            expectKeys(h, 'previous secret', ['secret', 'at']);
            return {
              secret: readText(h, 'secret', 'previous secret', LIMITS.secret),
              replacedAt: readUint(h, 'at', 'previous secret'),
            };
          }),
  };
}

/** The plain export (PROTOCOL §12.3): JSON, readable by anyone who gets the file. */
export function encodePlainExport(content: ExportContent): string {
  return `${JSON.stringify(
    {
      format: 'tessera-export',
      version: EXPORT_VERSION,
      encrypted: false,
      exportedAt: new Date(content.exportedAt).toISOString(),
      items: content.items.map((i) => ({
        title: i.title,
        secret: i.secret,
        notes: i.notes,
        tags: i.tags,
        createdAt: new Date(i.createdAt).toISOString(),
        updatedAt: new Date(i.updatedAt).toISOString(),
        attachments: i.files.map((f) => ({
          name: f.name,
          mediaType: f.mediaType,
          dataBase64: toBase64(f.data),
        })),
        history: i.history.map((h) => ({
          secret: h.secret,
          replacedAt: new Date(h.replacedAt).toISOString(),
        })),
        ...plainKind(i),
      })),
    },
    null,
    2,
  )}\n`;
}

/** Reads a plain export back; any deviation from what encodePlainExport writes is a MalformedDataError. */
export function decodePlainExport(bytes: Uint8Array): ExportContent {
  const what = 'plain Tessera export';
  let doc: unknown;
  try {
    doc = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new MalformedDataError(what, 'not valid JSON (cut off or damaged?)');
  }
  const m = doc as Record<string, unknown>;
  if (typeof m !== 'object' || m === null || m.format !== 'tessera-export' || !Array.isArray(m.items))
    throw new MalformedDataError(what, 'not a Tessera export');
  if (m.version !== EXPORT_VERSION) throw new UnsupportedFormatError(what, Number(m.version));
  const time = (v: unknown) => {
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(t)) throw new MalformedDataError(what, 'a time is not an ISO date');
    return t;
  };
  const str = (v: unknown, max: number) => {
    if (typeof v !== 'string' || v.length > max)
      throw new MalformedDataError(what, 'a field is not text or too long');
    return v;
  };
  const arr = (v: unknown) => {
    if (!Array.isArray(v)) throw new MalformedDataError(what, 'a list is missing');
    return v as Record<string, unknown>[];
  };
  return {
    exportedAt: time(m.exportedAt),
    items: arr(m.items).map((i) => ({
      title: str(i.title, LIMITS.title),
      secret: str(i.secret, LIMITS.secret),
      notes: str(i.notes, LIMITS.notes),
      tags: arr(i.tags).map((t) => str(t, LIMITS.tag)),
      createdAt: time(i.createdAt),
      updatedAt: time(i.updatedAt),
      files: arr(i.attachments).map((f) => ({
        name: str(f.name, 1024),
        mediaType: str(f.mediaType, 256),
        data: fromBase64(str(f.dataBase64, MAX_EXPORT_FILE_BYTES * 2)),
      })),
      history: arr(i.history ?? []).map((h) => ({
        secret: str(h.secret, LIMITS.secret),
        replacedAt: time(h.replacedAt),
      })),
      ...(i.kind !== undefined ? { kind: plainKindOf(i.kind) } : {}),
      ...(i.username !== undefined ? { username: str(i.username, MAX_USERNAME_CHARS) } : {}),
      ...(i.urls !== undefined ? { urls: arr(i.urls).map((u) => str(u, MAX_URL_CHARS)) } : {}),
    })),
  };

  function plainKindOf(v: unknown): ItemKind {
    if (!isItemKind(v)) throw new MalformedDataError(what, 'an item has an unknown kind');
    return v;
  }
}

/** A plain export's kind keys, as in the encrypted one: left out for a free-form item, so it is written as before. */
function plainKind(i: ExportedItem): Record<string, unknown> {
  return {
    ...(i.kind !== undefined && i.kind !== 'secret' ? { kind: i.kind } : {}),
    ...(i.username ? { username: i.username } : {}),
    ...(i.urls?.length ? { urls: i.urls } : {}),
  };
}
