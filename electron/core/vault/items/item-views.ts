/**
 * What callers see of an item, made from its opened payload: the summary kept in memory for listing and search (no
 * secret), the trash entry (when it is deleted for good: TRASH_DAYS after it was deleted), and the full item.
 */
import { TRASH_DAYS } from '../../../../shared/api/ops/items.ts';
import type { ItemKind } from '../../../../shared/items/kinds.ts';
import type { ItemPayload } from './codec.ts';
import { searchText } from './search.ts';
import type { ItemData, TrashedItemData } from './types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a deleted item stays in the trash. */
export const TRASH_KEEP_MS = TRASH_DAYS * DAY_MS;

/**
 * What stays decrypted in memory while unlocked, for listing and search. The secret is not kept; the notes are kept
 * only inside `searchText` (lower-cased once here, not at every search).
 */
export interface CachedItem {
  id: string;
  title: string;
  tags: string[];
  /** Title, tags and notes, lower-cased (search.ts). */
  searchText: string;
  attachmentCount: number;
  updatedAt: number;
  kind: ItemKind;
}

export function toCached(id: string, p: ItemPayload): CachedItem {
  return {
    id,
    title: p.title,
    tags: p.tags,
    searchText: searchText(p),
    attachmentCount: p.attachments.length,
    updatedAt: p.updatedAt,
    kind: p.kind ?? 'secret',
  };
}

export function toTrashed(id: string, p: ItemPayload, deletedAt: number): TrashedItemData {
  return {
    id,
    title: p.title,
    tags: [...p.tags],
    attachmentCount: p.attachments.length,
    updatedAt: p.updatedAt,
    kind: p.kind ?? 'secret',
    deletedAt,
    purgeAt: deletedAt + TRASH_KEEP_MS,
  };
}

export function toItem<A>(
  id: string,
  p: ItemPayload,
  attachments: A[],
): Omit<ItemData, 'attachments'> & { attachments: A[] } {
  return {
    id,
    title: p.title,
    secret: p.secret,
    notes: p.notes,
    tags: [...p.tags],
    attachmentCount: attachments.length,
    attachments,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    kind: p.kind ?? 'secret',
    ...(p.username !== undefined ? { username: p.username } : {}),
    ...(p.urls !== undefined ? { urls: [...p.urls] } : {}),
  };
}
