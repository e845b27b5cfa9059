import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { OwnerStore } from '../../../electron/core/backup/owner-store.ts';
import { OWN_PACKS_DIR } from '../../../electron/core/backup/own-chunks.ts';
import { PACK_THRESHOLD_BYTES } from '../../../electron/core/backup/deposit-chunks.ts';
import { tempDir } from '../vault/helpers.ts';

const SPLIT = new Uint8Array(16).fill(1);
const MANIFEST = new Uint8Array([1, 2, 3]);

/** `n` chunks of `size` random bytes, by hex id. */
const chunks = (n: number, size: number) =>
  new Map(
    Array.from(
      { length: n },
      () => [randomBytes(32).toString('hex'), new Uint8Array(randomBytes(size))] as const,
    ),
  );

function open(t: TestContext): { dir: string; owner: OwnerStore; store: Store } {
  const dir = tempDir(t, 'tessera-own-chunks-');
  const store = Store.open(databasePath(dir));
  t.after(() => store.close());
  return { dir, owner: new OwnerStore(store), store };
}

const packFiles = (dir: string) =>
  existsSync(join(dir, OWN_PACKS_DIR)) ? readdirSync(join(dir, OWN_PACKS_DIR)).sort() : [];

function assertStored(owner: OwnerStore, version: ReadonlyMap<string, Uint8Array>): void {
  for (const [id, data] of version) {
    const got = owner.chunk(id);
    assert.ok(got && Buffer.from(got).equals(data), `chunk ${id.slice(0, 8)} reads back`);
  }
}

const rows = (store: Store) =>
  store.db.prepare('SELECT count(*) AS n, count(pack_id) AS packed FROM backup_chunks').get() as {
    n: number;
    packed: number;
  };

test('a large version goes into one pack file; a small change adds rows; dropped chunks go', async (t) => {
  const { dir, owner, store } = open(t);
  const first = chunks(40, 32 * 1024); // 1.25 MiB: past the threshold
  assert.ok(40 * 32 * 1024 > PACK_THRESHOLD_BYTES);
  owner.saveVersion(1, SPLIT, MANIFEST, first, 1, await owner.stageChunks(first));
  assert.equal(packFiles(dir).length, 1);
  assert.deepEqual(rows(store), { n: 40, packed: 40 });
  assertStored(owner, first);

  // The next version drops two chunks and adds three small ones: rows, no new pack.
  const second = new Map([...first].slice(2));
  const added = chunks(3, 1024);
  for (const [k, v] of added) second.set(k, v);
  owner.saveVersion(2, SPLIT, MANIFEST, second, 2, await owner.stageChunks(second));
  assert.equal(packFiles(dir).length, 1);
  assert.deepEqual(rows(store), { n: 41, packed: 38 });
  assertStored(owner, second);
  for (const id of [...first.keys()].slice(0, 2)) assert.equal(owner.chunk(id), undefined);
  assert.ok(owner.chunksIntact());
});

test('a version with all new chunks (a re-share) leaves the old pack file deleted', (t) => {
  const { dir, owner, store } = open(t);
  const first = chunks(40, 32 * 1024);
  owner.saveVersion(1, SPLIT, MANIFEST, first, 1);
  const [old] = packFiles(dir);
  const second = chunks(40, 32 * 1024);
  owner.saveVersion(2, SPLIT, MANIFEST, second, 2);
  assert.equal(packFiles(dir).length, 1);
  assert.notEqual(packFiles(dir)[0], old);
  assert.deepEqual(store.db.prepare('SELECT count(*) AS n FROM backup_packs').get(), { n: 1 });
  assertStored(owner, second);
});

test('packs that became mostly holes are rewritten with the next version, and the old ones deleted', (t) => {
  const { dir, owner, store } = open(t);
  const first = chunks(64, 32 * 1024); // 2 MiB in one pack
  owner.saveVersion(1, SPLIT, MANIFEST, first, 1);
  const [old] = packFiles(dir);
  // Keep 40 of the 64 (1.25 MiB) and add 1.25 MiB: the packs in use would hold 2 + 1.25 MiB for a 2.5 MiB version.
  const second = new Map([...first].slice(24));
  for (const [k, v] of chunks(40, 32 * 1024)) second.set(k, v);
  owner.saveVersion(2, SPLIT, MANIFEST, second, 2);
  assert.equal(packFiles(dir).length, 2, 'the new chunks in a pack, the old pack still mostly in use');
  // Keep only 10 of the first version's chunks (a fifth of its pack): the next version is written whole.
  const third = new Map([...second].slice(30));
  for (const [k, v] of chunks(2, 1024)) third.set(k, v);
  owner.saveVersion(3, SPLIT, MANIFEST, third, 3);
  assert.equal(packFiles(dir).length, 1);
  assert.ok(!packFiles(dir).includes(old!));
  assert.deepEqual(rows(store), { n: 52, packed: 52 });
  assertStored(owner, third);
});

test('a damaged pack reads as missing, and saving the same chunks again writes them again', (t) => {
  const { dir, owner } = open(t);
  const first = chunks(40, 32 * 1024);
  owner.saveVersion(1, SPLIT, MANIFEST, first, 1);
  const [pack] = packFiles(dir);
  truncateSync(join(dir, OWN_PACKS_DIR, pack!), 1000);
  assert.equal(owner.chunksIntact(), false);
  assert.equal(owner.chunk([...first.keys()].at(-1)!), undefined);
  owner.saveVersion(2, SPLIT, MANIFEST, first, 2);
  assert.ok(owner.chunksIntact());
  assert.deepEqual(packFiles(dir).length, 1);
  assert.ok(!packFiles(dir).includes(pack!));
  assertStored(owner, first);

  rmSync(join(dir, OWN_PACKS_DIR, packFiles(dir)[0]!));
  assert.equal(owner.chunksIntact(), false);
  assert.equal(owner.chunk([...first.keys()][0]!), undefined);
});

test('staged chunks that are not saved leave no file: discarded now, or swept at the next start', async (t) => {
  const { dir, owner } = open(t);
  const version = chunks(40, 32 * 1024);
  const discarded = await owner.stageChunks(version);
  assert.equal(packFiles(dir).length, 1);
  discarded.discard();
  assert.deepEqual(packFiles(dir), []);

  // A crash between writing the pack and the transaction: the file stays, named by no row, until the next start.
  await owner.stageChunks(version);
  writeFileSync(join(dir, OWN_PACKS_DIR, 'notes.txt'), 'not a pack');
  assert.equal(owner.sweepPacks(), 1);
  assert.deepEqual(packFiles(dir), ['notes.txt']);
  assert.equal(owner.chunk([...version.keys()][0]!), undefined);
});
