/** An attachment as the vault holds it: raw bytes (the API carries base64). */
export interface AttachmentData {
  name: string;
  mediaType: string;
  data: Uint8Array;
}

export interface ItemFieldsInput {
  title: string;
  secret: string;
  notes: string;
  tags: string[];
}

export interface NewItem extends ItemFieldsInput {
  attachments: AttachmentData[];
}

/** Fields left out are kept; `attachments`, when given, replaces the whole list. */
export interface ItemPatch extends Partial<ItemFieldsInput> {
  attachments?: AttachmentData[];
}

export interface ItemSummaryData {
  id: string;
  title: string;
  tags: string[];
  attachmentCount: number;
  updatedAt: number;
}

export interface ItemData extends ItemSummaryData {
  secret: string;
  notes: string;
  attachments: AttachmentData[];
  createdAt: number;
}
