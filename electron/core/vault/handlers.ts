import type { OpOutput } from '../../../shared/api/contract.ts';
import type { Handlers } from '../../../shared/api/handlers.ts';
import type { KeyProtectorFactory } from './key-protector.ts';
import type { KeyProtector } from './key-protector.ts';
import type { VaultService } from './vault-service.ts';

export type VaultHandlers = Pick<
  Handlers,
  'vault.create' | 'vault.unlock' | 'vault.lock' | 'vault.changePassphrase' | 'vault.rename'
>;

/**
 * The device keychain the vault key is remembered with, so a passphrase change can remember the new key too; null
 * when there is none or it cannot be opened now (the change then forgets the remembered key).
 */
function rememberedProtector(vault: VaultService, factory: KeyProtectorFactory | null): KeyProtector | null {
  const recorded = vault.protectorName();
  if (!factory || recorded === null) return null;
  try {
    return factory(recorded);
  } catch (err) {
    console.error(`[tessera] the keychain is not available to remember the new vault key: ${String(err)}`);
    return null;
  }
}

/** The `vault.*` operations; those returning Status call `status()` after the change. */
export function vaultHandlers(
  vault: VaultService,
  status: () => OpOutput<'app.status'>,
  keyProtector: KeyProtectorFactory | null = null,
): VaultHandlers {
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
    'vault.rename': ({ name }) => {
      vault.rename(name);
      return status();
    },
    'vault.changePassphrase': async ({ current, next }) => {
      await vault.changePassphrase(current, next, { protector: rememberedProtector(vault, keyProtector) });
      return {};
    },
  };
}
