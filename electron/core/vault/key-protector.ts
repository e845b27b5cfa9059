/**
 * An optional second wrapping of the vault key by the operating system's keychain, so the desktop app can unlock
 * without the passphrase on this device. The Electron shell implements it with `safeStorage`; the core only stores
 * its output and the backend name beside the passphrase-wrapped key (which always remains the way back in).
 */
export interface KeyProtector {
  /** Backend name recorded with the protected key, e.g. "safeStorage:gnome_libsecret". */
  readonly name: string;
  protect(bytes: Uint8Array): Uint8Array;
  unprotect(bytes: Uint8Array): Uint8Array;
}

/** Backends that protect with a hard-coded password (Electron on Linux without a keyring): never trusted. */
const WEAK_BACKENDS = ['basic_text'];

export function isWeakProtector(name: string): boolean {
  return WEAK_BACKENDS.some((weak) => name === weak || name.endsWith(`:${weak}`));
}

/** Opens the OS keychain protector for a vault that recorded `recordedName` (null: none yet), or throws why not. */
export type KeyProtectorFactory = (recordedName: string | null) => KeyProtector;
