import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TesseraCore } from '../../../electron/core/core.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { DatabaseCorruptError, DatabaseTooNewError } from '../../../electron/core/store/errors.ts';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index.ts';
import { tempDir } from '../vault/helpers.ts';

/** Every file SQLite might touch, byte for byte. */
function snapshotFiles(path: string): Record<string, Buffer | null> {
  const out: Record<string, Buffer | null> = {};
  for (const p of [path, `${path}-wal`, `${path}-journal`]) out[p] = existsSync(p) ? readFileSync(p) : null;
  return out;
}

function makeDatabase(path: string): void {
  const store = Store.open(path);
  store.transaction(() => {
    const insert = store.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    for (let i = 0; i < 400; i++) insert.run(`key-${i}`, 'x'.repeat(200));
  });
  store.close(); // checkpoints the WAL into the main file
}

test('a database newer than the code is refused with DATABASE_TOO_NEW and left unchanged', async (t) => {
  const dir = tempDir(t);
  const path = databasePath(dir);
  makeDatabase(path);
  const raw = new Database(path);
  raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
  raw.close();
  const before = snapshotFiles(path);

  const err = (() => {
    try {
      Store.open(path);
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(err instanceof DatabaseTooNewError);
  assert.equal(err.code, 'DATABASE_TOO_NEW');
  assert.match(err.message, /Update Tessera/);
  assert.ok(err.message.includes(path));

  await assert.rejects(TesseraCore.open({ dataDir: dir }), { code: 'DATABASE_TOO_NEW' });
  assert.deepEqual(snapshotFiles(path), before);
});

test('a file that is not SQLite is refused with DATABASE_CORRUPT naming it, and never overwritten', async (t) => {
  const dir = tempDir(t);
  const path = databasePath(dir);
  const garbage = Buffer.from('this is definitely not a database, but it is my only copy\n'.repeat(100));
  writeFileSync(path, garbage);

  assert.throws(
    () => Store.open(path),
    (err: unknown) => err instanceof DatabaseCorruptError && err.message.includes(path),
  );
  await assert.rejects(TesseraCore.open({ dataDir: dir }), { code: 'DATABASE_CORRUPT' });
  assert.deepEqual(readFileSync(path), garbage);
  assert.ok(!existsSync(`${path}-wal`));
});

test('a damaged SQLite database (valid header, broken pages) is refused and left byte-identical', async (t) => {
  const dir = tempDir(t);
  const path = databasePath(dir);
  makeDatabase(path);
  const bytes = readFileSync(path);
  const pageSize = bytes.readUInt16BE(16);
  assert.ok(bytes.length >= pageSize * 4, 'the test database spans several pages');
  // Scribble over the second page onwards (b-tree pages of the schema's tables).
  bytes.fill(0xa5, pageSize, pageSize * 3);
  writeFileSync(path, bytes);
  const before = snapshotFiles(path);

  assert.throws(
    () => Store.open(path),
    (err: unknown) =>
      err instanceof DatabaseCorruptError && err.code === 'DATABASE_CORRUPT' && err.message.includes(path),
  );
  await assert.rejects(TesseraCore.open({ dataDir: dir }), { code: 'DATABASE_CORRUPT' });
  assert.deepEqual(snapshotFiles(path), before);
});

test('an empty tessera.db (created but never written) is treated as a new database', (t) => {
  const path = databasePath(tempDir(t));
  writeFileSync(path, '');
  const store = Store.open(path);
  t.after(() => store.close());
  assert.equal(store.version, MIGRATIONS.length);
});
