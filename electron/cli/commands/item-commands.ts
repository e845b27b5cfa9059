import {
  CliDeleted,
  CliItem,
  CliItemList,
  CliItemSummary,
  CliTrashList,
} from '../../../shared/api/cli-output.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import { TRASH_DAYS, type ItemSummary } from '../../../shared/api/ops/items.ts';
import { NotFoundError, TesseraError } from '../../../shared/errors.ts';
import type { Command, CommandContext } from '../command.ts';
import { withClient } from '../connect.ts';
import { readStdin } from '../passphrase.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function summary(item: ItemSummary) {
  return { id: item.id, title: item.title, tags: item.tags, updatedAt: iso(item.updatedAt) };
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
    usage: 'tessera item add TITLE   (the secret is read from standard input)',
    summary: 'Add an item; its secret comes from stdin.',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      const title = ctx.args[0]!;
      const secret = await readStdin();
      await withUnlocked(ctx, async (client) => {
        const item = await client.call('items.create', { title, secret });
        ctx.out.result(
          CliItem,
          { ...summary(item), secret: item.secret, notes: item.notes },
          (i) => `Added "${i.title}" (${i.id}).`,
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
        ctx.out.result(
          CliItem,
          { ...summary(item), secret: item.secret, notes: item.notes },
          (i) => i.secret,
        );
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
