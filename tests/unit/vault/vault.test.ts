import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { databasePath } from '../../../electron/core/store/store.ts';
import { fingerprintOf, peerIdOf, verifyBoxKey } from '../../../shared/crypto/identity.ts';
import { WrongPassphraseError } from '../../../shared/errors.ts';
import { KdfParamsError } from '../../../electron/core/vault/errors.ts';
import { PASSPHRASE, openVault, tempDir } from './helpers.ts';

function vaultRow(dir: string): unknown {
  const raw = new Database(databasePath(dir), { readonly: true });
  try {
    return raw.prepare('SELECT * FROM vault').get();
  } finally {
    raw.close();
  }
}

test('create: empty → unlocked, identity generated, secrets sealed, public identity readable while locked', async (t) => {
  const { vault, topics, store } = openVault(t);
  assert.equal(vault.state(), 'empty');
  assert.equal(vault.publicIdentity(), null);
  assert.throws(() => vault.requireUnlocked(), { code: 'NO_VAULT' });

  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  assert.equal(vault.state(), 'unlocked');
  assert.ok(topics.includes('status'));
  const keys = vault.identityKeys();
  const pub = vault.publicIdentity()!;
  assert.equal(pub.name, 'Ann');
  assert.equal(pub.peerId, peerIdOf(keys.signPublic));
  assert.equal(pub.fingerprint, fingerprintOf(keys.signPublic));
  assert.ok(verifyBoxKey(pub.signPublic, pub.boxPublic, pub.boxSignature));

  const row = store.db.prepare('SELECT sealed_secrets FROM identity').get() as { sealed_secrets: Buffer };
  assert.ok(!row.sealed_secrets.includes(Buffer.from(keys.signSeed)));
  assert.ok(!row.sealed_secrets.includes(Buffer.from(keys.boxSecret)));

  await assert.rejects(vault.create({ name: 'Bob', passphrase: PASSPHRASE }), { code: 'VAULT_EXISTS' });

  vault.lock();
  assert.equal(vault.state(), 'locked');
  assert.equal(vault.publicIdentity()?.peerId, pub.peerId);
  assert.throws(() => vault.identityKeys(), { code: 'LOCKED' });
  assert.throws(() => vault.requireUnlocked(), { code: 'LOCKED' });
});

test('unlock: wrong passphrase is WRONG_PASSPHRASE and changes nothing; the right one restores the identity', async (t) => {
  const dir = tempDir(t);
  const first = openVault(t, dir);
  await first.vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const keys = first.vault.identityKeys();
  first.vault.close();
  first.store.close();
  const before = vaultRow(dir);

  const { vault } = openVault(t, dir);
  assert.equal(vault.state(), 'locked');
  await assert.rejects(vault.unlock('not the passphrase'), WrongPassphraseError);
  assert.equal(vault.state(), 'locked');
  assert.deepEqual(vaultRow(dir), before);

  await vault.unlock(PASSPHRASE);
  assert.equal(vault.state(), 'unlocked');
  assert.deepEqual(vault.identityKeys(), keys);
});

test('changePassphrase re-keys atomically; wrong current passphrase changes nothing', async (t) => {
  const dir = tempDir(t);
  const { vault } = openVault(t, dir);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const item = vault.items.create({ title: 'Bank', secret: 's', notes: '', tags: [], attachments: [] });
  const before = vaultRow(dir);

  await assert.rejects(vault.changePassphrase('wrong passphrase', 'a new passphrase'), WrongPassphraseError);
  assert.deepEqual(vaultRow(dir), before);

  await vault.changePassphrase(PASSPHRASE, 'a new passphrase');
  assert.notDeepEqual(vaultRow(dir), before);
  vault.lock();
  await assert.rejects(vault.unlock(PASSPHRASE), WrongPassphraseError);
  await vault.unlock('a new passphrase');
  assert.equal(vault.items.get(item.id).secret, 's');

  vault.lock();
  await assert.rejects(vault.changePassphrase('a new passphrase', 'x'.repeat(8)), { code: 'LOCKED' });
});

test('stored KDF parameters below the floor are refused on unlock, with nothing changed', async (t) => {
  const dir = tempDir(t);
  const first = openVault(t, dir);
  await first.vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  first.vault.close();
  first.store.close();
  const raw = new Database(databasePath(dir));
  raw.prepare('UPDATE vault SET kdf_log_n = 10').run();
  raw.close();
  const before = vaultRow(dir);

  const { vault } = openVault(t, dir);
  await assert.rejects(vault.unlock(PASSPHRASE), KdfParamsError);
  assert.equal(vault.state(), 'locked');
  assert.deepEqual(vaultRow(dir), before);
});

test('auto-lock after the idle period emits status; activity (touch) restarts the countdown', async (t) => {
  const { vault, topics } = openVault(t);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  assert.equal(vault.settings().autoLockSeconds, 15 * 60); // the default
  vault.updateSettings({ autoLockSeconds: 1 });
  assert.throws(() => vault.updateSettings({ autoLockSeconds: 0 }), { code: 'BAD_REQUEST' });
  const states: string[] = [];
  vault.onStateChange((s) => states.push(s));

  await sleep(600);
  vault.touch();
  await sleep(600);
  assert.equal(vault.state(), 'unlocked', 'the touch at 600 ms pushed the lock to 1600 ms');
  topics.length = 0;
  await sleep(700);
  assert.equal(vault.state(), 'locked');
  assert.deepEqual(topics, ['status']);
  assert.deepEqual(states, ['locked']);
  assert.throws(() => vault.items.list(), { code: 'LOCKED' });
});

test('onChange fires after item and settings changes; exportSnapshotData has identity, items and settings', async (t) => {
  const { vault } = openVault(t);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const changes: string[] = [];
  const off = vault.onChange((c) => changes.push(c));
  const item = vault.items.create({
    title: 'Bank',
    secret: 'pin 1234',
    notes: 'n',
    tags: ['money'],
    attachments: [{ name: 'a.bin', mediaType: 'application/octet-stream', data: new Uint8Array([1, 2, 3]) }],
  });
  vault.items.update(item.id, { notes: 'm' });
  vault.updateSettings({ autoLockSeconds: 300 });
  vault.items.delete(item.id);
  assert.deepEqual(changes, ['items', 'items', 'settings', 'items']);
  off();

  const kept = vault.items.create({ title: 'Mail', secret: 'pw', notes: '', tags: [], attachments: [] });
  const snap = vault.exportSnapshotData();
  assert.equal(snap.format, 1);
  assert.deepEqual(snap.identity.signSeed, vault.identityKeys().signSeed);
  assert.equal(snap.identity.peerId, vault.publicIdentity()!.peerId);
  assert.deepEqual(
    snap.items.map((i) => [i.id, i.secret]),
    [[kept.id, 'pw']],
  );
  assert.deepEqual(snap.settings, { autoLockSeconds: 300 });
  assert.equal(changes.length, 4, 'unsubscribed listeners are not called');
  vault.lock();
  assert.throws(() => vault.exportSnapshotData(), { code: 'LOCKED' });
});
