/**
 * The parallel backup builder (electron/core/crypto-native/parallel-build.ts) encodes, cuts and seals at once, on real
 * worker threads, and must give byte-for-byte what the one-thread build gives: same manifest, same chunks, same
 * new-chunk list, for a vault large enough to use the workers, one too small for them, one of many parts, and an
 * update against a previous version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBackup, openBackup, sameContent, type BuiltBackup } from '../../../shared/formats/backup.ts';
import type { BackupManifest } from '../../../shared/formats/manifest.ts';
import { encodeSnapshot, type Snapshot } from '../../../shared/formats/snapshot.ts';
import { paddedSize } from '../../../shared/formats/padding.ts';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { nativeBackupCrypto } from '../../../electron/core/crypto-native/native-backup-crypto.ts';
import { ParallelBackupBuilder } from '../../../electron/core/crypto-native/parallel-build.ts';
import { sampleSnapshot } from '../shared/helpers.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const owner = generateIdentity();
const MIB = 1024 * 1024;

function snapshotOf(bytes: number): Snapshot {
  return {
    identity: owner,
    displayName: 'Par',
    contacts: [],
    items: [
      {
        id: 'item-1',
        title: 'Scans',
        secret: 'x',
        notes: '',
        tags: [],
        attachments: bytes
          ? [{ name: 'a.bin', mediaType: 'application/octet-stream', data: randomBytes(bytes) }]
          : [],
        createdAt: 1,
        updatedAt: 1,
      },
    ],
    heldShards: [],
    settings: {},
  };
}

function assertSame(a: BuiltBackup, b: BuiltBackup): void {
  assert.deepEqual(Buffer.from(b.manifest), Buffer.from(a.manifest));
  assert.deepEqual(b.newChunkIds, a.newChunkIds);
  assert.equal(b.chunks.size, a.chunks.size);
  for (const [id, bytes] of a.chunks)
    assert.deepEqual(Buffer.from(b.chunks.get(id)!), Buffer.from(bytes), id);
}

const oneThread = (s: Snapshot, key: Uint8Array, version: number, previous?: BackupManifest) =>
  buildBackup(s, key, owner, version, previous, nativeBackupCrypto);

test('sealing on worker threads gives the one-thread bytes, and the result opens', async () => {
  const builder = new ParallelBackupBuilder(2);
  try {
    const key = new Uint8Array(randomBytes(32));
    const big = snapshotOf(3 * MIB);
    const one = oneThread(big, key, 1);
    const par = await builder.build(big, key, owner, 1);
    assert.ok(par.chunks.size >= 64, `enough pieces for the workers (${par.chunks.size})`);
    assertSame(one, par);
    const opened = await openBackup(par.manifest, (id) => par.chunks.get(id), key, owner.signPublic);
    assert.equal(opened.items[0]?.title, 'Scans');

    // An update: only what changed is new, exactly as the one-thread build says.
    const next = {
      ...opened,
      items: [...opened.items, { ...snapshotOf(0).items[0]!, id: 'item-2', title: 'New' }],
    };
    const update = await builder.build(next, key, owner, 2, par.info);
    assertSame(oneThread(next, key, 2, one.info), update);
    assert.ok(update.newChunkIds.length < update.chunks.size / 4, 'an update adds few chunks');
    assert.ok(!sameContent(update.info, par.info));
    assert.ok(sameContent((await builder.build(next, key, owner, 3, update.info)).info, update.info));

    // Small backups are sealed on this thread; after close() large ones are too, with the same result.
    const small = snapshotOf(1000);
    assertSame(oneThread(small, key, 3), await builder.build(small, key, owner, 3));
    await builder.close();
    assertSame(one, await builder.build(big, key, owner, 1));
  } finally {
    await builder.close();
  }
});

test('a snapshot of many parts is cut and sealed while it is encoded, with the one-thread bytes', async () => {
  const builder = new ParallelBackupBuilder(2);
  try {
    const key = new Uint8Array(randomBytes(32));
    // Items of every size around the batch and piece sizes, held shards and contacts: batches leave for the workers
    // between items, pieces span items, and the last piece ends in the padding.
    const base = snapshotOf(0);
    const sizes = [0, 1, 2047, 2048, 32 * 1024, 32 * 1024 + 1, 300_000, 1 * MIB + 7, 5000, 2 * MIB, 3];
    const snapshot: Snapshot = {
      ...base,
      contacts: sampleSnapshot(4, 0).contacts,
      heldShards: sampleSnapshot(1, 6).heldShards,
      items: sizes.map((size, i) => ({
        ...base.items[0]!,
        id: `item-${i}`,
        attachments: [{ name: 'f', mediaType: 'application/octet-stream', data: randomBytes(size) }],
      })),
    };
    const par = await builder.build(snapshot, key, owner, 1);
    assertSame(oneThread(snapshot, key, 1), par);
    assert.equal(par.info.size, paddedSize(encodeSnapshot(snapshot).length + 4));
  } finally {
    await builder.close();
  }
});

test('a snapshot past the size limit is refused while batches are out, and the next build is whole', async () => {
  const builder = new ParallelBackupBuilder(2);
  try {
    const key = new Uint8Array(randomBytes(32));
    const tooLarge: Snapshot = {
      ...snapshotOf(0),
      items: Array.from({ length: 9 }, (_, i) => ({
        ...snapshotOf(0).items[0]!,
        id: `big-${i}`,
        attachments: [
          { name: 'zeros', mediaType: 'application/octet-stream', data: new Uint8Array(16 * MIB) },
        ],
      })),
    };
    await assert.rejects(builder.build(tooLarge, key, owner, 1), (err: Error) => {
      assert.ok(err instanceof MalformedDataError, String(err));
      assert.match(err.message, /larger than/);
      return true;
    });
    const big = snapshotOf(2 * MIB);
    assertSame(oneThread(big, key, 1), await builder.build(big, key, owner, 1));
  } finally {
    await builder.close();
  }
});

test('workers that cannot run do not stop backups: the build seals on this thread, with the same bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-seal-'));
  const broken = join(dir, 'broken-worker.mjs');
  writeFileSync(broken, "throw new Error('no worker threads here');\n");
  const builder = new ParallelBackupBuilder(2, { workerFile: broken });
  try {
    const key = new Uint8Array(randomBytes(32));
    const big = snapshotOf(2 * MIB);
    const built = await builder.build(big, key, owner, 1);
    assertSame(oneThread(big, key, 1), built);
    assert.match(builder.unavailable ?? '', /no worker threads here|stopped/);
    // Later builds do not try the workers again.
    assertSame(oneThread(big, key, 2), await builder.build(big, key, owner, 2));
  } finally {
    await builder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the workers start on the first large build, stop once idle, and start again for the next one', async () => {
  const builder = new ParallelBackupBuilder(2, { idleMs: 20 });
  try {
    const key = new Uint8Array(randomBytes(32));
    const big = snapshotOf(2 * MIB);
    assert.equal(builder.runningWorkers, 0, 'no workers before a build needs them');
    await builder.build(snapshotOf(1000), key, owner, 1);
    assert.equal(builder.runningWorkers, 0, 'a small build runs on this thread');
    assertSame(oneThread(big, key, 1), await builder.build(big, key, owner, 1));
    assert.equal(builder.runningWorkers, 2);
    await waitFor('the idle workers to stop', () => builder.runningWorkers === 0, 10_000, 10);
    assertSame(oneThread(big, key, 2), await builder.build(big, key, owner, 2));
    assert.equal(builder.unavailable, null, 'stopping idle workers is not a failure');
  } finally {
    await builder.close();
  }
});

test('prepare() starts the workers ahead of a large build only, and unused ones stop once idle', async () => {
  const builder = new ParallelBackupBuilder(2, { idleMs: 20 });
  try {
    const key = new Uint8Array(randomBytes(32));
    builder.prepare(1000);
    assert.equal(builder.runningWorkers, 0, 'a small vault is sealed on this thread: no workers for it');
    builder.prepare(2 * MIB);
    assert.equal(builder.runningWorkers, 2, 'a large one: the workers start before its build');
    await waitFor('the unused workers to stop', () => builder.runningWorkers === 0, 10_000, 10);
    builder.prepare(2 * MIB);
    const big = snapshotOf(2 * MIB);
    assertSame(oneThread(big, key, 1), await builder.build(big, key, owner, 1));
    assert.equal(builder.runningWorkers, 2, 'the build used the workers started for it');
    assert.equal(builder.unavailable, null);
  } finally {
    await builder.close();
  }
});
