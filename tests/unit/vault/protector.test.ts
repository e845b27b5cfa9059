import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceProtector } from './device-protector.ts';
import {
  KeyProtectorChangedError,
  KeyProtectorFailedError,
  WeakKeyProtectorError,
} from '../../../electron/core/vault/errors.ts';
import { PASSPHRASE, openVault, tempDir } from './helpers.ts';

test('a KeyProtector can remember the vault key; a changed backend is a clear error and the passphrase still works', async (t) => {
  const dir = tempDir(t);
  const { vault, store } = openVault(t, dir);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const keys = vault.identityKeys();
  const protector = deviceProtector('safeStorage:gnome_libsecret');

  assert.throws(
    () => vault.enableProtector(deviceProtector('safeStorage:basic_text')),
    WeakKeyProtectorError,
  );
  vault.enableProtector(protector);
  assert.equal(vault.protectorName(), 'safeStorage:gnome_libsecret');
  const row = store.db.prepare('SELECT protector_name, protected_key FROM vault').get() as {
    protector_name: string;
    protected_key: Buffer;
  };
  assert.equal(row.protector_name, 'safeStorage:gnome_libsecret');
  assert.equal(row.protected_key.length, 48);

  vault.lock();
  assert.throws(
    () => vault.unlockWithProtector(deviceProtector('safeStorage:kwallet5')),
    KeyProtectorChangedError,
  );
  assert.throws(
    () => vault.unlockWithProtector(deviceProtector('safeStorage:gnome_libsecret')), // same name, other device key
    KeyProtectorFailedError,
  );
  assert.equal(vault.state(), 'locked');
  assert.equal(vault.protectorName(), 'safeStorage:gnome_libsecret', 'a failure deletes nothing');

  vault.unlockWithProtector(protector);
  assert.deepEqual(vault.identityKeys(), keys);

  vault.lock();
  vault.disableProtector();
  assert.equal(vault.protectorName(), null);
  assert.throws(() => vault.unlockWithProtector(protector), { code: 'NOT_FOUND' });
  await vault.unlock(PASSPHRASE);
  assert.equal(vault.state(), 'unlocked');
});
