import type { z } from 'zod';
import {
  CliAnswered,
  CliBackupStatus,
  CliFriendComparison,
  CliFriends,
  CliPendingFriends,
  CliHeld,
  CliInvite,
  CliPair,
  CliRequests,
} from '../../../shared/api/cli-output.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import type { BackupStatus } from '../../../shared/api/ops/backup.ts';
import { thresholdGuidance } from '../../../shared/backup-guidance.ts';
import { pieceCounts, summarizeBackup, viewPiece } from '../../../shared/backup-summary.ts';
import type { Command, CommandContext } from '../command.ts';
import { resolveFriend, withClient } from '../connect.ts';
import { UsageError } from '../usage-error.ts';
import { describeDuration, parseDuration } from '../../../shared/durations.ts';
import { readCode } from '../code-input.ts';
import { askYesNo } from '../ask-yes-no.ts';
import type { Friend } from '../../../shared/api/ops/friends.ts';

function cliComparison(f: Friend): z.input<typeof CliFriendComparison> {
  return { name: f.name, peerId: f.peerId, comparisonCode: f.comparisonCode, verified: f.verified };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Mesh commands need the running `tessera serve`: the node, the custodian role and delivery live there. */
const withDaemon = (ctx: CommandContext, fn: (client: TesseraClient) => Promise<void>): Promise<void> =>
  withClient(ctx.dataDir, { allowDirect: false, unlock: true }, fn);

export function toCliBackupStatus(status: BackupStatus): z.input<typeof CliBackupStatus> {
  return {
    version: status.version,
    threshold: status.threshold,
    custodians: status.custodians.map((c) => ({
      name: c.name,
      state: c.state,
      versionHeld: c.versionHeld,
      lastConfirmed: iso(c.lastConfirmed),
      counted: pieceCounts(c),
      ...(c.needsUpdate ? { needsUpdate: c.needsUpdate } : {}),
    })),
    problem: status.problem,
    summary: summarizeBackup(status).headline,
    ...(status.waitingPeriodMs !== undefined ? { waitingPeriodMs: status.waitingPeriodMs } : {}),
  };
}

/** The human output: the same headline and badges as the Backup screen (shared/backup-summary.ts). */
function describeBackup(status: BackupStatus): string {
  if (status.custodians.length === 0) return 'No backup yet. Create one with `tessera backup create`.';
  return [
    `Backup version ${status.version}. ${summarizeBackup(status).headline}`,
    ...status.custodians.map((c) => {
      const view = viewPiece(c);
      const line = `  ${c.name.padEnd(20)} ${view.label.padEnd(52)} version ${c.versionHeld ?? '-'}  confirmed ${iso(c.lastConfirmed) ?? 'never'}`;
      return c.needsUpdate ? `${line}\n    ${c.needsUpdate.message}` : line;
    }),
    ...(status.waitingPeriodMs !== undefined
      ? [`A remote recovery waits ${describeDuration(status.waitingPeriodMs)} before any piece is released.`]
      : []),
    ...(status.problem ? [`Problem: ${status.problem}`] : []),
  ].join('\n');
}

export const meshCommands: Command[] = [
  {
    name: 'invite',
    usage: 'tessera invite',
    summary: 'Print an invite code for a friend to pair with you.',
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const invite = await client.call('friends.invite', {});
        ctx.out.result(
          CliInvite,
          { code: invite.code, expiresAt: new Date(invite.expiresAt).toISOString() },
          (i) => `${i.code}\n(valid until ${i.expiresAt}; your friend runs \`tessera pair CODE\` with it)`,
        );
      });
    },
  },
  {
    name: 'pair',
    usage: 'tessera pair [CODE | -]',
    summary: "Accept a friend's invite; pairing completes once both of you have.",
    positionals: { min: 0, max: 1 },
    async run(ctx) {
      const code = await readCode(ctx.args[0], 'Invite code', 'tessera pair [CODE | -]');
      await withDaemon(ctx, async (client) => {
        const result = await client.call('friends.pair', { code });
        ctx.out.result(
          CliPair,
          {
            state: result.state,
            name: result.name,
            peerId: result.peerId,
            comparisonCode: result.comparisonCode,
          },
          (p) =>
            p.state === 'paired'
              ? p.comparisonCode
                ? `Paired with ${p.name}. Compare this code with theirs: ${p.comparisonCode}, then run \`tessera friends confirm ${p.name}\`.`
                : `Paired with ${p.name}. Compare codes with \`tessera friends compare ${p.name}\` while you are both online.`
              : `Waiting for ${p.name} to accept your invite too. The code to compare comes once you are paired.`,
        );
      });
    },
  },
  {
    name: 'friends',
    usage: 'tessera friends',
    summary: 'List your friends.',
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const friends = await client.call('friends.list', {});
        ctx.out.result(
          CliFriends,
          friends.map((f) => ({
            name: f.name,
            peerId: f.peerId,
            fingerprint: f.fingerprint,
            comparisonCode: f.comparisonCode,
            addresses: f.addresses,
            lastSeen: iso(f.lastSeen),
            reachable: f.reachable,
            path: f.path,
            verified: f.verified,
            nickname: f.nickname,
            chosenName: f.chosenName,
            ...(f.needsUpdate ? { needsUpdate: f.needsUpdate } : {}),
          })),
          (list) =>
            list.length
              ? list
                  .map(
                    (f) =>
                      `${(f.nickname ? `${f.name} (${f.chosenName})` : f.name).padEnd(20)} ${f.verified ? 'verified  ' : 'unverified'} ${f.reachable ? 'online ' : 'offline'} ${f.path.padEnd(12)} ${f.lastSeen ?? 'never seen'} ${f.peerId}` +
                      (f.needsUpdate ? `\n    ${f.needsUpdate.message}` : ''),
                  )
                  .join('\n')
              : 'No friends yet. Exchange invites with `tessera invite` and `tessera pair CODE`.',
        );
      });
    },
  },
  {
    name: 'friends compare',
    usage: 'tessera friends compare NAME',
    summary:
      'Make a new code to compare with a friend (both devices online); confirm it with `friends confirm`.',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const friend = resolveFriend(await client.call('friends.list', {}), ctx.args[0]!);
        const f = await client.call('friends.compare', { peerId: friend.peerId });
        ctx.out.result(
          CliFriendComparison,
          cliComparison(f),
          (c) =>
            `Code with ${c.name}: ${c.comparisonCode}. Read it to each other, then run \`tessera friends confirm ${c.name}\`.`,
        );
      });
    },
  },
  {
    name: 'friends confirm',
    usage: 'tessera friends confirm NAME [--yes] [--no-match]',
    summary:
      "Confirm that a friend's screen shows the same code as yours (only verified friends can hold a piece).",
    options: ['yes', 'no-match'],
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const friend = resolveFriend(await client.call('friends.list', {}), ctx.args[0]!);
        if (!friend.comparisonCode)
          throw new UsageError(
            `There is no code with ${friend.name} yet: run \`tessera friends compare ${friend.name}\` while you are both online.`,
          );
        let match = ctx.options['no-match'] !== true;
        if (match) {
          ctx.out.info(`Code with ${friend.name}: ${friend.comparisonCode}`);
          match =
            ctx.options.yes === true ||
            (await askYesNo(`Does ${friend.name}'s screen show ${friend.comparisonCode}? [y/N] `));
        }
        const f = await client.call('friends.confirm', { peerId: friend.peerId, match });
        ctx.out.result(CliFriendComparison, cliComparison(f), (c) =>
          c.verified
            ? `${c.name} is verified.`
            : `The codes did not match: ${c.name} is not verified. Someone may have swapped your invites; remove ${c.name} and pair again in person.`,
        );
      });
    },
  },
  {
    name: 'friends rename',
    usage: 'tessera friends rename NAME NEWNAME [--clear]',
    summary:
      'Give a friend a nickname on this device (shown instead of the name they chose); --clear removes it.',
    options: ['clear'],
    positionals: { min: 1, max: 2 },
    async run(ctx) {
      const clear = ctx.options.clear === true;
      if (!clear && ctx.args.length !== 2)
        throw new UsageError('friends rename needs NAME NEWNAME (or NAME --clear).');
      await withDaemon(ctx, async (client) => {
        const friend = resolveFriend(await client.call('friends.list', {}), ctx.args[0]!);
        const f = await client.call('friends.rename', {
          peerId: friend.peerId,
          nickname: clear ? null : ctx.args[1]!,
        });
        ctx.out.result(CliFriendComparison, cliComparison(f), (c) =>
          clear
            ? `${c.name} is shown by the name they chose again.`
            : `${f.chosenName} is now shown as ${c.name}.`,
        );
      });
    },
  },
  {
    name: 'friends pending',
    usage: 'tessera friends pending',
    summary: 'List pairings still waiting for the other person to accept your invite.',
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const pending = await client.call('friends.pending', {});
        ctx.out.result(
          CliPendingFriends,
          pending.map((p) => ({
            name: p.name,
            peerId: p.peerId,
            comparisonCode: p.comparisonCode,
            since: new Date(p.since).toISOString(),
            giveUpAt: new Date(p.giveUpAt).toISOString(),
          })),
          (list) =>
            list.length
              ? list
                  .map((p) => `${p.name.padEnd(20)} waiting since ${p.since}, until ${p.giveUpAt}`)
                  .join('\n')
              : 'No pairing is waiting.',
        );
      });
    },
  },
  {
    name: 'backup create',
    usage: 'tessera backup create --custodians NAME[,NAME…] --threshold T [--wait DURATION]',
    summary:
      'Split a new backup key among friends (also re-shares to a new set). --wait: how long a remote recovery waits before any piece is released (e.g. 48h, 3d; default 48h).',
    options: ['custodians', 'threshold', 'wait'],
    async run(ctx) {
      const names =
        typeof ctx.options.custodians === 'string'
          ? ctx.options.custodians.split(',').map((n) => n.trim())
          : [];
      const threshold = Number(ctx.options.threshold);
      if (names.length === 0 || names.some((n) => n === ''))
        throw new UsageError('backup create needs --custodians NAME[,NAME…].');
      if (!Number.isInteger(threshold))
        throw new UsageError('backup create needs --threshold T (a whole number).');
      let waitingPeriodMs: number | undefined;
      if (ctx.options.wait !== undefined) {
        const parsed = typeof ctx.options.wait === 'string' ? parseDuration(ctx.options.wait) : null;
        if (parsed === null)
          throw new UsageError('--wait takes a duration such as 48h, 3d or 90m (a bare number is hours).');
        waitingPeriodMs = parsed;
      }
      await withDaemon(ctx, async (client) => {
        const friends = await client.call('friends.list', {});
        const peerIds = names.map((name) => resolveFriend(friends, name).peerId);
        for (const warning of thresholdGuidance(threshold, peerIds.length).warnings)
          ctx.out.info(`Note: ${warning}`);
        const status = await client.call('backup.create', {
          custodians: peerIds,
          threshold,
          ...(waitingPeriodMs === undefined ? {} : { waitingPeriodMs }),
        });
        ctx.out.result(CliBackupStatus, toCliBackupStatus(status), () => describeBackup(status));
      });
    },
  },
  {
    name: 'backup status',
    usage: 'tessera backup status',
    summary: 'Show each custodian: consent, delivery, version held, last confirmed.',
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const status = await client.call('backup.status', {});
        ctx.out.result(CliBackupStatus, toCliBackupStatus(status), () => describeBackup(status));
      });
    },
  },
  {
    name: 'backup check',
    usage: 'tessera backup check',
    summary: 'Ask every custodian to prove now that it still holds its piece.',
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const status = await client.call('backup.check', {});
        ctx.out.result(CliBackupStatus, toCliBackupStatus(status), () => describeBackup(status));
      });
    },
  },
  {
    name: 'requests',
    usage: 'tessera requests',
    summary: 'List pending holding and recovery requests.',
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const requests = await client.call('requests.list', {});
        ctx.out.result(
          CliRequests,
          requests.map((r) => ({ id: r.id, kind: r.kind, from: r.from, detail: r.detail })),
          (list) =>
            list.length ? list.map((r) => `${r.id}\n  ${r.detail}`).join('\n') : 'No pending requests.',
        );
      });
    },
  },
  ...(['accept', 'decline'] as const).map((verb): Command => ({
    name: verb,
    usage: `tessera ${verb} ID`,
    summary: verb === 'accept' ? 'Accept a pending request.' : 'Decline a pending request.',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      const id = ctx.args[0]!;
      await withDaemon(ctx, async (client) => {
        await client.call(verb === 'accept' ? 'requests.accept' : 'requests.decline', { id });
        ctx.out.result(
          CliAnswered,
          { id, accepted: verb === 'accept' },
          (a) => `${a.accepted ? 'Accepted' : 'Declined'} ${a.id}.`,
        );
      });
    },
  })),
  {
    name: 'held',
    usage: 'tessera held',
    summary: 'List the friends you hold a piece for.',
    async run(ctx) {
      await withDaemon(ctx, async (client) => {
        const held = await client.call('held.list', {});
        ctx.out.result(
          CliHeld,
          held.map((h) => ({ owner: h.owner, version: h.version, since: new Date(h.since).toISOString() })),
          (list) =>
            list.length
              ? list.map((h) => `${h.owner.padEnd(20)} version ${h.version}  since ${h.since}`).join('\n')
              : 'You hold nothing for anyone yet.',
        );
      });
    },
  },
];
