import { isItemKind } from '../../../../shared/items/kinds.ts';
import { VaultDataCorruptError } from '../errors.ts';
import type { AttachmentData, ItemFieldsInput, PreviousSecretData } from './types.ts';

/**
 * What an item row's sealed blob holds. The attachment ids authenticate the set and order of its attachments.
 * `deletedAt` is set while the item is in the trash (docs/STORAGE.md, "Trash and secret history"). `kind`,
 * `username` and `urls` are left out when they are the default (docs/STORAGE.md, "Item kinds"), so an item without
 * a kind is sealed exactly as before kinds existed, and such a payload reads as the `secret` kind.
 */
export interface ItemPayload extends ItemFieldsInput {
  createdAt: number;
  updatedAt: number;
  attachments: string[];
  deletedAt?: number;
}

const PAYLOAD_VERSION = 1;

export function encodeItem(payload: ItemPayload): Buffer {
  return Buffer.from(JSON.stringify({ v: PAYLOAD_VERSION, ...payload }), 'utf8');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

export function decodeItem(id: string, bytes: Uint8Array): ItemPayload {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new VaultDataCorruptError(`item ${id}`, { cause: err });
  }
  const {
    v,
    title,
    secret,
    notes,
    tags,
    createdAt,
    updatedAt,
    attachments,
    deletedAt,
    kind,
    username,
    urls,
  } = raw;
  if (
    v !== PAYLOAD_VERSION ||
    (deletedAt !== undefined && typeof deletedAt !== 'number') ||
    typeof title !== 'string' ||
    typeof secret !== 'string' ||
    typeof notes !== 'string' ||
    !isStringArray(tags) ||
    typeof createdAt !== 'number' ||
    typeof updatedAt !== 'number' ||
    !isStringArray(attachments) ||
    (kind !== undefined && !isItemKind(kind)) ||
    (username !== undefined && typeof username !== 'string') ||
    (urls !== undefined && !isStringArray(urls))
  )
    throw new VaultDataCorruptError(`item ${id}`);
  const payload: ItemPayload = { title, secret, notes, tags, createdAt, updatedAt, attachments };
  if (deletedAt !== undefined) payload.deletedAt = deletedAt;
  if (kind !== undefined) payload.kind = kind;
  if (username !== undefined) payload.username = username;
  if (urls !== undefined) payload.urls = urls;
  return payload;
}

const HISTORY_VERSION = 1;

/** An item's previous secrets, newest first: the plaintext of its `item_history` row. */
export function encodeHistory(entries: readonly PreviousSecretData[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: HISTORY_VERSION,
      entries: entries.map((e) => ({ secret: e.secret, replacedAt: e.replacedAt })),
    }),
    'utf8',
  );
}

export function decodeHistory(itemId: string, bytes: Uint8Array): PreviousSecretData[] {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new VaultDataCorruptError(`the previous secrets of item ${itemId}`, { cause: err });
  }
  const entries = raw.entries;
  if (
    raw.v !== HISTORY_VERSION ||
    !Array.isArray(entries) ||
    !entries.every(
      (e: unknown) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as Record<string, unknown>).secret === 'string' &&
        typeof (e as Record<string, unknown>).replacedAt === 'number',
    )
  )
    throw new VaultDataCorruptError(`the previous secrets of item ${itemId}`);
  return (entries as PreviousSecretData[]).map((e) => ({ secret: e.secret, replacedAt: e.replacedAt }));
}

/** Attachment plaintext: u32 header length || JSON {name, mediaType} || raw bytes. */
export function encodeAttachment(attachment: AttachmentData): Buffer {
  const header = Buffer.from(
    JSON.stringify({ name: attachment.name, mediaType: attachment.mediaType }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([len, header, attachment.data]);
}

export function decodeAttachment(what: string, bytes: Buffer): AttachmentData {
  try {
    const len = bytes.readUInt32BE(0);
    if (4 + len > bytes.length) throw new Error('header past end');
    const header = JSON.parse(bytes.subarray(4, 4 + len).toString('utf8')) as Record<string, unknown>;
    if (typeof header.name !== 'string' || typeof header.mediaType !== 'string')
      throw new Error('bad header');
    // A view, not a copy: `bytes` is the row just opened, this attachment's own (a backup build opens every file).
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset + 4 + len, bytes.length - 4 - len);
    return { name: header.name, mediaType: header.mediaType, data };
  } catch (err) {
    throw new VaultDataCorruptError(what, { cause: err });
  }
}
