import { CliDeleted, CliItem, CliItemList } from '../../../shared/api/cli-output.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import type { ItemSummary } from '../../../shared/api/ops/items.ts';
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
  if (matches.length === 0)
    throw new NotFoundError(`No item titled "${title}". List them with \`tessera item list\`.`);
  if (matches.length > 1) {
    throw new TesseraError(
      'CONFLICT',
      `${matches.length} items are titled "${title}"; rename one in the app first.`,
    );
  }
  return matches[0] as ItemSummary;
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
      const title = ctx.args[0] as string;
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
        const found = await findByTitle(client, ctx.args[0] as string);
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
    summary: 'Delete an item.',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withUnlocked(ctx, async (client) => {
        const found = await findByTitle(client, ctx.args[0] as string);
        await client.call('items.delete', { id: found.id });
        ctx.out.result(CliDeleted, { deleted: found.id }, () => `Deleted "${found.title}".`);
      });
    },
  },
];
