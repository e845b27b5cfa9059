import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { CustodianStore, StaleDepositError } from '../../../electron/core/backup/custodian-store.ts';
import type { DepositChunks } from '../../../electron/core/backup/deposit-chunks.ts';
import { PACK_THRESHOLD_BYTES } from '../../../electron/core/backup/deposit-chunks.ts';
import { HELD_PACKS_DIR, HeldChunkDamagedError } from '../../../electron/core/backup/held-packs.ts';
import { tempDir } from '../vault/helpers.ts';

const OWNER = '12D3KooWOwner';
const split = new Uint8Array(randomBytes(16));
const id = () => randomBytes(32).toString('hex');
const chunk = () => new Uint8Array(randomBytes(64));

function open(t: TestContext): CustodianStore {
  return openIn(t, tempDir(t, 'tessera-held-'));
}

function openIn(t: TestContext, dir: string): CustodianStore {
  const store = Store.open(databasePath(dir));
  t.after(() => store.close());
  return new CustodianStore(store);
}

/** A persisted deposit of these chunks (hex id → bytes). */
function deposit(held: CustodianStore, chunks: Map<string, Uint8Array>): DepositChunks {
  const d = held.newDeposit();
  d.add([...chunks].map(([id, data]) => ({ id, data })));
  d.persistNow();
  return d;
}

const row = (version: number) => ({
  ownerPeerId: OWNER,
  splitId: split,
  sealedEnvelope: new Uint8Array([1, 2, 3]),
  manifest: new Uint8Array([version]),
  version,
});

test('a deposit that lost a race is refused whole: an older version, or chunks that are not all held', (t) => {
  const held = open(t);
  const [a, b, c] = [id(), id(), id()];
  held.commitHolding(
    row(2),
    deposit(
      held,
      new Map([
        [a, chunk()],
        [b, chunk()],
      ]),
    ),
    new Set([a, b]),
    1,
  );

  // Version 1 was checked before version 2 arrived (say, through a mutual friend): it must not replace it.
  assert.throws(
    () => held.commitHolding(row(1), deposit(held, new Map([[c, chunk()]])), new Set([a, c]), 2),
    (err: unknown) => err instanceof StaleDepositError && /newer version \(2\) than 1/.test(err.message),
  );
  // Version 3 counted on a chunk (c) that is not held and did not come with it.
  assert.throws(
    () => held.commitHolding(row(3), null, new Set([a, c]), 3),
    (err: unknown) =>
      err instanceof StaleDepositError && /1 chunk\(s\) of version 3 are not held/.test(err.message),
  );
  assert.equal(held.held(OWNER)?.version, 2, 'nothing changed');
  assert.deepEqual([...held.chunkIds(OWNER)].sort(), [a, b].sort());

  // A complete newer version is stored, and chunks it no longer lists are dropped.
  held.commitHolding(row(3), deposit(held, new Map([[c, chunk()]])), new Set([a, c]), 4);
  assert.equal(held.held(OWNER)?.version, 3);
  assert.deepEqual([...held.chunkIds(OWNER)].sort(), [a, c].sort());
});

function assertHolds(held: CustodianStore, idHex: string, data: Uint8Array | undefined): void {
  const got = held.chunk(OWNER, idHex);
  assert.ok(got && data && Buffer.from(got).equals(data), `chunk ${idHex.slice(0, 8)} reads back`);
}

const packFiles = (dir: string) => readdirSync(join(dir, HELD_PACKS_DIR)).sort();

/** `n` chunks of `size` random bytes, by hex id. */
const chunks = (n: number, size: number) =>
  new Map(Array.from({ length: n }, () => [id(), new Uint8Array(randomBytes(size))] as const));

test('a large deposit goes into a pack file and reads back; a small one stays in the database', (t) => {
  const dir = tempDir(t, 'tessera-held-');
  const held = openIn(t, dir);
  const big = chunks(40, 32 * 1024); // 1.25 MiB: past the threshold
  assert.ok(40 * 32 * 1024 > PACK_THRESHOLD_BYTES);
  held.commitHolding(row(1), deposit(held, big), new Set(big.keys()), 1);
  assert.equal(packFiles(dir).length, 1);
  for (const [k, v] of big) assertHolds(held, k, v);

  const small = chunks(3, 1024);
  held.commitHolding(row(2), deposit(held, small), new Set([...big.keys(), ...small.keys()]), 2);
  assert.equal(packFiles(dir).length, 1, 'no file for a small update');
  for (const [k, v] of small) assertHolds(held, k, v);
});

test('a refused deposit leaves no pack file, and one whose chunks are all dropped is deleted', (t) => {
  const dir = tempDir(t, 'tessera-held-');
  const held = openIn(t, dir);
  const first = chunks(40, 32 * 1024);
  held.commitHolding(row(2), deposit(held, first), new Set(first.keys()), 1);
  const before = packFiles(dir);

  const stale = chunks(40, 32 * 1024);
  assert.throws(
    () => held.commitHolding(row(1), deposit(held, stale), new Set(stale.keys()), 2),
    StaleDepositError,
  );
  assert.deepEqual(packFiles(dir), before, 'the refused pack is gone');

  const next = chunks(40, 32 * 1024);
  held.commitHolding(row(3), deposit(held, next), new Set(next.keys()), 3);
  const after = packFiles(dir);
  assert.equal(after.length, 1);
  assert.notDeepEqual(after, before, 'the first pack, no longer needed, is deleted');

  assert.equal(held.dropHolding(OWNER, split), true);
  assert.deepEqual(packFiles(dir), []);
});

test('a pack mostly made of dropped chunks is compacted, and what is held still reads back', (t) => {
  const dir = tempDir(t, 'tessera-held-');
  const held = openIn(t, dir);
  const first = chunks(96, 32 * 1024); // 3 MiB
  held.commitHolding(row(1), deposit(held, first), new Set(first.keys()), 1);
  const ids = [...first.keys()];

  // Keep 60 of 96 chunks (62%): the pack stays as it is.
  held.commitHolding(row(2), null, new Set(ids.slice(0, 60)), 2);
  assert.equal(held.packsOf(OWNER).length, 1);
  assert.equal(held.packsOf(OWNER)[0]!.live, 60 * 32 * 1024);

  // Keep 40 (42%): its live chunks move to a new pack that holds only them.
  const kept = ids.slice(0, 40);
  held.commitHolding(row(3), null, new Set(kept), 3);
  const packs = held.packsOf(OWNER);
  assert.equal(packs.length, 1);
  assert.deepEqual(packs[0], { packId: packs[0]!.packId, bytes: 40 * 32 * 1024, live: 40 * 32 * 1024 });
  assert.equal(packFiles(dir).length, 1);
  for (const k of kept) assertHolds(held, k, first.get(k));

  // Keep 10 (25%): 320 KiB, under the threshold, move into the database.
  const few = ids.slice(0, 10);
  held.commitHolding(row(4), null, new Set(few), 4);
  assert.deepEqual(held.packsOf(OWNER), []);
  assert.deepEqual(packFiles(dir), []);
  for (const k of few) assertHolds(held, k, first.get(k));
});

test('the start-up sweep deletes pack files no row names and keeps the others', (t) => {
  const dir = tempDir(t, 'tessera-held-');
  const held = openIn(t, dir);
  const big = chunks(40, 32 * 1024);
  held.commitHolding(row(1), deposit(held, big), new Set(big.keys()), 1);
  const kept = packFiles(dir);
  // A deposit cut short (the process died before its commit).
  const orphan = held.newDeposit();
  orphan.add([...chunks(40, 32 * 1024)].map(([k, v]) => ({ id: k, data: v })));
  writeFileSync(join(dir, HELD_PACKS_DIR, 'notes.txt'), 'not a pack');
  assert.equal(packFiles(dir).length, 3);

  assert.equal(held.sweepPacks(), 1);
  assert.deepEqual(packFiles(dir), [...kept, 'notes.txt'].sort());
  for (const [k, v] of big) assertHolds(held, k, v);
});

test('a missing pack file is a named error that says what to do', (t) => {
  const dir = tempDir(t, 'tessera-held-');
  const held = openIn(t, dir);
  const big = chunks(40, 32 * 1024);
  held.commitHolding(row(1), deposit(held, big), new Set(big.keys()), 1);
  rmSync(join(dir, HELD_PACKS_DIR, packFiles(dir)[0]!));
  assert.throws(
    () => held.chunk(OWNER, [...big.keys()][0]!),
    (err: unknown) => err instanceof HeldChunkDamagedError && /re-share their backup/.test(err.message),
  );
});

test('a deposit of more chunks than one writev takes (IOV_MAX) is written whole', (t) => {
  const dir = tempDir(t, 'tessera-held-');
  const held = openIn(t, dir);
  const many = chunks(3000, 512); // 1.5 MiB in 3,000 pieces, added at once like a parcel's
  held.commitHolding(row(1), deposit(held, many), new Set(many.keys()), 1);
  assert.equal(packFiles(dir).length, 1);
  for (const [k, v] of many) assertHolds(held, k, v);
});

test('a new split drops every chunk and pack of the old one', (t) => {
  const dir = tempDir(t, 'tessera-held-');
  const held = openIn(t, dir);
  const old = chunks(40, 32 * 1024);
  const small = chunks(3, 1024);
  held.commitHolding(row(1), deposit(held, old), new Set(old.keys()), 1);
  held.commitHolding(row(2), deposit(held, small), new Set([...old.keys(), ...small.keys()]), 2);
  assert.equal(held.chunkIds(OWNER).size, 43);

  const next = chunks(40, 32 * 1024);
  const reshare = { ...row(1), splitId: new Uint8Array(randomBytes(16)) };
  // A new split holds only what its deposit brings: one short of its list is refused, and the old split stays.
  const short = new Map([...next].slice(1));
  assert.throws(
    () => held.commitHolding(reshare, deposit(held, short), new Set(next.keys()), 3),
    (err: unknown) =>
      err instanceof StaleDepositError && /1 chunk\(s\) of version 1 are not held/.test(err.message),
  );
  assert.equal(held.chunkIds(OWNER).size, 43);
  assert.equal(held.held(OWNER)?.version, 2);
  held.commitHolding(reshare, deposit(held, next), new Set(next.keys()), 3);
  assert.deepEqual([...held.chunkIds(OWNER)].sort(), [...next.keys()].sort());
  assert.equal(held.packsOf(OWNER).length, 1);
  assert.equal(packFiles(dir).length, 1);
  for (const [k, v] of next) assertHolds(held, k, v);
});
