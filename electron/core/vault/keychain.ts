import type { Handlers } from '../../../shared/api/handlers.ts';
import type { OpOutput } from '../../../shared/api/contract.ts';
import { BadRequestError, TesseraError } from '../../../shared/errors.ts';
import type { KeyProtectorFactory } from './key-protector.ts';
import type { VaultService } from './vault-service.ts';

export type KeychainHandlers = Pick<Handlers, 'vault.keychain.enable' | 'vault.keychain.disable'>;

/** The shell's keychain reports failures as its own errors; the API names them as conflicts a person can act on. */
function asTesseraError(err: unknown): TesseraError {
  if (err instanceof TesseraError) return err;
  return new TesseraError('CONFLICT', err instanceof Error ? err.message : String(err));
}

export function keychainHandlers(
  vault: VaultService,
  factory: KeyProtectorFactory | null,
  status: () => OpOutput<'app.status'>,
): KeychainHandlers {
  return {
    'vault.keychain.enable': () => {
      if (!factory) throw new BadRequestError('The OS keychain can be used only in the desktop app.');
      try {
        vault.enableProtector(factory(vault.protectorName()));
      } catch (err) {
        throw asTesseraError(err);
      }
      return status();
    },
    'vault.keychain.disable': () => {
      vault.disableProtector();
      return status();
    },
  };
}

/** At start-up, a vault remembered in the keychain unlocks without the passphrase; any problem leaves it locked. */
export function unlockWithKeychain(vault: VaultService, factory: KeyProtectorFactory | null): void {
  const recorded = vault.protectorName();
  if (!factory || recorded === null || vault.state() !== 'locked') return;
  try {
    vault.unlockWithProtector(factory(recorded));
  } catch (err) {
    console.error(`[tessera] the keychain did not unlock the vault: ${asTesseraError(err).message}`);
  }
}
