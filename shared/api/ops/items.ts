import { z } from 'zod';
import { op } from '../op.ts';
import { ITEM_KINDS, kindProblems, MAX_URL_CHARS, MAX_URLS, MAX_USERNAME_CHARS } from '../../items/kinds.ts';

/**
 * Attachments travel as base64 in the API; the store keeps raw bytes, encrypted. An item lists its attachments
 * without their bytes; `items.attachment` fetches one when it is needed (saving a file), so opening an item with
 * sixteen scans does not move 20 MiB of base64.
 */
export const MAX_ATTACHMENT_BYTES = 1024 * 1024;
export const MAX_SECRET_CHARS = 64 * 1024;

/** A deleted item stays in the trash this long, then is deleted for good (docs/STORAGE.md, "Trash and secret history"). */
export const TRASH_DAYS = 30;
/** How many previous secrets an item keeps (the newest ones). */
export const MAX_PREVIOUS_SECRETS = 10;

export const ItemId = z.string().regex(/^[0-9a-f]{32}$/, 'An item id is 32 hex characters.');

export const AttachmentInput = z.object({
  name: z.string().min(1).max(255),
  mediaType: z.string().max(255).default('application/octet-stream'),
  dataBase64: z.string().max(Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 8),
});

export const MAX_ATTACHMENTS = 16;

/** An attachment's id within its item (a replaced file gets a new one; a kept or moved file keeps it). */
export const AttachmentId = z.string().regex(/^[0-9a-f]{32}$/, 'An attachment id is 32 hex characters.');

export const Attachment = z.object({
  id: AttachmentId,
  name: z.string(),
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
});

export const AttachmentContent = Attachment.extend({ dataBase64: z.string() });
export type AttachmentContent = z.infer<typeof AttachmentContent>;

/** In an update's list: keep the item's current attachment with this id (its bytes are not sent again). */
export const KeptAttachment = z.object({ keep: AttachmentId });

const itemFieldShapes = {
  title: z.string().trim().min(1, 'An item needs a title.').max(200),
  secret: z.string().max(MAX_SECRET_CHARS),
  notes: z.string().max(MAX_SECRET_CHARS),
  tags: z.array(z.string().trim().min(1).max(64)).max(32),
  /** What the item is (shared/items/kinds.ts); left out, a new item is `secret`, an update keeps the kind. */
  kind: z.enum(ITEM_KINDS).optional(),
  /** A login's user name. */
  username: z.string().max(MAX_USERNAME_CHARS).optional(),
  /** A login's web addresses. */
  urls: z.array(z.string().max(MAX_URL_CHARS)).max(MAX_URLS).optional(),
};

export const ItemFields = z.object({
  ...itemFieldShapes,
  notes: itemFieldShapes.notes.default(''),
  tags: itemFieldShapes.tags.default([]),
});

/** For updates: no defaults, so a field left out stays as it is (zod applies defaults even inside partial()). */
export const ItemFieldsPatch = z.object(itemFieldShapes).partial();

export const ItemSummary = z.object({
  id: ItemId,
  title: z.string(),
  tags: z.array(z.string()),
  attachmentCount: z.number().int().nonnegative(),
  updatedAt: z.number().int(),
  /** Added with item kinds: older cores leave it out, which means `secret`. */
  kind: z.enum(ITEM_KINDS).optional(),
});
export type ItemSummary = z.infer<typeof ItemSummary>;

export const Item = ItemSummary.extend({
  secret: z.string(),
  notes: z.string(),
  attachments: z.array(Attachment),
  createdAt: z.number().int(),
  /** A login's user name, when it has one. */
  username: z.string().optional(),
  /** A login's web addresses, when it has any. */
  urls: z.array(z.string()).optional(),
});
export type Item = z.infer<typeof Item>;

/** A secret an item had before, and when it was replaced. */
export const PreviousSecret = z.object({ secret: z.string(), replacedAt: z.number().int() });
export type PreviousSecret = z.infer<typeof PreviousSecret>;

/** An item in the trash: when it was deleted, and when it will be deleted for good. */
export const TrashedItem = ItemSummary.extend({ deletedAt: z.number().int(), purgeAt: z.number().int() });
export type TrashedItem = z.infer<typeof TrashedItem>;

export const itemOps = {
  'items.list': op(z.object({ query: z.string().max(200).optional() }), z.array(ItemSummary)),
  /**
   * The ids of the items `items.list` with the same query lists, in the same order: what a screen that holds the
   * whole list asks at each keystroke, so a search moves ids instead of every summary again (docs/PERFORMANCE.md,
   * "A vault of 10,000 items").
   */
  'items.search': op(z.object({ query: z.string().max(200) }), z.object({ ids: z.array(ItemId) })),
  'items.get': op(z.object({ id: ItemId }), Item),
  'items.attachment': op(z.object({ id: ItemId, attachmentId: AttachmentId }), AttachmentContent),
  /** The kind's fields are checked here (kindProblems), each problem reported on its field. */
  'items.create': op(
    ItemFields.extend({ attachments: z.array(AttachmentInput).max(MAX_ATTACHMENTS).default([]) }).superRefine(
      (input, ctx) => {
        for (const problem of kindProblems({ ...input, kind: input.kind ?? 'secret' }))
          ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
      },
    ),
    Item,
  ),
  /**
   * `attachments`, when given, is the new list, in order: new files, and `{ keep: attachmentId }` for current ones.
   * The kind's fields are checked by the core against the item as it becomes (fields left out are kept).
   */
  'items.update': op(
    ItemFieldsPatch.extend({
      id: ItemId,
      attachments: z
        .array(z.union([AttachmentInput, KeptAttachment]))
        .max(MAX_ATTACHMENTS)
        .optional(),
    }),
    Item,
  ),
  /** Moves the item to the trash, where it stays TRASH_DAYS days (`items.restore` brings it back). */
  'items.delete': op(z.object({ id: ItemId }), z.object({})),
  /** The item's previous secrets, newest first (at most MAX_PREVIOUS_SECRETS). */
  'items.history': op(z.object({ id: ItemId }), z.array(PreviousSecret)),
  /** The items in the trash, most recently deleted first. */
  'items.trash': op(z.object({}), z.array(TrashedItem)),
  /** Takes an item out of the trash, as it was. */
  'items.restore': op(z.object({ id: ItemId }), ItemSummary),
  /** Deletes an item in the trash for good, with its files and previous secrets. */
  'items.purge': op(z.object({ id: ItemId }), z.object({})),
};
