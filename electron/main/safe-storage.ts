import type { SafeStorage } from 'electron';
import type { KeyProtector } from '../core/vault/key-protector.ts';

/**
 * Electron `safeStorage` (the OS keychain) as the vault's device KeyProtector (electron/core/vault/key-protector.ts),
 * so the desktop app can unlock without the passphrase on this device. Rules from security.md, "Keys at rest":
 * - The backend is recorded: it is part of the protector's name ("safeStorage:gnome_libsecret"), which the vault
 *   stores beside the protected key. Pass that stored name back as `recordedName`; a different backend now is a
 *   clear BACKEND_CHANGED error naming both and how to get the old one back — nothing is deleted, and the
 *   passphrase still unlocks.
 * - On Linux, `basic_text` protects with a password hard-coded in Chromium: refused unless the vault also has a
 *   passphrase. (The vault itself is stricter and never stores a key under a weak backend.)
 * The Electron object is passed in, so this file has no runtime import of electron.
 */

export type SafeStorageApi = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
>;

export type StorageBackend =
  ReturnType<SafeStorage['getSelectedStorageBackend']> | 'macos_keychain' | 'windows_dpapi';

export const PROTECTOR_PREFIX = 'safeStorage:';

export class SafeStorageError extends Error {
  readonly code: 'UNAVAILABLE' | 'WEAK_BACKEND' | 'BACKEND_CHANGED' | 'DECRYPT_FAILED';
  constructor(code: SafeStorageError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'SafeStorageError';
  }
}

/** The Chromium switch that selects a Linux backend, to tell the person how to get the old one back. */
const PASSWORD_STORE_SWITCH: Readonly<Record<string, string>> = {
  basic_text: 'basic',
  gnome_libsecret: 'gnome-libsecret',
  kwallet: 'kwallet',
  kwallet5: 'kwallet5',
  kwallet6: 'kwallet6',
};

export function currentBackend(api: SafeStorageApi, platform: NodeJS.Platform): StorageBackend {
  if (platform === 'linux') return api.getSelectedStorageBackend();
  if (platform === 'darwin') return 'macos_keychain';
  if (platform === 'win32') return 'windows_dpapi';
  return 'unknown';
}

export interface OpenSafeStorageOptions {
  api: SafeStorageApi;
  platform: NodeJS.Platform;
  /** Whether the vault key is also wrapped with a passphrase. */
  passphraseSet: boolean;
  /** The protector name the vault recorded with its protected key, if any. */
  recordedName: string | null;
}

export class SafeStorageKeyProtector implements KeyProtector {
  readonly name: string;
  readonly backend: StorageBackend;
  private readonly api: SafeStorageApi;

  private constructor(api: SafeStorageApi, backend: StorageBackend) {
    this.api = api;
    this.backend = backend;
    this.name = `${PROTECTOR_PREFIX}${backend}`;
  }

  /** Call after `ready`. Checks availability, the recorded backend and the basic_text rule. */
  static open(options: OpenSafeStorageOptions): SafeStorageKeyProtector {
    const { api, platform, passphraseSet, recordedName } = options;
    if (!api.isEncryptionAvailable()) {
      throw new SafeStorageError(
        'UNAVAILABLE',
        'The system keychain is not available (or the app is not ready yet). Unlock with your passphrase.',
      );
    }
    const backend = currentBackend(api, platform);
    if (backend === 'unknown') {
      throw new SafeStorageError(
        'UNAVAILABLE',
        'Electron could not tell which keychain it uses. Unlock with your passphrase.',
      );
    }
    const name = `${PROTECTOR_PREFIX}${backend}`;
    if (recordedName !== null && recordedName !== name) {
      const previous = recordedName.startsWith(PROTECTOR_PREFIX)
        ? recordedName.slice(PROTECTOR_PREFIX.length)
        : recordedName;
      const flag = PASSWORD_STORE_SWITCH[previous];
      throw new SafeStorageError(
        'BACKEND_CHANGED',
        `Your vault key was saved in the "${previous}" keychain, but this session uses "${backend}". ` +
          'Nothing was changed or deleted. Unlock with your passphrase' +
          (flag && platform === 'linux'
            ? `, or start Tessera with --password-store=${flag} to use the previous keychain.`
            : '.'),
      );
    }
    if (backend === 'basic_text' && !passphraseSet) {
      throw new SafeStorageError(
        'WEAK_BACKEND',
        'No system keychain was found, so Electron would protect your key with a fixed, publicly known ' +
          'password. Set a passphrase for your vault; Tessera will not rely on the "basic_text" store alone.',
      );
    }
    return new SafeStorageKeyProtector(api, backend);
  }

  protect(bytes: Uint8Array): Uint8Array {
    // safeStorage encrypts strings; base64 keeps arbitrary bytes intact.
    return new Uint8Array(this.api.encryptString(Buffer.from(bytes).toString('base64')));
  }

  unprotect(bytes: Uint8Array): Uint8Array {
    let text: string;
    try {
      text = this.api.decryptString(Buffer.from(bytes));
    } catch (err) {
      throw new SafeStorageError(
        'DECRYPT_FAILED',
        `The "${this.backend}" keychain could not open your saved key (was it reset?). ` +
          'Your vault is intact; unlock it with your passphrase.',
        { cause: err },
      );
    }
    return new Uint8Array(Buffer.from(text, 'base64'));
  }
}
