import { isPublicOp, OP_NAMES } from '../../shared/api/contract.ts';
import type { OpName } from '../../shared/api/contract.ts';
import type { Handlers } from '../../shared/api/handlers.ts';
import type { VaultService } from './vault/vault-service.ts';

/** Operations that are not user activity: polling them must not keep the vault unlocked. */
const PASSIVE_OPS: ReadonlySet<OpName> = new Set<OpName>(['app.status']);

/**
 * The rules the contract sets for every handler, applied here once instead of in each handler:
 * - an operation that is not `public` (shared/api/op.ts) is refused while the vault is absent or locked, with the
 *   vault's own error (NO_VAULT or LOCKED) and before its handler runs;
 * - every call but a passive one counts as activity for the vault's auto-lock.
 * The dispatcher checks the arguments first (electron/core/dispatcher.ts), so a malformed call is still BAD_REQUEST.
 */
export function withContractRules(
  handlers: Handlers,
  vault: Pick<VaultService, 'requireUnlocked' | 'touch'>,
): Handlers {
  const out: Record<string, unknown> = {};
  for (const op of OP_NAMES) {
    const handler = handlers[op] as (args: unknown) => unknown;
    const needsVault = !isPublicOp(op);
    const active = !PASSIVE_OPS.has(op);
    out[op] = (args: unknown) => {
      if (needsVault) vault.requireUnlocked();
      if (active) vault.touch();
      return handler(args);
    };
  }
  return out as Handlers;
}
