/**
 * An item's kind and a login's fields in the CBOR formats that carry items, the backup snapshot (PROTOCOL §5.1) and
 * the export file (§12.1): `kind` (left out for the free-form `secret`), `user` and `urls` (a login's, left out when
 * empty). Decoders are strict: an unknown kind, or a user name or addresses on another kind, is malformed.
 */
import { MalformedDataError } from '../crypto/errors.ts';
import {
  ITEM_KINDS,
  MAX_URL_CHARS,
  MAX_URLS,
  MAX_USERNAME_CHARS,
  type ItemKind,
  type ItemKindData,
} from '../items/kinds.ts';
import { readText, readTextArray, type CborMap } from './fields.ts';

/** The optional keys an item map may have for its kind. */
export const ITEM_KIND_KEYS = ['kind', 'user', 'urls'] as const;

/** The CBOR keys for an item's kind fields; none for a free-form item without a user name or addresses. */
export function itemKindToCbor(data: ItemKindData): Record<string, unknown> {
  return {
    ...(data.kind !== undefined && data.kind !== 'secret' ? { kind: data.kind } : {}),
    ...(data.username ? { user: data.username } : {}),
    ...(data.urls?.length ? { urls: data.urls } : {}),
  };
}

/** Reads `kind`, `user` and `urls` of an item map (each only when present). */
export function itemKindFromCbor(m: CborMap, what: string): ItemKindData {
  const out: ItemKindData = {};
  if (Object.hasOwn(m, 'kind')) {
    const kind = readText(m, 'kind', what, 16);
    if (kind === 'secret' || !(ITEM_KINDS as readonly string[]).includes(kind))
      throw new MalformedDataError(what, 'field "kind" must be one of login, totp, seed, note');
    out.kind = kind as ItemKind;
  }
  if (Object.hasOwn(m, 'user')) {
    if (out.kind !== 'login') throw new MalformedDataError(what, 'field "user" is only for a login');
    const user = readText(m, 'user', what, MAX_USERNAME_CHARS);
    if (user === '') throw new MalformedDataError(what, 'field "user" is present but empty');
    out.username = user;
  }
  if (Object.hasOwn(m, 'urls')) {
    if (out.kind !== 'login') throw new MalformedDataError(what, 'field "urls" is only for a login');
    const urls = readTextArray(m, 'urls', what, MAX_URLS, MAX_URL_CHARS);
    if (urls.length === 0) throw new MalformedDataError(what, 'field "urls" is present but empty');
    out.urls = urls;
  }
  return out;
}
