/** Background flushes of a pack file as it grows (electron/core/backup/write-behind.ts, held-packs.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PackDirectory, type PackWriter } from '../../../electron/core/backup/held-packs.ts';
import { WRITE_BEHIND_BYTES, WriteBehind } from '../../../electron/core/backup/write-behind.ts';

const linux = process.platform === 'linux';

/** A new pack being written, in a directory removed after the test, and the path of its file. */
function newPack(t: { after: (fn: () => void) => void }): { writer: PackWriter; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-write-behind-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const packs = new PackDirectory(join(dir, 'held-packs'));
  const writer = packs.create();
  return { writer, path: join(packs.dir, `${writer.id}.pack`) };
}

/** How many of this process's descriptors are open on `path`. */
function openOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(path)) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), what);
}

test(
  'a pack flushes in the background as it grows, and persists whole with every descriptor closed',
  { skip: !linux },
  async (t) => {
    const { writer, path } = newPack(t);
    assert.ok(writer.writeBehind, 'Linux packs have a write-behind');
    const pieces = [randomBytes(3 * 1024 * 1024), randomBytes(3 * 1024 * 1024), randomBytes(3 * 1024 * 1024)];
    writer.append(pieces.slice(0, 2));
    assert.equal(writer.writeBehind.started, 0, 'nothing starts before WRITE_BEHIND_BYTES are appended');
    writer.append(pieces.slice(2));
    assert.equal(
      writer.writeBehind.started,
      1,
      `a flush starts once ${WRITE_BEHIND_BYTES} bytes are appended`,
    );
    assert.equal(openOn(path), 2, 'the flush has a descriptor of its own');
    await writer.persist();
    assert.deepEqual(readFileSync(path), Buffer.concat(pieces));
    await until('the flush descriptor closes once its flush returns', () => writer.writeBehind!.closed);
    assert.equal(writer.writeBehind.failed, 0, 'the background flush itself succeeded');
    assert.equal(openOn(path), 0);
  },
);

test(
  'a pack discarded while a flush runs is deleted, and the flush descriptor closes after it',
  { skip: !linux },
  async (t) => {
    const { writer, path } = newPack(t);
    writer.append([randomBytes(WRITE_BEHIND_BYTES)]);
    assert.equal(writer.writeBehind!.started, 1);
    writer.discard();
    assert.equal(existsSync(path), false);
    await until('the flush descriptor closes', () => writer.writeBehind!.closed);
    assert.equal(openOn(path), 0);
  },
);

test(
  'a flush starts only when none is running and enough is new since the last',
  { skip: !linux },
  async (t) => {
    const { writer, path } = newPack(t);
    const behind = WriteBehind.open(path, 100)!;
    t.after(() => {
      behind.close();
      writer.discard();
    });
    behind.nudge(99);
    assert.equal(behind.started, 0);
    behind.nudge(100);
    behind.nudge(1000);
    assert.equal(behind.started, 1, 'a second waits for the first to return');
    await until('the first flush returns', () => !behind.flushing);
    behind.nudge(199);
    assert.equal(behind.started, 1, 'fewer than `every` bytes since the last start');
    behind.nudge(200);
    assert.equal(behind.started, 2);
    behind.close();
    behind.nudge(5000);
    assert.equal(behind.started, 2, 'none after close');
  },
);

test('where a background flush could take a write-back error from the writer, there is none', () => {
  for (const platform of ['darwin', 'win32', 'freebsd'] as const)
    assert.equal(WriteBehind.open('/nonexistent', WRITE_BEHIND_BYTES, platform), null, platform);
});
