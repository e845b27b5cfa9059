import { z } from 'zod';
import { op } from '../op.ts';
import {
  PASSPHRASE_MAX_LENGTH,
  PASSPHRASE_MIN_LENGTH,
  PASSPHRASE_TOO_LONG,
  PASSPHRASE_TOO_SHORT,
} from '../../passphrase-rules.ts';

export const VaultState = z.enum(['empty', 'locked', 'unlocked', 'recovering']);
export type VaultState = z.infer<typeof VaultState>;

export const IdentitySummary = z.object({
  name: z.string(),
  peerId: z.string(),
  fingerprint: z.string(),
});

export const Status = z.object({
  version: z.string(),
  dataDir: z.string(),
  state: VaultState,
  identity: IdentitySummary.nullable(),
  addresses: z.array(z.string()),
  friends: z.number().int().nonnegative(),
  holdingFor: z.number().int().nonnegative(),
  pendingRequests: z.number().int().nonnegative(),
  /** The OS keychain (desktop app only) can also unlock this vault on this device. */
  keychain: z.object({ available: z.boolean(), enabled: z.boolean() }),
});
export type Status = z.infer<typeof Status>;

export const Passphrase = z
  .string()
  .min(PASSPHRASE_MIN_LENGTH, PASSPHRASE_TOO_SHORT)
  .max(PASSPHRASE_MAX_LENGTH, PASSPHRASE_TOO_LONG);

export const DisplayName = z
  .string()
  .trim()
  .min(1, 'A name cannot be empty.')
  .max(64, 'A name can have at most 64 characters.');

export const appOps = {
  'app.status': op(z.object({}), Status, { public: true }),
  'vault.create': op(z.object({ name: DisplayName, passphrase: Passphrase }), Status, { public: true }),
  'vault.unlock': op(z.object({ passphrase: z.string().max(PASSPHRASE_MAX_LENGTH) }), Status, {
    public: true,
  }),
  'vault.lock': op(z.object({}), Status, { public: true }),
  /** Changes the name you go by. Friends you pair with from now on see it; earlier friends keep the old one. */
  'vault.rename': op(z.object({ name: DisplayName }), Status),
  'vault.changePassphrase': op(
    z.object({ current: z.string().max(PASSPHRASE_MAX_LENGTH), next: Passphrase }),
    z.object({}),
  ),
  /** Remember the vault key in the OS keychain on this device (the passphrase keeps working). */
  'vault.keychain.enable': op(z.object({}), Status),
  'vault.keychain.disable': op(z.object({}), Status),
};
