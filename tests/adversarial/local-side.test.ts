/**
 * The local side of `tessera serve`, as real processes: the data-dir lock is the operating system's (a serve
 * SIGKILLed mid-run does not block the next one; a second serve is refused while the first lives; a holder note
 * naming a live but unrelated pid decides nothing).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startServe, tempDataDir } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { DataDirLock, HOLDER_FILE, LOCK_FILE, dataDirInUse } from '../../electron/core/data-dir-lock.ts';
import { count, reportFor } from './report.ts';

reportFor('local-side');

const running: ServeProcess[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function serve(dataDir?: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const s = await startServe({ ...(dataDir ? { dataDir } : {}), env: { TESSERA_MDNS: '0', ...env } });
  running.push(s);
  return s;
}

async function kill(s: ServeProcess): Promise<void> {
  await s.kill();
  running.splice(running.indexOf(s), 1);
}

test('a lock left by a SIGKILLed serve does not block the next serve', async () => {
  const first = await serve();
  const dir = first.dataDir;
  assert.equal(dataDirInUse(dir), true);
  await kill(first);
  // What a crash leaves: the lock file, the holder's note and the endpoint file, all naming a dead process.
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  assert.equal(JSON.parse(readFileSync(join(dir, HOLDER_FILE), 'utf8')).pid, first.pid);
  assert.ok(existsSync(join(dir, 'api.json')));
  assert.equal(dataDirInUse(dir), false, 'the kernel released the dead process lock');

  const second = await serve(dir);
  assert.notEqual(second.pid, first.pid);
  assert.ok((await second.client.call('app.status', {})).version);
  count('stale locks taken over after SIGKILL');
});

test('a holder note naming a live, unrelated process decides nothing (pid reuse)', async () => {
  const dir = tempDataDir();
  // The test runner is alive: a pid-file lock would have believed it holds the data dir.
  writeFileSync(join(dir, HOLDER_FILE), JSON.stringify({ pid: process.pid, since: Date.now() }));
  const s = await serve(dir);
  assert.ok((await s.client.call('app.status', {})).version);
  count('stale holder notes ignored');
});

test('a second serve on the same data dir is refused while the first lives, and says who holds it', async () => {
  const first = await serve();
  const second = await runCli(['--data', first.dataDir, '--json', 'serve', '--ui-port', '0']);
  assert.equal(second.code, 1, second.stdout + second.stderr);
  const error = JSON.parse(second.stdout) as { error: { code: string; message: string } };
  assert.equal(error.error.code, 'DATA_DIR_BUSY');
  assert.match(error.error.message, new RegExp(`pid ${first.pid}\\b`));
  assert.match(error.error.message, /stop it first/);
  // The first keeps its lock and keeps serving; a one-shot command goes through it.
  assert.equal(dataDirInUse(first.dataDir), true);
  const status = await runCli(['--data', first.dataDir, '--json', 'status']);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  // And in one process, a second open of a held data dir is refused too.
  assert.throws(() => DataDirLock.acquire(first.dataDir), { code: 'DATA_DIR_BUSY' });
  count('second holders refused');
});
