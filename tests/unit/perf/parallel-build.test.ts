/**
 * The parallel backup builder (electron/core/crypto-native/parallel-build.ts) seals on real worker threads and must
 * give byte-for-byte what the one-thread build gives: same manifest, same chunks, same new-chunk list, for a vault
 * large enough to use the workers, one too small for them, and an update against a previous version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBackupFromEncoded, openBackup, type BuiltBackup } from '../../../shared/formats/backup.ts';
import { encodeSnapshot, type Snapshot } from '../../../shared/formats/snapshot.ts';
import { pad } from '../../../shared/formats/padding.ts';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { nativeBackupCrypto } from '../../../electron/core/crypto-native/native-backup-crypto.ts';
import { ParallelBackupBuilder } from '../../../electron/core/crypto-native/parallel-build.ts';

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

test('sealing on worker threads gives the one-thread bytes, and the result opens', async () => {
  const builder = new ParallelBackupBuilder(2);
  try {
    const key = new Uint8Array(randomBytes(32));
    const big = encodeSnapshot(snapshotOf(3 * MIB));
    const one = buildBackupFromEncoded(big, key, owner, 1, undefined, nativeBackupCrypto);
    const par = await builder.build(big, key, owner, 1);
    assert.ok(par.chunks.size >= 64, `enough pieces for the workers (${par.chunks.size})`);
    assertSame(one, par);
    const opened = await openBackup(par.manifest, (id) => par.chunks.get(id), key, owner.signPublic);
    assert.equal(opened.items[0]?.title, 'Scans');

    // An update: only what changed is new, exactly as the one-thread build says.
    const next = encodeSnapshot({
      ...snapshotOf(0),
      items: [...opened.items, { ...snapshotOf(0).items[0]!, id: 'item-2', title: 'New' }],
    });
    const update = await builder.build(next, key, owner, 2, par.info);
    assertSame(buildBackupFromEncoded(next, key, owner, 2, one.info, nativeBackupCrypto), update);
    assert.ok(update.newChunkIds.length < update.chunks.size / 4, 'an update adds few chunks');

    // Small backups are sealed on this thread; after close() large ones are too, with the same result.
    const small = encodeSnapshot(snapshotOf(1000));
    assertSame(
      buildBackupFromEncoded(small, key, owner, 3, undefined, nativeBackupCrypto),
      await builder.build(small, key, owner, 3),
    );
    await builder.close();
    assertSame(one, await builder.build(big, key, owner, 1));
  } finally {
    await builder.close();
  }
});

test('the builder encodes a large snapshot straight into shared memory, padded there, with the same bytes', async () => {
  const builder = new ParallelBackupBuilder(2);
  try {
    const key = new Uint8Array(randomBytes(32));
    const snapshot = snapshotOf(2 * MIB);
    const encoded = builder.encodeSnapshot(snapshot);
    assert.ok(!(encoded instanceof Uint8Array), 'a large snapshot comes padded');
    assert.ok(encoded.padded.buffer instanceof SharedArrayBuffer);
    assert.equal(encoded.bytes.buffer, encoded.padded.buffer, 'the bytes are a view of the padded memory');
    const plain = encodeSnapshot(snapshot);
    assert.deepEqual(Buffer.from(encoded.bytes), Buffer.from(plain));
    assert.deepEqual(Buffer.from(encoded.padded), Buffer.from(pad(plain)));
    assertSame(
      buildBackupFromEncoded(plain, key, owner, 1, undefined, nativeBackupCrypto),
      await builder.build(encoded, key, owner, 1),
    );
    // Small snapshots, and any once the workers are closed, are encodeSnapshot's plain bytes.
    const smallSnapshot = snapshotOf(1000);
    const small = builder.encodeSnapshot(smallSnapshot);
    assert.ok(small instanceof Uint8Array);
    assert.deepEqual(Buffer.from(small), Buffer.from(encodeSnapshot(smallSnapshot)));
    await builder.close();
    const after = builder.encodeSnapshot(snapshot);
    assert.ok(after instanceof Uint8Array);
    assert.deepEqual(Buffer.from(after), Buffer.from(plain));
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
    const big = encodeSnapshot(snapshotOf(2 * MIB));
    const built = await builder.build(big, key, owner, 1);
    assertSame(buildBackupFromEncoded(big, key, owner, 1, undefined, nativeBackupCrypto), built);
    assert.match(builder.unavailable ?? '', /no worker threads here|stopped/);
    // Later builds do not try the workers again.
    assertSame(
      buildBackupFromEncoded(big, key, owner, 2, undefined, nativeBackupCrypto),
      await builder.build(big, key, owner, 2),
    );
  } finally {
    await builder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
