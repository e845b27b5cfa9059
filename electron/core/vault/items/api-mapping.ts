import { BadRequestError } from '../../../../shared/errors.ts';
import type { AttachmentContent, Item, ItemSummary } from '../../../../shared/api/ops/items.ts';
import { checkAttachmentSize } from './limits.ts';
import {
  attachmentInfo,
  type AttachmentData,
  type ItemData,
  type ItemSummaryData,
  type KeptAttachment,
} from './types.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Size of the bytes a base64 text decodes to, computed before decoding. */
function decodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** API attachment (base64) → bytes; checks the encoding, then the size limit before decoding. */
export function attachmentFromApi(input: {
  name: string;
  mediaType: string;
  dataBase64: string;
}): AttachmentData {
  const text = input.dataBase64;
  if (text.length % 4 !== 0 || !BASE64.test(text))
    throw new BadRequestError(`The attachment "${input.name}" is not valid base64.`);
  checkAttachmentSize(input.name, decodedLength(text));
  return { name: input.name, mediaType: input.mediaType, data: new Uint8Array(Buffer.from(text, 'base64')) };
}

/** An update's list entry: a kept attachment passes through, a new one is decoded. */
export function attachmentChangeFromApi(
  input: { keep: string } | { name: string; mediaType: string; dataBase64: string },
): AttachmentData | KeptAttachment {
  return 'keep' in input ? { keep: input.keep } : attachmentFromApi(input);
}

export function attachmentToApi(a: AttachmentData & { id: string }): AttachmentContent {
  return { ...attachmentInfo(a), dataBase64: Buffer.from(a.data).toString('base64') };
}

export function summaryToApi(item: ItemSummaryData): ItemSummary {
  return {
    id: item.id,
    title: item.title,
    tags: item.tags,
    attachmentCount: item.attachmentCount,
    updatedAt: item.updatedAt,
    kind: item.kind,
  };
}

export function itemToApi(item: ItemData): Item {
  return {
    ...summaryToApi(item),
    secret: item.secret,
    notes: item.notes,
    createdAt: item.createdAt,
    attachments: item.attachments,
    ...(item.username !== undefined ? { username: item.username } : {}),
    ...(item.urls !== undefined ? { urls: item.urls } : {}),
  };
}
