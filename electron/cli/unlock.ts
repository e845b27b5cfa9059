import type { TesseraClient } from '../../shared/api/client.ts';
import type { Status } from '../../shared/api/ops/app.ts';
import { NoVaultError, VaultLockedError } from '../../shared/errors.ts';
import { readPassphrase } from './passphrase.ts';

/** Makes sure the vault is unlocked, asking for the passphrase (or reading TESSERA_PASSPHRASE) if needed. */
export async function ensureUnlocked(client: TesseraClient): Promise<Status> {
  const status = await client.call('app.status', {});
  if (status.state === 'unlocked') return status;
  if (status.state === 'empty') throw new NoVaultError();
  if (!process.env.TESSERA_PASSPHRASE && !process.stdin.isTTY) {
    throw new VaultLockedError(
      'The vault is locked. Set TESSERA_PASSPHRASE, or run the command in a terminal to be asked for the passphrase.',
    );
  }
  const passphrase = await readPassphrase('Passphrase: ');
  return client.call('vault.unlock', { passphrase });
}
