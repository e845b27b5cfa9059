import type { ItemKind, ItemKindData } from '../../../../shared/items/kinds.ts';

/** An attachment as the vault holds it: raw bytes (the API carries base64). */
export interface AttachmentData {
  name: string;
  mediaType: string;
  data: Uint8Array;
}

/** What an item lists about each attachment (the bytes are fetched one at a time). */
export interface AttachmentInfo {
  /** Its id within the item. */
  id: string;
  name: string;
  mediaType: string;
  size: number;
}

/** What an item lists about an attachment it holds. */
export function attachmentInfo(a: AttachmentData & { id: string }): AttachmentInfo {
  return { id: a.id, name: a.name, mediaType: a.mediaType, size: a.data.length };
}

/** In an update's attachment list: the item's current attachment with this id, kept as it is. */
export interface KeptAttachment {
  keep: string;
}

/** The kind and the login's fields are optional (shared/items/kinds.ts): left out, the item is `secret`. */
export interface ItemFieldsInput extends ItemKindData {
  title: string;
  secret: string;
  notes: string;
  tags: string[];
}

export interface NewItem extends ItemFieldsInput {
  attachments: AttachmentData[];
}

/** Fields left out are kept; `attachments`, when given, is the whole new list (new files and kept ones). */
export interface ItemPatch extends Partial<ItemFieldsInput> {
  attachments?: (AttachmentData | KeptAttachment)[];
}

export interface ItemSummaryData {
  id: string;
  title: string;
  tags: string[];
  attachmentCount: number;
  updatedAt: number;
  kind: ItemKind;
}

export interface ItemData extends ItemSummaryData {
  username?: string;
  urls?: string[];
  secret: string;
  notes: string;
  attachments: AttachmentInfo[];
  createdAt: number;
}

/** A secret an item had before, and when it was replaced (docs/STORAGE.md, "Trash and secret history"). */
export interface PreviousSecretData {
  secret: string;
  replacedAt: number;
}

/** An item in the trash: when it was deleted, and when it is deleted for good. */
export interface TrashedItemData extends ItemSummaryData {
  deletedAt: number;
  purgeAt: number;
}

/** An item with its attachments' bytes and its previous secrets (for snapshots). */
export interface FullItemData extends Omit<ItemData, 'attachments'> {
  attachments: AttachmentData[];
  history: PreviousSecretData[];
}

/** A new item from an import: its own times and previous secrets when the file had them (a Tessera export). */
export interface ImportedItem extends NewItem {
  createdAt?: number;
  updatedAt?: number;
  history?: PreviousSecretData[];
}
