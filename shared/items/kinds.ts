/**
 * Item kinds (docs/STORAGE.md, "Item kinds"; PROTOCOL §5.1). Every item keeps one secret; the kind says what it is
 * and which fields come with it:
 *
 * - `secret`: free-form (an item without a kind is this one, as every item was before kinds existed);
 * - `login`: the secret is the password, with a user name and web addresses;
 * - `totp`: the secret is an `otpauth://totp/…` URI (RFC 6238 through the Key URI format), the codes come from it;
 * - `seed`: the secret is a recovery (seed) phrase; a BIP-39 checksum that does not verify is a warning only;
 * - `note`: the text is in the notes, the secret is usually empty.
 *
 * Pure TypeScript: the contract, the core, the CLI and the renderer check with the same functions.
 */
import { BadRequestError } from '../errors.ts';
import { parseOtpauth } from './totp.ts';

export const ITEM_KINDS = ['secret', 'login', 'totp', 'seed', 'note'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** What the kind is called on screen and in the CLI's text output. */
export const KIND_LABELS: Record<ItemKind, string> = {
  secret: 'Secret',
  login: 'Login',
  totp: 'One-time code',
  seed: 'Seed phrase',
  note: 'Note',
};

/** The kind's name for more than one item ("3 one-time codes"). */
export const KIND_PLURAL_LABELS: Record<ItemKind, string> = {
  secret: 'Secrets',
  login: 'Logins',
  totp: 'One-time codes',
  seed: 'Seed phrases',
  note: 'Notes',
};

/** How many items of each kind, every kind present (zero included), so a reader never checks for a missing key. */
export type KindCounts = Record<ItemKind, number>;

/** Counts the kinds of these items (an item without a kind is a `secret`). */
export function countKinds(items: Iterable<{ kind?: ItemKind | undefined }>): KindCounts {
  const counts = Object.fromEntries(ITEM_KINDS.map((k) => [k, 0])) as KindCounts;
  for (const item of items) counts[item.kind ?? 'secret'] += 1;
  return counts;
}

/** "3 logins, 1 one-time code" (the kinds that have items, in ITEM_KINDS order); "no items" when none has. */
export function describeKindCounts(counts: KindCounts): string {
  const parts = ITEM_KINDS.filter((k) => counts[k] > 0).map(
    (k) => `${counts[k]} ${(counts[k] === 1 ? KIND_LABELS[k] : KIND_PLURAL_LABELS[k]).toLowerCase()}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'no items';
}

/** What the kind's secret is called (field labels, error messages). */
export const SECRET_LABELS: Record<ItemKind, string> = {
  secret: 'secret',
  login: 'password',
  totp: 'otpauth:// address',
  seed: 'seed phrase',
  note: 'secret',
};

export const MAX_USERNAME_CHARS = 1024;
export const MAX_URL_CHARS = 2048;
export const MAX_URLS = 16;

export function isItemKind(value: unknown): value is ItemKind {
  return typeof value === 'string' && (ITEM_KINDS as readonly string[]).includes(value);
}

/** The fields a kind check looks at: the secret and the login's fields. */
export interface KindFields {
  kind: ItemKind;
  secret: string;
  username?: string;
  urls?: readonly string[];
}

/** One thing wrong with an item's kind fields: the field, and a sentence the person can act on. */
export interface KindProblem {
  field: 'kind' | 'secret' | 'username' | 'urls';
  message: string;
}

/**
 * What is wrong with these fields for their kind (empty when nothing is). A seed phrase whose checksum does not
 * verify is not a problem here (other wordlists and schemes exist): `checkSeedPhrase` gives the warning.
 */
export function kindProblems(fields: KindFields): KindProblem[] {
  const problems: KindProblem[] = [];
  const { kind } = fields;
  if (kind !== 'login') {
    if (fields.username)
      problems.push({
        field: 'username',
        message: `A ${KIND_LABELS[kind].toLowerCase()} has no user name; only a login has one.`,
      });
    if (fields.urls?.length)
      problems.push({
        field: 'urls',
        message: `A ${KIND_LABELS[kind].toLowerCase()} has no web addresses; only a login has them.`,
      });
  } else {
    if ((fields.username ?? '').length > MAX_USERNAME_CHARS)
      problems.push({
        field: 'username',
        message: `The user name is longer than ${MAX_USERNAME_CHARS} characters.`,
      });
    const urls = fields.urls ?? [];
    if (urls.length > MAX_URLS)
      problems.push({
        field: 'urls',
        message: `A login can have at most ${MAX_URLS} web addresses (it has ${urls.length}).`,
      });
    urls.forEach((url, i) => {
      const problem = urlProblem(url);
      if (problem) problems.push({ field: 'urls', message: `Web address ${i + 1}: ${problem}` });
    });
  }
  if (kind === 'totp') {
    try {
      parseOtpauth(fields.secret);
    } catch (err) {
      problems.push({ field: 'secret', message: (err as Error).message });
    }
  }
  return problems;
}

/** Why a login's web address is refused, or undefined. A bare host (`example.com`) is taken as https. */
export function urlProblem(url: string): string | undefined {
  if (url.trim() === '') return 'it is empty; remove it or type an address.';
  if (url.length > MAX_URL_CHARS) return `it is longer than ${MAX_URL_CHARS} characters.`;
  if (/\s/.test(url.trim())) return `"${url.slice(0, 80)}" has spaces in it; type one address per field.`;
  return undefined;
}

/** An address a browser can open: as typed when it has a scheme, else https:// in front. */
export function openableUrl(url: string): string {
  const trimmed = url.trim();
  return /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/** An item's kind and the login's fields, as stored and sent: each left out when it is the default. */
export interface ItemKindData {
  /** Left out for `secret`. */
  kind?: ItemKind;
  /** A login's user name; left out when empty. */
  username?: string;
  /** A login's web addresses; left out when none. */
  urls?: string[];
}

/** The compact form of ItemKindData: `secret`, an empty user name and no addresses are left out. */
export function compactKind(data: ItemKindData): ItemKindData {
  const out: ItemKindData = {};
  if (data.kind !== undefined && data.kind !== 'secret') out.kind = data.kind;
  if (data.username) out.username = data.username;
  if (data.urls?.length) out.urls = [...data.urls];
  return out;
}

/** Fields that do not fit their kind: the sentences of kindProblems, each naming its field. */
export class ItemKindFieldsError extends BadRequestError {
  readonly problems: KindProblem[];
  constructor(problems: KindProblem[]) {
    super(problems.map((p) => p.message).join(' '));
    this.problems = problems;
  }
}

/** Throws ItemKindFieldsError when kindProblems finds anything. */
export function assertKindFields(fields: KindFields): void {
  const problems = kindProblems(fields);
  if (problems.length > 0) throw new ItemKindFieldsError(problems);
}
