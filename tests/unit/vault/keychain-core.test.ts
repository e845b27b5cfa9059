import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deviceProtector } from './device-protector.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraCore } from '../../../electron/core/core.ts';
import type { Status } from '../../../shared/api/ops/app.ts';

process.env.TESSERA_INSECURE_FAST_KDF = '1';

async function call<T>(core: TesseraCore, op: string, input: unknown = {}): Promise<T> {
  const envelope = await core.dispatch(op, input);
  if (!envelope.ok) throw Object.assign(new Error(envelope.error.message), { code: envelope.error.code });
  return envelope.value as T;
}

test('a vault remembered in the keychain unlocks at start; without a keychain the option says why', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-keychain-'));
  const deviceKey = randomBytes(32);
  const seen: (string | null)[] = [];
  const keyProtector = (recorded: string | null) => {
    seen.push(recorded);
    return deviceProtector('safeStorage:gnome_libsecret', deviceKey);
  };

  const first = await TesseraCore.open({ dataDir, keyProtector });
  await call(first, 'vault.create', { name: 'Kim', passphrase: 'a long passphrase' });
  let status = await call<Status>(first, 'app.status');
  assert.deepEqual(status.keychain, { available: true, enabled: false });
  status = await call<Status>(first, 'vault.keychain.enable');
  assert.deepEqual(status.keychain, { available: true, enabled: true });
  await first.close();

  const second = await TesseraCore.open({ dataDir, keyProtector });
  status = await call<Status>(second, 'app.status');
  assert.equal(status.state, 'unlocked', 'unlocked by the keychain, no passphrase given');
  assert.deepEqual(seen, [null, 'safeStorage:gnome_libsecret']);
  await call(second, 'vault.keychain.disable');
  await second.close();

  const third = await TesseraCore.open({ dataDir, keyProtector });
  assert.equal(
    (await call<Status>(third, 'app.status')).state,
    'locked',
    'forgotten: the passphrase is needed again',
  );
  await third.close();

  // Plain Node (the headless host, the CLI): no keychain.
  const headless = await TesseraCore.open({ dataDir });
  await call(headless, 'vault.unlock', { passphrase: 'a long passphrase' });
  assert.deepEqual((await call<Status>(headless, 'app.status')).keychain, {
    available: false,
    enabled: false,
  });
  await assert.rejects(call(headless, 'vault.keychain.enable'), /only in the desktop app/);
  await headless.close();

  // A keychain that refuses (e.g. the shell's weak basic_text store) is reported, and nothing changes.
  const refusing = await TesseraCore.open({
    dataDir,
    keyProtector: () => {
      throw new Error('No system keychain was found.');
    },
  });
  await call(refusing, 'vault.unlock', { passphrase: 'a long passphrase' });
  await assert.rejects(call(refusing, 'vault.keychain.enable'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CONFLICT');
    assert.match(err.message, /No system keychain/);
    return true;
  });
  assert.equal((await call<Status>(refusing, 'app.status')).keychain.enabled, false);
  await refusing.close();
});

test('vault.changePassphrase re-protects a remembered key with the keychain, or forgets it without one', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-keychain-change-'));
  const deviceKey = randomBytes(32);
  const keyProtector = () => deviceProtector('safeStorage:gnome_libsecret', deviceKey);

  const first = await TesseraCore.open({ dataDir, keyProtector });
  await call(first, 'vault.create', { name: 'Kim', passphrase: 'a long passphrase' });
  await call(first, 'vault.keychain.enable');
  await call(first, 'vault.changePassphrase', {
    current: 'a long passphrase',
    next: 'another long passphrase',
  });
  assert.equal((await call<Status>(first, 'app.status')).keychain.enabled, true, 'still remembered');
  await first.close();

  // The keychain now holds the new vault key: it unlocks at start, with no passphrase.
  const second = await TesseraCore.open({ dataDir, keyProtector });
  assert.equal((await call<Status>(second, 'app.status')).state, 'unlocked');
  await second.close();

  // Where the keychain cannot be opened now, the change forgets the remembered (old) key.
  const unavailable = await TesseraCore.open({
    dataDir,
    keyProtector: () => {
      throw new Error('The system keychain is not available.');
    },
  });
  await call(unavailable, 'vault.unlock', { passphrase: 'another long passphrase' });
  await call(unavailable, 'vault.changePassphrase', {
    current: 'another long passphrase',
    next: 'a third one',
  });
  assert.equal((await call<Status>(unavailable, 'app.status')).keychain.enabled, false);
  await unavailable.close();
});
