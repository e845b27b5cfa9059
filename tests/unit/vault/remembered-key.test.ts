/**
 * The vault key remembered by the device keychain (remembered-key.ts): a protector whose output does not open again
 * to the same key is refused before anything is kept; after a passphrase change the new key is remembered again
 * only with the same, trusted backend, and otherwise forgotten (the passphrase still unlocks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KeyProtectorFailedError } from '../../../electron/core/vault/errors.ts';
import type { KeyProtector } from '../../../electron/core/vault/key-protector.ts';
import { protectChecked, rememberAgain } from '../../../electron/core/vault/remembered-key.ts';
import { deviceProtector } from './device-protector.ts';

const NAME = 'safeStorage:gnome_libsecret';

test('a protector is kept only if what it stores opens again to the same key', () => {
  const key = randomBytes(32);
  const good = deviceProtector(NAME);
  const bytes = protectChecked(good, key);
  assert.deepEqual(Buffer.from(good.unprotect(bytes)), key);
  assert.notDeepEqual(bytes.subarray(16), key, 'what is stored is not the key');

  const lossy: KeyProtector = { name: NAME, protect: (b) => b.subarray(1), unprotect: (b) => b };
  assert.throws(() => protectChecked(lossy, key), KeyProtectorFailedError);
  const other = deviceProtector(NAME);
  const mixedUp: KeyProtector = {
    name: NAME,
    protect: (b) => good.protect(b),
    unprotect: (b) => other.unprotect(b),
  };
  assert.throws(() => protectChecked(mixedUp, key), KeyProtectorFailedError);
});

test('after a passphrase change the key is remembered again only with the same trusted backend', (t) => {
  t.mock.method(console, 'error', () => {});
  const key = randomBytes(32);
  const stored = { name: NAME, bytes: Buffer.alloc(48) };
  const same = deviceProtector(NAME);
  const again = rememberAgain(stored, key, same);
  assert.equal(again?.name, NAME);
  assert.deepEqual(Buffer.from(same.unprotect(again!.bytes)), key);

  assert.equal(rememberAgain(stored, key, null), null, 'no protector offered');
  assert.equal(rememberAgain(stored, key, deviceProtector('safeStorage:kwallet6')), null, 'another backend');
  const weak = { name: 'safeStorage:basic_text', bytes: Buffer.alloc(48) };
  assert.equal(rememberAgain(weak, key, deviceProtector('safeStorage:basic_text')), null, 'a weak backend');
  const failing: KeyProtector = {
    name: NAME,
    protect: () => {
      throw new Error('the keyring is locked');
    },
    unprotect: (b) => b,
  };
  assert.equal(rememberAgain(stored, key, failing), null, 'a failing keychain: forgotten, not thrown');
});
