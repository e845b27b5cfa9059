import type { OpOutput } from '../../../shared/api/contract.ts';
import type { Handlers } from '../dispatcher.ts';
import type { VaultService } from './vault-service.ts';

export type VaultHandlers = Pick<
  Handlers,
  'vault.create' | 'vault.unlock' | 'vault.lock' | 'vault.changePassphrase'
>;

/** The `vault.*` operations; those returning Status call `status()` after the change. */
export function vaultHandlers(vault: VaultService, status: () => OpOutput<'app.status'>): VaultHandlers {
  return {
    'vault.create': async (input) => {
      await vault.create(input);
      return status();
    },
    'vault.unlock': async ({ passphrase }) => {
      await vault.unlock(passphrase);
      return status();
    },
    'vault.lock': () => {
      vault.lock();
      return status();
    },
    'vault.changePassphrase': async ({ current, next }) => {
      await vault.changePassphrase(current, next);
      return {};
    },
  };
}
