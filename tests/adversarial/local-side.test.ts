/**
 * The local side of `tessera serve`, as real processes: the data-dir lock is the operating system's (a serve
 * SIGKILLed mid-run does not block the next one; a second serve is refused while the first lives; a holder note
 * naming a live but unrelated pid decides nothing), and the CLI sends the API token and the passphrase only to a
 * listener that proved it holds the token: a program squatting a dead serve's port receives neither, nor the code
 * of the command, and a client whose serve dies between two calls verifies its next connection afresh
 * (SECURITY.md, local API).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, startServe, tempDataDir } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { TEST_PASSPHRASE } from '../helpers/cluster.ts';
import { DataDirLock, HOLDER_FILE, LOCK_FILE, dataDirInUse } from '../../electron/core/data-dir-lock.ts';
import { helloProof } from '../../electron/host/api-hello.ts';
import { count, figure, reportFor } from './report.ts';

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

/** A program that took a dead serve's port: records every byte it is sent and answers as `behaviour` says. */
interface Squatter {
  received(): string;
  close(): Promise<void>;
}

type Behaviour = 'wrong-proof' | 'plain-ok' | 'not-found' | 'silent-close';

async function squat(port: number, behaviour: Behaviour): Promise<Squatter> {
  let received = '';
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!/\r\n\r\n/.test(received)) return;
      const send = (status: string, body: string) =>
        socket.write(
          `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      if (behaviour === 'wrong-proof') {
        // The right shape, computed with a token of its own: what a squatter who studied the protocol can do.
        const nonce = /"nonce":"([0-9a-f]{64})"/.exec(received)?.[1] ?? '00'.repeat(32);
        send('200 OK', JSON.stringify({ proof: helloProof(randomBytes(32).toString('hex'), port, nonce) }));
      } else if (behaviour === 'plain-ok') {
        send('200 OK', JSON.stringify({ ok: true, value: { state: 'locked' } }));
      } else if (behaviour === 'not-found') {
        send('404 Not Found', '{}');
      } else socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('a squatted API port receives neither the token nor the passphrase, and the CLI says so', async () => {
  // A vault, then a serve without the passphrase: the vault is locked, so the CLI would have to send it.
  const dir = tempDataDir();
  const init = await runCli(['--data', dir, '--json', 'init', '--name', 'Sam'], {
    env: { TESSERA_PASSPHRASE: TEST_PASSPHRASE },
  });
  assert.equal(init.code, 0, init.stderr);
  const s = await serve(dir);
  const token = s.token;
  const endpoint = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as { port: number; token: string };
  assert.equal(endpoint.token, token);
  await kill(s); // api.json stays behind, naming a port nobody owns now
  const inviteCode = 'TESSERA-INVITE:this-code-must-not-leak';
  const secrets = [token, TEST_PASSPHRASE, inviteCode, 'authorization', 'vault.unlock'];

  // The dead serve's lock is free: the CLI does not even knock on the port.
  {
    const squatter = await squat(endpoint.port, 'plain-ok');
    try {
      const r = await runCli(['--data', dir, '--json', 'pair', inviteCode], {
        env: { TESSERA_PASSPHRASE: TEST_PASSPHRASE },
      });
      assert.equal(r.code, 1);
      assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'NO_DAEMON');
      assert.equal(squatter.received(), '', 'nothing at all reached the squatter');
      count('squatter runs: lock free, nothing sent');
    } finally {
      await squatter.close();
    }
  }

  // Another process holds the data dir (the desktop app, a serve that hung) while a program squats the port:
  // the CLI knocks, the squatter cannot prove it knows the token, and it gets nothing secret.
  const holder = DataDirLock.acquire(dir);
  try {
    for (const behaviour of ['wrong-proof', 'plain-ok', 'not-found', 'silent-close'] as const) {
      for (const args of [['friends'], ['pair', inviteCode], ['pair', '-'], ['item', 'list']]) {
        const squatter = await squat(endpoint.port, behaviour);
        try {
          const r = await runCli(['--data', dir, '--json', ...args], {
            env: { TESSERA_PASSPHRASE: TEST_PASSPHRASE },
            input: `${inviteCode}\n`,
          });
          const what = `${behaviour} / ${args.join(' ')}`;
          assert.equal(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
          const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
          assert.equal(error.code, 'NO_DAEMON', what);
          assert.match(error.message, /is not this data dir's `tessera serve`/, what);
          assert.match(error.message, /Nothing was sent to it: no token, no passphrase/, what);
          assert.match(error.message, new RegExp(`port ${endpoint.port}`), what);
          const got = squatter.received();
          assert.match(got, /^POST \/api\/hello HTTP\/1\.1\r\n/, `${what}: the hello is all it got`);
          for (const secret of secrets)
            assert.ok(!got.toLowerCase().includes(secret.toLowerCase()), `${what}: "${secret}" leaked`);
          count('squatter runs: refused before any secret');
        } finally {
          await squatter.close();
        }
      }
    }
  } finally {
    holder.release();
  }
  figure('secrets checked per squatter run', secrets.length);
});

test('a serve that dies between two calls of one client: the next connection is verified, the squatter refused', async () => {
  const s = await serve();
  assert.ok((await s.client.call('app.status', {})).version, 'the first call goes through');
  const port = s.port;
  await kill(s);
  const squatter = await squat(port, 'wrong-proof');
  try {
    await assert.rejects(s.client.call('app.status', {}), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'NO_DAEMON');
      assert.match(err.message, /Nothing was sent to it/);
      return true;
    });
    const got = squatter.received();
    assert.match(got, /^POST \/api\/hello HTTP\/1\.1\r\n/);
    assert.ok(!got.includes(s.token), 'the token never reached the squatter');
    assert.ok(!/authorization/i.test(got));
    count('squatter runs: refused before any secret');
  } finally {
    await squatter.close();
  }
});
