import type { TesseraClient } from '../../shared/api/client.ts';
import type { Status } from '../../shared/api/ops/app.ts';
import { NoVaultError, VaultLockedError } from '../../shared/errors.ts';
import { passphraseFromEnvironment, readPassphrase } from './passphrase.ts';

/** Makes sure the vault is unlocked, asking for the passphrase (or reading TESSERA_PASSPHRASE) if needed. */
export async function ensureUnlocked(client: TesseraClient): Promise<Status> {
  const status = await client.call('app.status', {});
  if (status.state === 'unlocked') return status;
  if (status.state === 'empty') throw new NoVaultError();
  if (passphraseFromEnvironment() === null && !process.stdin.isTTY) {
    throw new VaultLockedError(
      'The vault is locked. Set TESSERA_PASSPHRASE, or run the command in a terminal to be asked for the passphrase.',
    );
  }
  const passphrase = await readPassphrase('Passphrase: ');
  return client.call('vault.unlock', { passphrase });
}

/**
 * `tessera serve` at its start: a locked vault is unlocked with TESSERA_PASSPHRASE when that is set. A serve runs
 * unattended, so it never asks, and a passphrase that does not open the vault leaves it locked (the UI, or a
 * command run with the passphrase, opens it later); `report` says why.
 */
export async function unlockAtStart(client: TesseraClient, report: (message: string) => void): Promise<void> {
  if (passphraseFromEnvironment() === null) return;
  try {
    if ((await client.call('app.status', {})).state !== 'locked') return;
    await ensureUnlocked(client);
  } catch (err) {
    report(
      `tessera: could not unlock with TESSERA_PASSPHRASE: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
