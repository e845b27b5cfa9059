/**
 * The vault key remembered on this device by the operating system's keychain (key-protector.ts): what is stored is
 * checked to open again to the same key before it is kept, and after a passphrase change the new key is remembered
 * with the same backend or forgotten (the passphrase always still unlocks; docs/STORAGE.md, "Changing the
 * passphrase").
 */
import { timingSafeEqual } from 'node:crypto';
import { KeyProtectorFailedError } from './errors.ts';
import { isWeakProtector } from './key-protector.ts';
import type { KeyProtector } from './key-protector.ts';
import type { ProtectedKey } from './vault-repo.ts';

/** `protector.protect(key)`, checked to open again to the same key; KeyProtectorFailedError otherwise. */
export function protectChecked(protector: KeyProtector, key: Buffer): Buffer {
  const bytes = Buffer.from(protector.protect(key));
  const check = Buffer.from(protector.unprotect(bytes));
  const roundTrips = check.length === key.length && timingSafeEqual(check, key);
  check.fill(0);
  if (!roundTrips) throw new KeyProtectorFailedError(protector.name);
  return bytes;
}

/**
 * The new vault key protected for the device keychain it was remembered with, or null to forget it: when no
 * protector is offered, it is another backend, or it fails (the passphrase always still unlocks).
 */
export function rememberAgain(
  stored: ProtectedKey,
  key: Buffer,
  protector: KeyProtector | null,
): ProtectedKey | null {
  if (!protector || protector.name !== stored.name || isWeakProtector(protector.name)) return null;
  try {
    return { name: protector.name, bytes: protectChecked(protector, key) };
  } catch (err) {
    console.error(
      `[tessera] the keychain could not remember the new vault key; it was forgotten: ${String(err)}`,
    );
    return null;
  }
}
