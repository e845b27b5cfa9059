import type { Handlers } from '../../../../shared/api/handlers.ts';
import {
  attachmentChangeFromApi,
  attachmentFromApi,
  attachmentToApi,
  itemToApi,
  summaryToApi,
} from './api-mapping.ts';
import type { ItemService } from './item-service.ts';

export type ItemHandlers = Pick<
  Handlers,
  | 'items.list'
  | 'items.search'
  | 'items.get'
  | 'items.attachment'
  | 'items.create'
  | 'items.update'
  | 'items.delete'
  | 'items.history'
  | 'items.trash'
  | 'items.restore'
  | 'items.purge'
>;

/** The `items.*` operations of the contract, on top of ItemService. */
export function itemHandlers(items: ItemService): ItemHandlers {
  return {
    'items.list': ({ query }) => items.list(query ?? '').map(summaryToApi),
    'items.search': ({ query }) => ({ ids: items.search(query) }),
    'items.get': ({ id }) => itemToApi(items.get(id)),
    'items.attachment': ({ id, attachmentId }) => attachmentToApi(items.attachment(id, attachmentId)),
    'items.create': (input) =>
      itemToApi(
        items.create({
          title: input.title,
          secret: input.secret,
          notes: input.notes,
          tags: input.tags,
          ...(input.kind !== undefined ? { kind: input.kind } : {}),
          ...(input.username !== undefined ? { username: input.username } : {}),
          ...(input.urls !== undefined ? { urls: input.urls } : {}),
          attachments: input.attachments.map(attachmentFromApi),
        }),
      ),
    'items.update': ({ id, attachments, ...fields }) =>
      itemToApi(
        items.update(id, {
          ...fields,
          ...(attachments ? { attachments: attachments.map(attachmentChangeFromApi) } : {}),
        }),
      ),
    'items.delete': ({ id }) => {
      items.delete(id);
      return {};
    },
    'items.history': ({ id }) => items.history(id),
    'items.trash': () =>
      items.trash().map((t) => ({ ...summaryToApi(t), deletedAt: t.deletedAt, purgeAt: t.purgeAt })),
    'items.restore': ({ id }) => summaryToApi(items.restore(id)),
    'items.purge': ({ id }) => {
      items.purgeOne(id);
      return {};
    },
  };
}
