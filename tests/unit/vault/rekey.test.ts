/**
 * A passphrase change re-keys the vault (docs/STORAGE.md, "Changing the passphrase"): afterwards neither the old
 * wrap nor anything sealed under the old vault key is left in the data directory (database, WAL, any other file),
 * the old passphrase opens nothing, the unlocked session goes on under the new key, and a remembered keychain key
 * is re-protected or forgotten.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { databasePath } from '../../../electron/core/store/store.ts';
import { SEAL_OVERHEAD, open, rowAd } from '../../../electron/core/vault/aead.ts';
import { unwrapWithPassphrase } from '../../../electron/core/vault/key-wrap.ts';
import { SEALED_COLUMNS } from '../../../electron/core/vault/rekey.ts';
import { VaultRepo } from '../../../electron/core/vault/vault-repo.ts';
import { WrongPassphraseError } from '../../../shared/errors.ts';
import { deviceProtector } from './device-protector.ts';
import { PASSPHRASE, openVault, tempDir } from './helpers.ts';

const NEXT = 'a completely different passphrase';

/** Every file under `dir` (database, -wal, -shm, anything else), as bytes. */
function filesOf(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ name: join(e.parentPath, e.name), bytes: readFileSync(join(e.parentPath, e.name)) }));
}

/**
 * Byte strings that identify a sealed blob: its nonce with the first ciphertext bytes, and its tag. Two separate
 * windows, so a blob split across pages of an overflow chain is still found by one of them.
 */
function fingerprints(sealed: Buffer): Buffer[] {
  return [sealed.subarray(1, 29), sealed.subarray(sealed.length - 16)];
}

function foundIn(dir: string, needles: Buffer[]): string[] {
  const hits: string[] = [];
  for (const file of filesOf(dir))
    for (const needle of needles) if (file.bytes.includes(needle)) hits.push(file.name);
  return hits;
}

/** Every sealed blob the vault key protects now, by SEALED_COLUMNS. */
function sealedBlobs(db: Database.Database): Buffer[] {
  return SEALED_COLUMNS.flatMap(({ table, column }) =>
    (db.prepare(`SELECT ${column} AS b FROM ${table}`).all() as { b: Buffer }[]).map((r) => r.b),
  );
}

function candidateIds(row: Record<string, unknown>): string[] {
  const single = Object.values(row).flatMap((v) =>
    Buffer.isBuffer(v)
      ? [v.toString('hex')]
      : typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint'
        ? [String(v)]
        : [],
  );
  return [...single, ...single.flatMap((a) => single.map((b) => `${a}/${b}`))];
}

/**
 * Tries to open every BLOB of every table with `key`, with the associated data `tessera/v1/<table>/<id>` for every
 * id a row could bind (each of its values, and each pair joined by '/'), so a sealed column added later and
 * forgotten by the re-key is caught too. Returns "table.column" of each blob that opened.
 */
function blobsOpenedBy(dir: string, key: Buffer): string[] {
  const db = new Database(databasePath(dir), { readonly: true });
  try {
    const tables = (
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    const opened: string[] = [];
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]) {
        const ids = candidateIds(row);
        for (const [column, value] of Object.entries(row)) {
          if (!Buffer.isBuffer(value) || value.length < SEAL_OVERHEAD) continue;
          const opens = ids.some((id) => {
            try {
              open(key, value, rowAd(table, id)).fill(0);
              return true;
            } catch {
              return false;
            }
          });
          if (opens) opened.push(`${table}.${column}`);
        }
      }
    }
    return opened;
  } finally {
    db.close();
  }
}

function vaultRow(dir: string): { wrapped: Buffer; salt: Buffer; protectedKey: Buffer | null } {
  const db = new Database(databasePath(dir), { readonly: true });
  try {
    const repo = new VaultRepo(db);
    const wrap = repo.passphraseWrap()!;
    return {
      wrapped: Buffer.from(wrap.wrapped),
      salt: Buffer.from(wrap.salt),
      protectedKey: repo.protectedKey() && Buffer.from(repo.protectedKey()!.bytes),
    };
  } finally {
    db.close();
  }
}

test('after a passphrase change nothing in the data dir opens with the old passphrase or the old vault key', async (t) => {
  const dir = tempDir(t);
  const { vault, store } = openVault(t, dir);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const session = vault.requireUnlocked();
  const liveOldKey = session.exposeKeyForWrapping(); // the session's own buffer: must be wiped by the change
  const oldKey = Buffer.from(liveOldKey);
  const protector = deviceProtector('safeStorage:gnome_libsecret');
  vault.enableProtector(protector);

  const big = randomBytes(300 * 1024); // an overflow chain of pages
  const kept = vault.items.create({
    title: 'Bank',
    secret: 'pin 1234',
    notes: 'n',
    tags: ['money'],
    attachments: [
      { name: 'scan.pdf', mediaType: 'application/pdf', data: big },
      { name: 'small.txt', mediaType: 'text/plain', data: Buffer.from('hello') },
    ],
  });
  const doomed = vault.items.create({
    title: 'Old',
    secret: 'gone',
    notes: '',
    tags: [],
    attachments: [{ name: 'old.bin', mediaType: 'application/octet-stream', data: randomBytes(50 * 1024) }],
  });
  // A backup split key, sealed the way backup/split-creation.ts seals it.
  const splitId = randomBytes(16);
  const splitKey = randomBytes(32);
  store.db
    .prepare('INSERT INTO backup_splits (split_id, threshold, key_sealed, created_at) VALUES (?, 2, ?, 1)')
    .run(splitId, session.sealRow('backup_splits', splitId.toString('hex'), splitKey));
  const trashed = vault.items.create({
    title: 'In the trash',
    secret: 'first',
    notes: '',
    tags: [],
    attachments: [{ name: 't.txt', mediaType: 'text/plain', data: Buffer.from('trashed file') }],
  });
  vault.items.update(trashed.id, { secret: 'second' });
  // Earlier versions of rows: updates and a deletion for good before the change, each leaving old ciphertext
  // behind; a replaced secret kept as a previous one; an item waiting in the trash (docs/STORAGE.md, "Trash and
  // secret history").
  const beforeEdits = sealedBlobs(store.db);
  vault.items.update(kept.id, { notes: 'edited', secret: 'pin 5678' });
  vault.items.update(kept.id, { secret: 'pin 9012' });
  vault.items.delete(doomed.id);
  vault.items.purgeOne(doomed.id);
  vault.items.delete(trashed.id);

  const old = vaultRow(dir);
  assert.ok(old.protectedKey, 'the keychain remembers the old key');
  const oldBlobs = [...beforeEdits, ...sealedBlobs(store.db)];
  const oldNeedles = [old.wrapped, old.protectedKey, ...oldBlobs.flatMap(fingerprints)];
  // The scan works: before the change the old wrap and ciphertext are there to be found.
  assert.ok(foundIn(dir, [old.wrapped]).length > 0, 'control: the old wrap is found before the change');
  assert.ok(foundIn(dir, fingerprints(oldBlobs[0]!)).length > 0, 'control: old ciphertext is found');
  assert.ok(blobsOpenedBy(dir, oldKey).includes('items.sealed'), 'control: the old key opens rows');

  const result = await vault.changePassphrase(PASSPHRASE, NEXT, { protector });
  assert.deepEqual(result, { keychain: 'updated' });

  // The old key's bytes are wiped in memory; the session goes on with the new key.
  assert.ok(
    liveOldKey.every((b) => b === 0),
    'the old vault key was wiped in memory',
  );
  const newKey = Buffer.from(session.exposeKeyForWrapping());
  assert.notDeepEqual(newKey, oldKey);
  assert.equal(vault.items.get(kept.id).notes, 'edited');
  assert.deepEqual(
    vault.items.history(kept.id).map((h) => h.secret),
    ['pin 5678', 'pin 1234'],
    'previous secrets read back under the new key',
  );
  assert.equal(
    vault.items.restore(trashed.id).title,
    'In the trash',
    'a trashed item comes back under the new key',
  );
  assert.deepEqual(
    vault.items.history(trashed.id).map((h) => h.secret),
    ['first'],
  );
  const scan = vault.items.attachment(kept.id, vault.items.get(kept.id).attachments[0]!.id);
  assert.ok(Buffer.from(scan.data).equals(big), 'a large attachment reads back under the new key');
  const splitRow = store.db.prepare('SELECT key_sealed FROM backup_splits').get() as { key_sealed: Buffer };
  assert.deepEqual(session.openRow('backup_splits', splitId.toString('hex'), splitRow.key_sealed), splitKey);

  // Nothing of the old wrap, the old keychain blob or any old ciphertext is in any file of the data dir.
  assert.deepEqual(
    foundIn(dir, oldNeedles),
    [],
    'no old wrap or old ciphertext in the database, WAL or others',
  );
  assert.deepEqual(blobsOpenedBy(dir, oldKey), [], 'the old vault key opens no BLOB of any table');
  const reopened = blobsOpenedBy(dir, newKey).sort();
  assert.deepEqual(
    [...new Set(reopened)],
    [
      'attachments.sealed',
      'backup_splits.key_sealed',
      'identity.sealed_secrets',
      'item_history.sealed',
      'items.sealed',
    ],
    'control: the same search opens every sealed column with the new key',
  );

  // The old passphrase opens nothing: not the stored wrap, not the vault.
  const now = vaultRow(dir);
  const db = new Database(databasePath(dir), { readonly: true });
  const wrap = new VaultRepo(db).passphraseWrap()!;
  db.close();
  await assert.rejects(unwrapWithPassphrase(wrap, PASSPHRASE), WrongPassphraseError);
  assert.notDeepEqual(now.salt, old.salt);
  vault.lock();
  await assert.rejects(vault.unlock(PASSPHRASE), WrongPassphraseError);
  await vault.unlock(NEXT);
  assert.equal(vault.items.get(kept.id).secret, 'pin 9012');

  // The keychain remembers the new key (re-protected), so it still unlocks without the passphrase.
  vault.lock();
  vault.unlockWithProtector(protector);
  assert.equal(vault.state(), 'unlocked');
});

test('a passphrase change forgets a remembered keychain key it cannot re-protect', async (t) => {
  const { vault } = openVault(t);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const protector = deviceProtector('safeStorage:kwallet5');
  vault.enableProtector(protector);
  assert.deepEqual(await vault.changePassphrase(PASSPHRASE, NEXT), { keychain: 'forgotten' });
  assert.equal(vault.protectorName(), null);
  vault.lock();
  assert.throws(() => vault.unlockWithProtector(protector), { code: 'NOT_FOUND' });
  await vault.unlock(NEXT);

  // Another backend offered than the one recorded: forgotten too, never stored under the other one.
  vault.enableProtector(protector);
  const other = deviceProtector('safeStorage:gnome_libsecret');
  assert.deepEqual(await vault.changePassphrase(NEXT, PASSPHRASE, { protector: other }), {
    keychain: 'forgotten',
  });
  assert.equal(vault.protectorName(), null);
  // Without a remembered key there is nothing to do.
  assert.deepEqual(await vault.changePassphrase(PASSPHRASE, NEXT), { keychain: 'none' });
});

test('a passphrase change that loses a race or sees the vault lock changes nothing', async (t) => {
  const dir = tempDir(t);
  const { vault } = openVault(t, dir);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const item = vault.items.create({ title: 'T', secret: 's', notes: '', tags: [], attachments: [] });

  const [a, b] = await Promise.allSettled([
    vault.changePassphrase(PASSPHRASE, 'first new passphrase'),
    vault.changePassphrase(PASSPHRASE, 'second new passphrase'),
  ]);
  const won = [a, b].filter((r) => r.status === 'fulfilled');
  const lost = [a, b].filter((r) => r.status === 'rejected');
  assert.equal(won.length, 1, 'exactly one of two racing changes wins');
  assert.equal((lost[0]!.reason as { code: string }).code, 'CONFLICT');
  const winner = a.status === 'fulfilled' ? 'first new passphrase' : 'second new passphrase';
  assert.equal(vault.items.get(item.id).secret, 's', 'the session follows the winning key');
  vault.lock();
  await vault.unlock(winner);
  assert.equal(vault.items.get(item.id).secret, 's');

  const before = vaultRow(dir);
  const change = vault.changePassphrase(winner, 'never applied');
  vault.lock(); // while the KDF runs
  await assert.rejects(change, { code: 'LOCKED' });
  assert.deepEqual(vaultRow(dir), before);
  await vault.unlock(winner);
  assert.equal(vault.items.get(item.id).secret, 's');
});
