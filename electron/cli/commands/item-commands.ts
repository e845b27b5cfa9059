import {
  CliDeleted,
  CliItem,
  CliItemList,
  CliItemShow,
  CliItemSummary,
  CliTrashList,
} from '../../../shared/api/cli-output.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import { TRASH_DAYS, type Item, type ItemSummary } from '../../../shared/api/ops/items.ts';
import { NotFoundError, TesseraError } from '../../../shared/errors.ts';
import { isItemKind, ITEM_KINDS, KIND_LABELS, type ItemKind } from '../../../shared/items/kinds.ts';
import { checkSeedPhrase } from '../../../shared/items/seed.ts';
import { otpauthFromInput, totpCode } from '../../../shared/items/totp.ts';
import type { Command, CommandContext } from '../command.ts';
import { withClient } from '../connect.ts';
import { readStdin } from '../passphrase.ts';
import { UsageError } from '../usage-error.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function summary(item: ItemSummary) {
  return {
    id: item.id,
    title: item.title,
    tags: item.tags,
    updatedAt: iso(item.updatedAt),
    ...(item.kind !== undefined ? { kind: item.kind } : {}),
  };
}

/** What `item add` and `item get` print of an item (CliItem): the new fields only when the item has them. */
function itemOutput(item: Item) {
  return {
    ...summary(item),
    secret: item.secret,
    notes: item.notes,
    ...(item.username !== undefined ? { username: item.username } : {}),
    ...(item.urls !== undefined ? { urls: item.urls } : {}),
    ...(item.kind === 'seed' ? seedWarning(item.secret) : {}),
  };
}

function seedWarning(phrase: string): { seedWarning?: string } {
  const check = checkSeedPhrase(phrase);
  return check.warning !== undefined ? { seedWarning: check.warning } : {};
}

/** `--kind`, `--username`, `--url` (repeatable) and `--otpauth` of `item add`, checked before anything is read. */
function kindOptions(ctx: CommandContext): {
  kind: ItemKind;
  username?: string;
  urls?: string[];
  otpauth?: string;
} {
  const { kind = 'secret', username, url, otpauth } = ctx.options;
  if (!isItemKind(kind))
    throw new UsageError(`--kind takes one of ${ITEM_KINDS.join(', ')} (not "${String(kind)}").`);
  if (kind !== 'login' && (username !== undefined || url !== undefined))
    throw new UsageError('--username and --url are for --kind login.');
  if (otpauth !== undefined && kind !== 'totp') throw new UsageError('--otpauth is for --kind totp.');
  return {
    kind,
    ...(typeof username === 'string' ? { username } : {}),
    ...(Array.isArray(url) ? { urls: url } : {}),
    ...(typeof otpauth === 'string' ? { otpauth } : {}),
  };
}

/** Finds the one item with exactly this title (titles are how people name items on the command line). */
async function findByTitle(client: TesseraClient, title: string): Promise<ItemSummary> {
  const matches = (await client.call('items.list', { query: title })).filter((item) => item.title === title);
  const [match] = matches;
  if (!match) throw new NotFoundError(`No item titled "${title}". List them with \`tessera item list\`.`);
  if (matches.length > 1) {
    throw new TesseraError(
      'CONFLICT',
      `${matches.length} items are titled "${title}"; rename one in the app first.`,
    );
  }
  return match;
}

/** The one item in the trash with exactly this title. */
async function findInTrash(client: TesseraClient, title: string): Promise<ItemSummary> {
  const matches = (await client.call('items.trash', {})).filter((item) => item.title === title);
  const [match] = matches;
  if (!match)
    throw new NotFoundError(`No item titled "${title}" in the trash. List it with \`tessera trash\`.`);
  if (matches.length > 1) {
    throw new TesseraError(
      'CONFLICT',
      `${matches.length} items titled "${title}" are in the trash; restore the one you want in the app.`,
    );
  }
  return match;
}

const withUnlocked = (ctx: CommandContext, fn: (client: TesseraClient) => Promise<void>): Promise<void> =>
  withClient(ctx.dataDir, { allowDirect: true, unlock: true }, fn);

export const itemCommands: Command[] = [
  {
    name: 'item add',
    usage:
      "tessera item add TITLE [--kind login|totp|seed|note|secret] [--username NAME] [--url URL]… [--otpauth URI]   (the secret, a note's text, comes from standard input)",
    summary: "Add an item; its secret (a login's password, a seed phrase, a note's text) comes from stdin.",
    options: ['kind', 'username', 'url', 'otpauth'],
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      const title = ctx.args[0]!;
      const { kind, username, urls, otpauth } = kindOptions(ctx);
      // A one-time code comes from --otpauth, or from stdin (a URI or a bare base32 key); a note's text is its notes.
      const input = kind === 'totp' && otpauth !== undefined ? otpauth : await readStdin();
      const secret = kind === 'totp' ? otpauthFromInput(input, title) : kind === 'note' ? '' : input;
      await withUnlocked(ctx, async (client) => {
        const item = await client.call('items.create', {
          title,
          secret,
          ...(kind === 'note' ? { notes: input } : {}),
          ...(kind !== 'secret' ? { kind } : {}),
          ...(username !== undefined ? { username } : {}),
          ...(urls !== undefined ? { urls } : {}),
        });
        ctx.out.result(CliItem, itemOutput(item), (i) =>
          [
            `Added "${i.title}" (${KIND_LABELS[i.kind ?? 'secret'].toLowerCase()}, ${i.id}).`,
            ...(i.seedWarning ? [`Warning: ${i.seedWarning}`] : []),
          ].join('\n'),
        );
      });
    },
  },
  {
    name: 'item list',
    usage: 'tessera item list',
    summary: 'List items (titles only).',
    async run(ctx) {
      await withUnlocked(ctx, async (client) => {
        const items = await client.call('items.list', {});
        ctx.out.result(CliItemList, items.map(summary), (list) =>
          list.length
            ? list.map((i) => `${i.title}${i.tags.length ? `  [${i.tags.join(', ')}]` : ''}`).join('\n')
            : '(no items)',
        );
      });
    },
  },
  {
    name: 'item get',
    usage: 'tessera item get TITLE',
    summary: 'Print an item and its secret.',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withUnlocked(ctx, async (client) => {
        const found = await findByTitle(client, ctx.args[0]!);
        const item = await client.call('items.get', { id: found.id });
        ctx.out.result(CliItem, itemOutput(item), (i) => i.secret);
      });
    },
  },
  {
    name: 'item show',
    usage: 'tessera item show TITLE',
    summary:
      "Print an item's fields: a login's user name and addresses, the current one-time code, a seed check.",
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withUnlocked(ctx, async (client) => {
        const found = await findByTitle(client, ctx.args[0]!);
        const item = await client.call('items.get', { id: found.id });
        const code = item.kind === 'totp' ? { code: totpCode(item.secret, Date.now()) } : {};
        ctx.out.result(CliItemShow, { ...itemOutput(item), ...code }, showText);
      });
    },
  },
  {
    name: 'item rm',
    usage: 'tessera item rm TITLE',
    summary: `Delete an item (it stays ${TRASH_DAYS} days in the trash).`,
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withUnlocked(ctx, async (client) => {
        const found = await findByTitle(client, ctx.args[0]!);
        await client.call('items.delete', { id: found.id });
        ctx.out.result(
          CliDeleted,
          { deleted: found.id },
          () =>
            `Deleted "${found.title}". It stays in the trash for ${TRASH_DAYS} days: ` +
            `\`tessera item restore "${found.title}"\` brings it back.`,
        );
      });
    },
  },
  {
    name: 'item restore',
    usage: 'tessera item restore TITLE',
    summary: 'Take a deleted item out of the trash.',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withUnlocked(ctx, async (client) => {
        const found = await findInTrash(client, ctx.args[0]!);
        const item = await client.call('items.restore', { id: found.id });
        ctx.out.result(CliItemSummary, summary(item), (i) => `Restored "${i.title}".`);
      });
    },
  },
  {
    name: 'trash',
    usage: 'tessera trash',
    summary: `List deleted items (each is deleted for good ${TRASH_DAYS} days after).`,
    async run(ctx) {
      await withUnlocked(ctx, async (client) => {
        const items = await client.call('items.trash', {});
        ctx.out.result(
          CliTrashList,
          items.map((i) => ({ ...summary(i), deletedAt: iso(i.deletedAt), purgeAt: iso(i.purgeAt) })),
          (list) =>
            list.length
              ? list.map((i) => `${i.title}  (deleted ${i.deletedAt}, gone for good ${i.purgeAt})`).join('\n')
              : '(the trash is empty)',
        );
      });
    },
  },
];

/** `item show` for people: the fields that say what the item is, never a login's password (`item get` prints it). */
function showText(i: ReturnType<typeof CliItemShow.parse>): string {
  const kind = i.kind ?? 'secret';
  const lines = [`${i.title}  (${KIND_LABELS[kind].toLowerCase()})`];
  if (i.username) lines.push(`User name: ${i.username}`);
  for (const url of i.urls ?? []) lines.push(`Web address: ${url}`);
  if (i.code) lines.push(`Code: ${i.code.code}  (${i.code.remaining} s left of ${i.code.period})`);
  if (kind === 'seed') {
    const words = i.secret.trim().split(/\s+/).filter(Boolean).length;
    lines.push(
      i.seedWarning
        ? `Warning: ${i.seedWarning}`
        : `Seed phrase: ${words} words, the BIP-39 checksum verifies.`,
    );
  }
  if (kind === 'note' && i.notes) lines.push('', i.notes);
  if (i.tags.length) lines.push(`Tags: ${i.tags.join(', ')}`);
  if (kind !== 'note' && kind !== 'totp') lines.push('(`tessera item get TITLE` prints the secret.)');
  return lines.join('\n');
}
