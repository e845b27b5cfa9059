import { expect, test } from '@playwright/test';
import { SafeStorageError, SafeStorageKeyProtector } from '../../electron/main/safe-storage.ts';
import type { SafeStorageApi } from '../../electron/main/safe-storage.ts';
import { isWeakProtector } from '../../electron/core/vault/key-protector.ts';

/**
 * The rules of the safeStorage KeyProtector (backend recorded in its name, basic_text refused without a
 * passphrase, a changed backend is a clear error). The keychain is a stand-in passed to the wrapper — this tests
 * Tessera's decisions, not Electron's encryption, which only the Electron suite can exercise.
 */
function keychain(backend: ReturnType<SafeStorageApi['getSelectedStorageBackend']>, available = true) {
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (text: string) => xor(Buffer.from(`v10${text}`)),
    decryptString: (data: Buffer) => {
      const text = xor(data).toString();
      if (!text.startsWith('v10'))
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.');
      return text.slice(3);
    },
  } satisfies SafeStorageApi;
}

const open = (api: SafeStorageApi, extra: { passphraseSet?: boolean; recordedName?: string | null } = {}) =>
  SafeStorageKeyProtector.open({
    api,
    platform: 'linux',
    passphraseSet: extra.passphraseSet ?? true,
    recordedName: extra.recordedName ?? null,
  });

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(SafeStorageError);
    return (err as SafeStorageError).code;
  }
}

test('names itself after the backend, so the vault records it beside the protected key', () => {
  const protector = open(keychain('gnome_libsecret'));
  expect(protector.name).toBe('safeStorage:gnome_libsecret');
  const key = new Uint8Array(32).map((_, i) => i * 7);
  const wrapped = protector.protect(key);
  expect(Buffer.from(wrapped).equals(Buffer.from(key))).toBe(false);
  expect(Array.from(protector.unprotect(wrapped))).toEqual(Array.from(key));
  expect(
    SafeStorageKeyProtector.open({
      api: keychain('unknown'),
      platform: 'darwin',
      passphraseSet: false,
      recordedName: null,
    }).name,
  ).toBe('safeStorage:macos_keychain');
});

test('basic_text is refused unless the vault also has a passphrase (and the vault calls it weak)', () => {
  expect(codeOf(() => open(keychain('basic_text'), { passphraseSet: false }))).toBe('WEAK_BACKEND');
  const withPassphrase = open(keychain('basic_text'), { passphraseSet: true });
  expect(isWeakProtector(withPassphrase.name)).toBe(true);
  expect(isWeakProtector(open(keychain('kwallet5')).name)).toBe(false);
});

test('a changed backend is a clear error naming both and how to go back; nothing is touched', () => {
  let message = '';
  try {
    open(keychain('basic_text'), { recordedName: 'safeStorage:gnome_libsecret' });
  } catch (err) {
    expect((err as SafeStorageError).code).toBe('BACKEND_CHANGED');
    message = (err as Error).message;
  }
  expect(message).toContain('"gnome_libsecret"');
  expect(message).toContain('"basic_text"');
  expect(message).toContain('--password-store=gnome-libsecret');
  expect(message).toContain('passphrase');
  expect(codeOf(() => open(keychain('kwallet6'), { recordedName: 'safeStorage:kwallet6' }))).toBeNull();
});

test('unavailable keychains and undecryptable keys are typed errors that point to the passphrase', () => {
  expect(codeOf(() => open(keychain('gnome_libsecret', false)))).toBe('UNAVAILABLE');
  expect(codeOf(() => open(keychain('unknown')))).toBe('UNAVAILABLE');
  const protector = open(keychain('gnome_libsecret'));
  expect(codeOf(() => protector.unprotect(new Uint8Array([1, 2, 3])))).toBe('DECRYPT_FAILED');
});
