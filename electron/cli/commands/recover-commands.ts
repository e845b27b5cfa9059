import encodeQR from '@paulmillr/qr';
import type { z } from 'zod';
import {
  CliRecoverApprovals,
  CliRecoverApprove,
  CliRecoverCancelled,
  CliRecoverStop,
  CliRecoverWatch,
  CliRecoverFinish,
  CliRecoverStart,
  CliRecoverStatus,
  type CliRecoverVault,
} from '../../../shared/api/cli-output.ts';
import type { RecoveryApproval, RecoveryStatus } from '../../../shared/api/ops/recovery.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import type { Command, CommandContext } from '../command.ts';
import { resolveFriend, withClient } from '../connect.ts';
import { readPassphrase } from '../passphrase.ts';
import { askYesNo as confirm } from '../ask-yes-no.ts';
import { UsageError } from '../usage-error.ts';
import { readCode } from '../code-input.ts';

/** Recovery runs in the `tessera serve` that holds the data dir: its node listens (new device) or dials (custodian). */
const withDaemon = (
  ctx: CommandContext,
  fn: (client: TesseraClient) => Promise<void>,
  options: { unlock: boolean },
): Promise<void> => withClient(ctx.dataDir, { allowDirect: false, unlock: options.unlock }, fn);

function cliVault(s: RecoveryStatus): z.input<typeof CliRecoverVault> | null {
  return s.vault
    ? { name: s.vault.name, fingerprint: s.vault.fingerprint, friends: s.vault.friends, items: s.vault.items }
    : null;
}

function cliStatus(s: RecoveryStatus): z.input<typeof CliRecoverStatus> {
  return {
    state: s.state,
    have: s.have,
    need: s.need,
    custodians: s.custodians.map((c) => ({
      name: c.name,
      peerId: c.peerId,
      comparisonCode: c.comparisonCode,
      state: c.state,
      confirmed: c.confirmed,
      ...(c.releaseAt !== undefined ? { releaseAt: new Date(c.releaseAt).toISOString() } : {}),
      ...(c.path ? { path: c.path } : {}),
    })),
    vault: cliVault(s),
    ...(s.keptVault ? { keptVault: { name: s.keptVault.name, fingerprint: s.keptVault.fingerprint } } : {}),
    ...(s.remote ? { remote: true as const } : {}),
    ...(s.stopped ? { stopped: s.stopped } : {}),
  };
}

function describeVault(v: z.output<typeof CliRecoverVault>): string[] {
  return [
    `  Name:        ${v.name}`,
    `  Fingerprint: ${v.fingerprint}`,
    `  Friends:     ${v.friends.length ? v.friends.join(', ') : '(none)'}`,
    `  Items:       ${v.items}`,
  ];
}

/** After the state: whether the code is confirmed, or what a friend who withdrew did (PROTOCOL §11.3). */
function custodianNote(c: z.output<typeof CliRecoverStatus>['custodians'][number]): string {
  if (c.confirmed) return ', confirmed';
  if (c.state === 'rejected') return '';
  if (c.state === 'declined') return ` (${c.name} said the codes did not match; nothing was sent)`;
  if (c.state === 'expired') return ` (${c.name}'s approval expired; nothing was sent)`;
  if (c.state === 'withdrew') return ` (${c.name} withdrew during the waiting period; nothing was sent)`;
  if (c.state === 'stopped') return ` (${c.name}'s Tessera says the owner's device stopped this recovery)`;
  return ', not confirmed';
}

/** Remote recovery: when the piece comes, and how the friend is connected (PROTOCOL §11.7). */
function custodianPath(c: z.output<typeof CliRecoverStatus>['custodians'][number]): string {
  const parts = [
    ...(c.releaseAt ? [`piece at ${c.releaseAt}`] : []),
    c.path ? `connected ${c.path}` : 'not connected',
  ];
  return `  [${parts.join(', ')}]`;
}

function describeStatus(s: RecoveryStatus, v: z.output<typeof CliRecoverStatus>): string {
  return [
    s.message,
    ...v.custodians.map(
      (c) =>
        `  ${c.name.padEnd(20)} code ${c.comparisonCode}  ${c.state}${custodianNote(c)}${v.remote ? custodianPath(c) : ''}`,
    ),
    ...(v.vault ? ['Whose vault this is:', ...describeVault(v.vault)] : []),
    ...(v.keptVault
      ? [
          `Kept aside on this device: ${v.keptVault.name}'s vault (${v.keptVault.fingerprint}), locked and untouched;`,
          '`tessera recover finish` replaces it, `tessera recover cancel` brings it back.',
        ]
      : []),
    ...(s.error ? [`Problem: ${s.error}`] : []),
  ].join('\n');
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
    usage: 'tessera recover start [--name NAME] [--remote] [--forgot [--yes]]',
    summary:
      'Start recovering your vault from friends (`serve` running): on a new device (empty data dir), or with --forgot on a device whose passphrase you forgot (its vault is kept aside until the restore). --remote: friends are elsewhere (a code to send them; pieces come after the waiting period).',
    options: ['name', 'forgot', 'yes', 'remote'],
    async run(ctx) {
      const name = typeof ctx.options.name === 'string' ? ctx.options.name : undefined;
      const forgot = ctx.options.forgot === true;
      const remote = ctx.options.remote === true;
      await withDaemon(
        ctx,
        async (client) => {
          if (forgot) {
            // PROTOCOL §11.6: the locked vault stays as it is while friends help; `recover cancel` brings it back.
            const app = await client.call('app.status', {});
            if (app.state === 'locked' && app.identity) {
              ctx.out.info(
                [
                  `This device has ${app.identity.name}'s vault (fingerprint ${app.identity.fingerprint}), locked.`,
                  'It is kept aside, untouched, while your friends help you recover it, and replaced only when you',
                  'restore (`tessera recover finish`). `tessera recover cancel` brings it back as it was.',
                ].join('\n'),
              );
              const yes =
                ctx.options.yes === true || (await confirm('Recover this vault with your friends? [y/N] '));
              if (!yes) throw new UsageError('Nothing was started; your vault is as it was.');
            }
          }
          const passphrase = await readPassphrase(
            forgot
              ? 'New passphrase for your vault once it is restored: '
              : 'New passphrase for the recovered vault: ',
            { confirm: true },
          );
          const started = await client.call('recovery.start', {
            passphrase,
            ...(name ? { name } : {}),
            ...(forgot ? { forgot: true } : {}),
            ...(remote ? { remote: true } : {}),
          });
          ctx.out.result(
            CliRecoverStart,
            { code: started.code, ...(remote ? { remote: true as const } : {}) },
            (s) =>
              (remote
                ? [
                    s.code,
                    '',
                    `Send this code to each friend through a channel you trust (valid until ${new Date(started.expiresAt).toISOString()}).`,
                    'Each enters it under "Help a friend recover" (or `tessera recover approve CODE --friend YOUR-NAME`);',
                    'their Tessera then shows a reply code: enter it here with `tessera recover reply CODE`.',
                    'Call each friend and compare the codes aloud (`tessera recover status`, then `tessera recover confirm NAME`).',
                    'Their pieces come after the waiting period you chose for your backup.',
                  ]
                : [
                    qr(s.code),
                    s.code,
                    '',
                    `Show this code to your friends (valid until ${new Date(started.expiresAt).toISOString()}).`,
                    'Each runs `tessera recover approve CODE --friend YOUR-NAME` (or scans it in the app).',
                    'Follow progress with `tessera recover status`.',
                  ]
              ).join('\n'),
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
          ctx.out.result(CliRecoverStatus, cliStatus(s), (v) => describeStatus(s, v));
        },
        { unlock: false },
      );
    },
  },
  {
    name: 'recover confirm',
    usage: 'tessera recover confirm NAME [--yes] [--reject]',
    summary:
      "On the new device: confirm that a friend's screen shows the same code as here (only then their piece counts).",
    options: ['yes', 'reject'],
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      const name = ctx.args[0]!;
      await withDaemon(
        ctx,
        async (client) => {
          const before = await client.call('recovery.status', {});
          const matches = before.custodians.filter(
            (c) => c.state !== 'rejected' && (c.name === name || c.peerId === name),
          );
          if (matches.length === 0)
            throw new UsageError(
              `No one called "${name}" has connected to this recovery (see \`tessera recover status\`).`,
            );
          if (matches.length > 1)
            throw new UsageError(
              `${matches.length} devices connected as "${name}"; give the peer ID instead (see \`tessera recover status\`).`,
            );
          const sender = matches[0]!;
          let match = ctx.options.reject !== true;
          if (match) {
            ctx.out.info(`Code for ${sender.name}: ${sender.comparisonCode}`);
            match =
              ctx.options.yes === true ||
              (await confirm(`Does ${sender.name}'s screen show ${sender.comparisonCode}? [y/N] `));
          }
          const s = await client.call('recovery.judge', { peerId: sender.peerId, match });
          ctx.out.result(CliRecoverStatus, cliStatus(s), (v) => describeStatus(s, v));
        },
        { unlock: false },
      );
    },
  },
  {
    name: 'recover finish',
    usage: 'tessera recover finish [--yes]',
    summary: 'On the new device, once `ready`: check whose vault the pieces open, then restore it.',
    options: ['yes'],
    async run(ctx) {
      await withDaemon(
        ctx,
        async (client) => {
          const before = await client.call('recovery.status', {});
          const vault = cliVault(before);
          if (before.state !== 'ready' || !vault)
            throw new UsageError(`Nothing to restore yet: ${before.message}`);
          ctx.out.info(['The pieces you confirmed open this vault:', ...describeVault(vault)].join('\n'));
          const yes = ctx.options.yes === true || (await confirm('Restore this vault here? [y/N] '));
          if (!yes) {
            ctx.out.result(CliRecoverFinish, { state: before.state, vault }, () => 'Nothing was restored.');
            return;
          }
          const s = await client.call('recovery.finish', {});
          ctx.out.result(CliRecoverFinish, { state: s.state, vault }, (r) =>
            r.state === 'restored'
              ? `Restored ${vault.name}'s vault.`
              : `Not restored: ${s.error ?? s.message}`,
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
    usage: 'tessera recover approve [CODE | -] --friend NAME [--yes] [--no-wait]',
    summary:
      "As a custodian: send your piece of a friend's key to their new device, after comparing codes. A remote code shows a reply code for the new device, and the piece goes after the owner's waiting period; --no-wait returns right after showing it (finish with `tessera recover approvals`).",
    options: ['friend', 'yes', 'no-wait'],
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
          if (approval.remote) {
            await approveRemote(ctx, client, approval, friend.name);
            return;
          }
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
  {
    name: 'recover reply',
    usage: 'tessera recover reply [CODE | -]',
    summary: "On the new device (remote recovery): enter a friend's reply code; this device then dials them.",
    positionals: { min: 0, max: 1 },
    async run(ctx) {
      const code = await readCode(ctx.args[0], 'Reply code', 'tessera recover reply [CODE | -]');
      await withDaemon(
        ctx,
        async (client) => {
          const s = await client.call('recovery.reply', { code });
          ctx.out.result(CliRecoverStatus, cliStatus(s), (v) => describeStatus(s, v));
        },
        { unlock: false },
      );
    },
  },
  {
    name: 'recover approvals',
    usage: 'tessera recover approvals [--yes ID | --reject ID]',
    summary:
      "As a custodian: your approvals of friends' recoveries and where each stands; --yes ID approves one whose codes you compared, --reject ID declines it or withdraws during the waiting period.",
    options: ['yes', 'reject'],
    positionals: { min: 0, max: 1 },
    async run(ctx) {
      const id = ctx.args[0];
      if ((ctx.options.yes === true || ctx.options.reject === true) && !id)
        throw new UsageError(
          'Name the approval: tessera recover approvals ID --yes (IDs are listed without options).',
        );
      await withDaemon(
        ctx,
        async (client) => {
          if (id && ctx.options.reject === true) await client.call('recovery.decline', { id });
          else if (id && ctx.options.yes === true) await client.call('recovery.confirm', { id });
          const list = await client.call('recovery.approvals', {});
          ctx.out.result(CliRecoverApprovals, list.map(cliApproval), (rows) =>
            rows.length === 0
              ? 'No recovery approvals.'
              : rows
                  .map(
                    (a) =>
                      `${a.id}  ${a.friend.padEnd(16)} ${a.state.padEnd(22)} code ${a.comparisonCode || '------'}` +
                      (a.releaseAt ? `  piece at ${a.releaseAt}` : '') +
                      (a.standing ? `  ${a.standing.length} of ${a.threshold ?? '?'} approvals stand` : '') +
                      (a.path ? `  (${a.path})` : '') +
                      (a.state === 'connecting' && a.replyCode ? `\n    reply code: ${a.replyCode}` : ''),
                  )
                  .join('\n'),
          );
        },
        { unlock: true },
      );
    },
  },
  {
    name: 'recover watch',
    usage: 'tessera recover watch',
    summary:
      'Remote recoveries your friends told this device about: of your own vault (stop one with `tessera recover stop`), or of a friend you hold a piece for.',
    async run(ctx) {
      await withDaemon(
        ctx,
        async (client) => {
          const list = await client.call('recovery.watch', {});
          ctx.out.result(
            CliRecoverWatch,
            list.map((w) => ({
              session: w.sessionPeerId,
              mine: w.mine,
              owner: w.owner,
              custodian: w.custodian,
              state: w.state,
              until: new Date(w.until).toISOString(),
              path: w.path,
              stopped: w.stopped,
            })),
            (rows) =>
              rows.length === 0
                ? 'No remote recovery is under way that your friends told you about.'
                : rows
                    .map(
                      (w) =>
                        `${w.mine ? 'YOUR VAULT' : `${w.owner}'s vault`}: ${w.custodian} ${w.state}` +
                        (w.state === 'approved' ? ` (piece at ${w.until})` : '') +
                        ` via a ${w.path} connection${w.stopped ? ' — stopped by the owner' : ''}\n    session ${w.session}`,
                    )
                    .join('\n'),
          );
        },
        { unlock: true },
      );
    },
  },
  {
    name: 'recover stop',
    usage: 'tessera recover stop SESSION',
    summary:
      'Stop a remote recovery of your vault that you did not start (SESSION from `tessera recover watch`): every custodian is told not to send their piece.',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withDaemon(
        ctx,
        async (client) => {
          const r = await client.call('recovery.stopRemote', { sessionPeerId: ctx.args[0]! });
          ctx.out.result(
            CliRecoverStop,
            r,
            (v) =>
              `Stopped. ${v.told} of ${v.custodians} custodian(s) were told now; the others are told when they come online.`,
          );
        },
        { unlock: true },
      );
    },
  },
];

function cliApproval(a: RecoveryApproval): z.input<typeof CliRecoverApprovals>[number] {
  return {
    id: a.id,
    friend: a.friend,
    state: a.state,
    comparisonCode: a.comparisonCode,
    remote: a.remote === true,
    ...(a.releaseAt !== undefined ? { releaseAt: new Date(a.releaseAt).toISOString() } : {}),
    ...(a.standing ? { standing: a.standing } : {}),
    ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
    ...(a.path ? { path: a.path } : {}),
    ...(a.replyCode && a.state === 'connecting' ? { replyCode: a.replyCode } : {}),
  };
}

/**
 * A remote approval from the CLI (PROTOCOL §11.7): show the reply code, wait for the new device to connect (or return
 * at once with --no-wait), compare the codes aloud, approve; the piece then goes after the waiting period.
 */
async function approveRemote(
  ctx: CommandContext,
  client: TesseraClient,
  first: RecoveryApproval,
  friend: string,
): Promise<void> {
  ctx.out.info(
    [
      `${friend} is recovering from elsewhere. Send them this reply code, to enter on their new device:`,
      first.replyCode ?? '',
    ].join('\n'),
  );
  const result = (a: RecoveryApproval) =>
    ctx.out.result(
      CliRecoverApprove,
      {
        friend: a.friend,
        comparisonCode: a.comparisonCode,
        state: a.state,
        id: a.id,
        ...(a.replyCode && a.state === 'connecting' ? { replyCode: a.replyCode } : {}),
        ...(a.releaseAt !== undefined ? { releaseAt: new Date(a.releaseAt).toISOString() } : {}),
      },
      (r) =>
        r.state === 'waiting'
          ? `Approved. Your piece goes to ${r.friend}'s new device at ${r.releaseAt}, unless ${r.friend}'s own device or you stop it (\`tessera recover approvals --reject ${r.id}\`).`
          : r.state === 'connecting'
            ? `Waiting for ${r.friend}'s new device to connect. Then compare the codes: \`tessera recover approvals\`.`
            : `Nothing was sent to ${r.friend}'s new device (${r.state}).`,
    );
  if (ctx.options['no-wait'] === true) return result(first);
  ctx.out.info(`Waiting for ${friend}'s new device to connect…`);
  let a = first;
  while (a.state === 'connecting') {
    await new Promise((r) => setTimeout(r, 1_000));
    a = (await client.call('recovery.approvals', {})).find((x) => x.id === first.id) ?? a;
  }
  if (a.state !== 'awaiting-confirmation') return result(a);
  ctx.out.info(
    `Comparison code: ${a.comparisonCode}\nCall ${friend} and read it aloud: their new device must show the same code next to your name.`,
  );
  const yes =
    ctx.options.yes === true ||
    (await confirm(`Does ${friend}'s new device show ${a.comparisonCode}? Approve? [y/N] `));
  return result(
    yes
      ? await client.call('recovery.confirm', { id: a.id })
      : await client.call('recovery.decline', { id: a.id }),
  );
}
