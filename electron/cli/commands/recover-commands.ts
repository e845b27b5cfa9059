import { createInterface } from 'node:readline';
import encodeQR from '@paulmillr/qr';
import {
  CliRecoverApprove,
  CliRecoverCancelled,
  CliRecoverStart,
  CliRecoverStatus,
} from '../../../shared/api/cli-output.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import type { Command, CommandContext } from '../command.ts';
import { resolveFriend, withClient } from '../connect.ts';
import { readPassphrase } from '../passphrase.ts';
import { UsageError } from '../usage-error.ts';
import { readCode } from '../code-input.ts';

/** Recovery runs in the `tessera serve` that holds the data dir: its node listens (new device) or dials (custodian). */
const withDaemon = (
  ctx: CommandContext,
  fn: (client: TesseraClient) => Promise<void>,
  options: { unlock: boolean },
): Promise<void> => withClient(ctx.dataDir, { allowDirect: false, unlock: options.unlock }, fn);

/** Asks y/N on the terminal (or reads one line of piped input); anything but y/yes is no. */
function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  return new Promise((resolve) => {
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(answer));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
  });
}

function qr(text: string): string {
  try {
    return encodeQR(text, 'term');
  } catch {
    return '';
  }
}

export const recoverCommands: Command[] = [
  {
    name: 'recover start',
    usage: 'tessera recover start [--name NAME]',
    summary: 'On a new device (empty data dir, `serve` running): start recovering your vault from friends.',
    options: ['name'],
    async run(ctx) {
      const passphrase = await readPassphrase('New passphrase for the recovered vault: ', { confirm: true });
      const name = typeof ctx.options.name === 'string' ? ctx.options.name : undefined;
      await withDaemon(
        ctx,
        async (client) => {
          const started = await client.call('recovery.start', { passphrase, ...(name ? { name } : {}) });
          ctx.out.result(CliRecoverStart, { code: started.code }, (s) =>
            [
              qr(s.code),
              s.code,
              '',
              `Show this code to your friends (valid until ${new Date(started.expiresAt).toISOString()}).`,
              'Each runs `tessera recover approve CODE --friend YOUR-NAME` (or scans it in the app).',
              'Follow progress with `tessera recover status`.',
            ].join('\n'),
          );
        },
        { unlock: false },
      );
    },
  },
  {
    name: 'recover status',
    usage: 'tessera recover status',
    summary: 'On the new device: how many pieces arrived, from whom, and how many more are needed.',
    async run(ctx) {
      await withDaemon(
        ctx,
        async (client) => {
          const s = await client.call('recovery.status', {});
          ctx.out.result(
            CliRecoverStatus,
            {
              state: s.state,
              have: s.have,
              need: s.need,
              custodians: s.custodians.map((c) => ({
                name: c.name,
                peerId: c.peerId,
                comparisonCode: c.comparisonCode,
                state: c.state,
              })),
            },
            (v) =>
              [
                s.message,
                ...v.custodians.map((c) => `  ${c.name.padEnd(20)} code ${c.comparisonCode}  ${c.state}`),
                ...(s.error ? [`Problem: ${s.error}`] : []),
              ].join('\n'),
          );
        },
        { unlock: false },
      );
    },
  },
  {
    name: 'recover cancel',
    usage: 'tessera recover cancel',
    summary: 'On the new device: give up the recovery; its code stops working and what arrived is deleted.',
    async run(ctx) {
      await withDaemon(
        ctx,
        async (client) => {
          const s = await client.call('recovery.cancel', {});
          ctx.out.result(
            CliRecoverCancelled,
            { state: s.state },
            () => 'Recovery cancelled. This data directory is empty again.',
          );
        },
        { unlock: false },
      );
    },
  },
  {
    name: 'recover approve',
    usage: 'tessera recover approve [CODE | -] --friend NAME [--yes]',
    summary: "As a custodian: send your piece of a friend's key to their new device, after comparing codes.",
    options: ['friend', 'yes'],
    positionals: { min: 0, max: 1 },
    async run(ctx) {
      const friendName = ctx.options.friend;
      if (typeof friendName !== 'string' || friendName.trim() === '')
        throw new UsageError('recover approve needs --friend NAME (the friend who is recovering).');
      const code = await readCode(
        ctx.args[0],
        'Recovery code',
        'tessera recover approve [CODE | -] --friend NAME',
      );
      await withDaemon(
        ctx,
        async (client) => {
          const friends = await client.call('friends.list', {});
          const friend = resolveFriend(friends, friendName);
          const approval = await client.call('recovery.approve', {
            code,
            friendPeerId: friend.peerId,
          });
          ctx.out.info(
            `Comparison code: ${approval.comparisonCode}\n` +
              `${friend.name}'s new device must show the same code next to your name.`,
          );
          const yes =
            ctx.options.yes === true ||
            (await confirm(`Send your piece to ${friend.name}'s new device? [y/N] `));
          const result = yes
            ? await client.call('recovery.confirm', { id: approval.id })
            : await client.call('recovery.decline', { id: approval.id });
          ctx.out.result(
            CliRecoverApprove,
            { friend: result.friend, comparisonCode: result.comparisonCode, state: result.state },
            (r) =>
              r.state === 'sent'
                ? `Sent your piece of ${r.friend}'s key to their new device.`
                : `Nothing was sent to ${r.friend}'s new device (${r.state}).`,
          );
        },
        { unlock: true },
      );
    },
  },
];
