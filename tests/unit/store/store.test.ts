import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, WAL_SIZE_LIMIT_BYTES, databasePath } from '../../../electron/core/store/store.ts';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index.ts';
import type { Migration } from '../../../electron/core/store/migrations/index.ts';
import { checkMigrationList } from '../../../electron/core/store/migrate.ts';
import { CustodianStore } from '../../../electron/core/backup/custodian-store.ts';
import { OwnerStore } from '../../../electron/core/backup/owner-store.ts';
import { tempDir } from '../vault/helpers.ts';

test('the shipped migrations are numbered 1..n in order', () => {
  assert.doesNotThrow(() => checkMigrationList(MIGRATIONS));
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
  assert.throws(() => checkMigrationList([MIGRATIONS[0]!, { ...MIGRATIONS[0]!, version: 3 }]), /expected 2/);
});

test('a new database is migrated to the latest version with WAL, FULL sync, foreign keys and STRICT tables', (t) => {
  const path = databasePath(tempDir(t));
  const store = Store.open(path);
  t.after(() => store.close());
  assert.equal(store.version, MIGRATIONS.length);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.db.pragma('synchronous', { simple: true }), 2); // FULL
  assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok((store.db.pragma('busy_timeout', { simple: true }) as number) > 0);
  const tables = store.db
    .prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'")
    .all() as { name: string; strict: number }[];
  assert.ok(tables.length >= 5);
  for (const table of tables) assert.equal(table.strict, 1, `${table.name} is STRICT`);
});

test('the WAL shrinks back to its limit after a large transaction is checkpointed', (t) => {
  const path = databasePath(tempDir(t));
  const store = Store.open(path);
  t.after(() => store.close());
  assert.equal(store.db.pragma('journal_size_limit', { simple: true }), WAL_SIZE_LIMIT_BYTES);
  const insert = store.db.prepare('INSERT INTO backup_chunks (id, length, data) VALUES (?, ?, ?)');
  const data = new Uint8Array(16 * 1024).fill(7);
  const chunkId = (i: number) =>
    Buffer.alloc(32, 0)
      .fill(i & 0xff, 0, 1)
      .fill((i >> 8) & 0xff, 1, 2);
  // ~20 MiB in one transaction, as a deposit of a large backup is.
  store.transaction(() => {
    for (let i = 0; i < 1280; i++) insert.run(chunkId(i), data.length, data);
  });
  const wal = () => statSync(`${path}-wal`).size;
  assert.ok(wal() > 2 * WAL_SIZE_LIMIT_BYTES, `the WAL held the transaction (${wal()} bytes)`);
  // The next write starts the WAL over (the large one was checkpointed when it committed) and cuts the file back.
  store.transaction(() => insert.run(Buffer.alloc(32, 0xff), data.length, data));
  assert.ok(wal() <= WAL_SIZE_LIMIT_BYTES, `the WAL was cut back (${wal()} bytes)`);
  const { n } = store.db.prepare('SELECT count(*) AS n FROM backup_chunks').get() as { n: number };
  assert.equal(n, 1281);
});

test('deleted rows are zeroed (secure_delete) and checkpointTruncate empties the WAL file', (t) => {
  const path = databasePath(tempDir(t));
  const store = Store.open(path);
  t.after(() => store.close());
  assert.equal(store.db.pragma('secure_delete', { simple: true }), 1);
  const marker = Buffer.from('DeletedChunkMarker-5eC7e7'.repeat(400)); // ~10 KiB: an overflow page too
  const id = Buffer.alloc(32, 3);
  store.transaction(() =>
    store.db
      .prepare('INSERT INTO backup_chunks (id, length, data) VALUES (?, ?, ?)')
      .run(id, marker.length, marker),
  );
  assert.ok(store.checkpointTruncate());
  assert.equal(statSync(`${path}-wal`).size, 0, 'the WAL file is empty after a TRUNCATE checkpoint');
  assert.ok(readFileSync(path).includes(marker.subarray(0, 100)), 'control: the row is in the main file');
  store.transaction(() => store.db.prepare('DELETE FROM backup_chunks WHERE id = ?').run(id));
  assert.ok(store.checkpointTruncate());
  assert.equal(statSync(`${path}-wal`).size, 0);
  const needle = Buffer.from('DeletedChunkMarker');
  assert.equal(readFileSync(path).includes(needle), false, 'the deleted row left no bytes in the main file');
});

test('pending migrations run in one transaction: a failing one leaves the database as it was', (t) => {
  const path = join(tempDir(t), 'm.db');
  const good: Migration = {
    version: 1,
    name: 'good',
    up: (db) => db.exec('CREATE TABLE a (x INTEGER) STRICT'),
  };
  const bad: Migration = {
    version: 2,
    name: 'bad',
    up: (db) => {
      db.exec('CREATE TABLE b (x INTEGER) STRICT');
      throw new Error('boom');
    },
  };
  assert.throws(() => Store.open(path, { migrations: [good, bad] }), /boom/);
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), 0);
  assert.deepEqual(raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all(), []);
  raw.close();

  // Adding a migration later applies only the new one.
  const v1 = Store.open(path, { migrations: [good] });
  v1.db.prepare('INSERT INTO a VALUES (7)').run();
  v1.close();
  const next: Migration = { version: 2, name: 'next', up: (db) => db.exec('CREATE TABLE c (y TEXT) STRICT') };
  const v2 = Store.open(path, { migrations: [good, next] });
  t.after(() => v2.close());
  assert.equal(v2.version, 2);
  assert.deepEqual(v2.db.prepare('SELECT x FROM a').all(), [{ x: 7 }]);
  assert.ok(v2.db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'c'").get());
});

test('transaction() commits all or nothing and refuses async functions', (t) => {
  const store = Store.open(databasePath(tempDir(t)));
  t.after(() => store.close());
  assert.throws(() =>
    store.transaction(() => {
      store.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('a', '1');
      throw new Error('abort');
    }),
  );
  assert.deepEqual(store.db.prepare('SELECT * FROM settings').all(), []);
  assert.throws(() => store.transaction(() => Promise.resolve(1)), /cannot be async/);
});

test('backupDatabase writes a consistent copy with the online backup API', async (t) => {
  const dir = tempDir(t);
  const store = Store.open(databasePath(dir));
  t.after(() => store.close());
  store.transaction(() => store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', '42')").run());
  const dest = join(dir, 'backup.db');
  await store.backupDatabase(dest);
  assert.ok(existsSync(dest));
  assert.equal(readFileSync(dest).subarray(0, 15).toString('latin1'), 'SQLite format 3');
  const copy = new Database(dest, { readonly: true });
  t.after(() => copy.close());
  assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(copy.prepare('SELECT value FROM settings').all(), [{ value: '42' }]);
  assert.equal(copy.pragma('user_version', { simple: true }), MIGRATIONS.length);
});

test('migration 6 moves every chunk table to rowids and keeps its rows and unique keys', (t) => {
  const path = join(tempDir(t), 'v5.db');
  const v5 = Store.open(path, { migrations: MIGRATIONS.slice(0, 5) });
  const id = (n: number) => Buffer.alloc(32, n);
  const owner = '12D3KooWE678QX5h4NGXh2wkMbVoQR8fDsWhUavdudUDcEU4jgLJ';
  v5.transaction(() => {
    v5.db.prepare('INSERT INTO backup_chunks (id, data) VALUES (?, ?)').run(id(1), Buffer.from('own'));
    v5.db
      .prepare('INSERT INTO held_chunks (owner_peer_id, chunk_id, data) VALUES (?, ?, ?)')
      .run(owner, id(2), Buffer.from('held'));
    v5.db.prepare('INSERT INTO recovery_chunks (id, data) VALUES (?, ?)').run(id(3), Buffer.from('pooled'));
  });
  v5.close();

  const store = Store.open(path, { migrations: MIGRATIONS.slice(0, 6) });
  t.after(() => store.close());
  assert.equal(store.version, 6);
  const chunkTables = ['backup_chunks', 'held_chunks', 'recovery_chunks'];
  const shape = store.db
    .prepare(
      `SELECT name, wr, strict FROM pragma_table_list WHERE schema = 'main' AND name IN (${chunkTables.map(() => '?').join(', ')}) ORDER BY name`,
    )
    .all(...chunkTables);
  assert.deepEqual(
    shape,
    chunkTables.map((name) => ({ name, wr: 0, strict: 1 })),
  );
  const data = (sql: string, ...args: unknown[]) =>
    (store.db.prepare(sql).get(...args) as { data: Buffer }).data.toString();
  assert.equal(data('SELECT data FROM backup_chunks WHERE id = ?', id(1)), 'own');
  assert.equal(
    data('SELECT data FROM held_chunks WHERE owner_peer_id = ? AND chunk_id = ?', owner, id(2)),
    'held',
  );
  assert.equal(data('SELECT data FROM recovery_chunks WHERE id = ?', id(3)), 'pooled');
  // The keys are still unique, and the store's upserts still replace or ignore.
  assert.throws(
    () => store.db.prepare('INSERT INTO backup_chunks (id, data) VALUES (?, ?)').run(id(1), Buffer.from('x')),
    /UNIQUE/,
  );
  store.db
    .prepare('INSERT OR REPLACE INTO held_chunks (owner_peer_id, chunk_id, data) VALUES (?, ?, ?)')
    .run(owner, id(2), Buffer.from('newer'));
  assert.equal(
    data('SELECT data FROM held_chunks WHERE owner_peer_id = ? AND chunk_id = ?', owner, id(2)),
    'newer',
  );
  assert.deepEqual(store.db.prepare('SELECT count(*) AS n FROM held_chunks').get(), { n: 1 });
  assert.throws(
    () => store.db.prepare('INSERT INTO recovery_chunks (id, data) VALUES (NULL, ?)').run(Buffer.from('x')),
    /NOT NULL/,
  );
});

test('migration 7 keeps the bytes of chunks held before packs, where they were', (t) => {
  const dir = tempDir(t);
  const path = databasePath(dir);
  const v6 = Store.open(path, { migrations: MIGRATIONS.slice(0, 6) });
  const owner = '12D3KooWE678QX5h4NGXh2wkMbVoQR8fDsWhUavdudUDcEU4jgLJ';
  const id = Buffer.alloc(32, 7);
  v6.db
    .prepare('INSERT INTO held_chunks (owner_peer_id, chunk_id, data) VALUES (?, ?, ?)')
    .run(owner, id, Buffer.from('held before packs'));
  v6.close();

  const store = Store.open(path);
  t.after(() => store.close());
  assert.equal(store.version, MIGRATIONS.length);
  const held = new CustodianStore(store);
  assert.equal(Buffer.from(held.chunk(owner, id.toString('hex'))!).toString(), 'held before packs');
  assert.deepEqual(store.db.prepare('SELECT length, pack_id FROM held_chunks').get(), {
    length: 17,
    pack_id: null,
  });
  // A row holds its bytes or names a pack (that exists), never both or neither.
  const insert = store.db.prepare(
    'INSERT INTO held_chunks (owner_peer_id, chunk_id, length, data, pack_id, pack_offset) VALUES (?, ?, 1, ?, ?, ?)',
  );
  assert.throws(() => insert.run(owner, Buffer.alloc(32, 8), null, null, null), /CHECK/);
  assert.throws(() => insert.run(owner, Buffer.alloc(32, 9), null, 'f'.repeat(32), 0), /FOREIGN KEY/);
});

test('migration 13 keeps the bytes of the owner’s chunks stored before packs, where they were', (t) => {
  const dir = tempDir(t);
  const path = databasePath(dir);
  const v12 = Store.open(path, { migrations: MIGRATIONS.slice(0, 12) });
  const id = Buffer.alloc(32, 13);
  v12.db
    .prepare('INSERT INTO backup_chunks (id, data) VALUES (?, ?)')
    .run(id, Buffer.from('own before packs'));
  v12.close();

  const store = Store.open(path);
  t.after(() => store.close());
  assert.equal(store.version, MIGRATIONS.length);
  const owner = new OwnerStore(store);
  assert.equal(Buffer.from(owner.chunk(id.toString('hex'))!).toString(), 'own before packs');
  assert.deepEqual(store.db.prepare('SELECT length, pack_id FROM backup_chunks').get(), {
    length: 16,
    pack_id: null,
  });
  // A row holds its bytes or names a pack (that exists), never both or neither.
  const insert = store.db.prepare(
    'INSERT INTO backup_chunks (id, length, data, pack_id, pack_offset) VALUES (?, 1, ?, ?, ?)',
  );
  assert.throws(() => insert.run(Buffer.alloc(32, 8), null, null, null), /CHECK/);
  assert.throws(() => insert.run(Buffer.alloc(32, 9), null, 'f'.repeat(32), 0), /FOREIGN KEY/);
});
