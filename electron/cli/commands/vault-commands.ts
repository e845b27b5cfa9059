import { CliStatus } from '../../../shared/api/cli-output.ts';
import type { z } from 'zod';
import type { Status } from '../../../shared/api/ops/app.ts';
import type { BackupStatus } from '../../../shared/api/ops/backup.ts';
import { toCliBackupStatus } from './mesh-commands.ts';
import { currentCustodians } from '../../../shared/backup-summary.ts';
import type { Command } from '../command.ts';
import { withClient } from '../connect.ts';
import { readPassphrase } from '../passphrase.ts';
import { UsageError } from '../usage-error.ts';

export function toCliStatus(status: Status, backup: BackupStatus | null = null): z.output<typeof CliStatus> {
  return {
    name: status.identity?.name ?? null,
    peerId: status.identity?.peerId ?? null,
    fingerprint: status.identity?.fingerprint ?? null,
    addresses: status.addresses,
    friends: status.friends,
    holdingFor: status.holdingFor,
    backup: backup?.configured ? toCliBackupStatus(backup) : null,
    state: status.state,
  };
}

function describeStatus(status: z.output<typeof CliStatus>): string {
  if (status.state === 'empty') return 'No vault here yet. Create one with `tessera init --name NAME`.';
  return [
    `Name:        ${status.name ?? '-'}`,
    `Peer ID:     ${status.peerId ?? '-'}`,
    `Fingerprint: ${status.fingerprint ?? '-'}`,
    `Vault:       ${status.state}`,
    `Addresses:   ${status.addresses.length ? status.addresses.join(', ') : '(not online)'}`,
    `Friends:     ${status.friends}`,
    `Holding for: ${status.holdingFor} friend(s)`,
    `Backup:      ${status.backup ? `version ${status.backup.version}, ${status.backup.threshold} of ${currentCustodians(status.backup.custodians).length}` : 'none yet'}`,
  ].join('\n');
}

export const vaultCommands: Command[] = [
  {
    name: 'init',
    usage: 'tessera init --name NAME',
    summary: 'Create a vault and identity in the data directory.',
    options: ['name'],
    async run({ dataDir, out, options }) {
      const name = options.name;
      if (typeof name !== 'string' || name.trim() === '') throw new UsageError('init needs --name NAME.');
      await withClient(dataDir, { allowDirect: true, unlock: false }, async (client) => {
        const passphrase = await readPassphrase('Choose a passphrase: ', { confirm: true });
        const status = await client.call('vault.create', { name, passphrase });
        out.result(
          CliStatus,
          toCliStatus(status),
          (s) => `Created a vault for ${s.name}.\n${describeStatus(s)}`,
        );
      });
    },
  },
  {
    name: 'status',
    usage: 'tessera status',
    summary: 'Show identity, addresses, friends and backup state.',
    async run({ dataDir, out }) {
      await withClient(dataDir, { allowDirect: true, unlock: false }, async (client) => {
        const status = await client.call('app.status', {});
        const backup = status.state === 'unlocked' ? await client.call('backup.status', {}) : null;
        out.result(CliStatus, toCliStatus(status, backup), describeStatus);
      });
    },
  },
];
