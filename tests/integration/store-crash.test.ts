/**
 * Crash test of the store: a child process (this same file, run with TESSERA_CRASH_CHILD=<dataDir>) writes deposits
 * (vault items, through TesseraCore and the contract) in a loop and prints each id once `items.create` returned,
 * i.e. after COMMIT. The parent SIGKILLs it at random moments many times (100 with TESSERA_FULL=1, else 15), then
 * checks `PRAGMA integrity_check` and that every acknowledged id is present and still decrypts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { TesseraCore } from '../../electron/core/core.ts';
import { databasePath } from '../../electron/core/store/store.ts';
import type { Envelope } from '../../shared/api/contract.ts';

const PASSPHRASE = 'crash test passphrase';
const CHILD_ENV = 'TESSERA_CRASH_CHILD';

function valueOf<T>(envelope: Envelope<unknown>): T {
  if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
  return envelope.value as T;
}

/** The child: deposit forever, acknowledging each id on stdout after it committed. */
async function runChild(dataDir: string): Promise<void> {
  const core = await TesseraCore.open({ dataDir });
  valueOf(await core.dispatch('vault.unlock', { passphrase: PASSPHRASE }));
  process.stdout.write('ready\n');
  for (let n = 0; ; n++) {
    const item = valueOf<{ id: string }>(
      await core.dispatch('items.create', {
        title: `deposit ${n}`,
        secret: `secret ${n} ${'x'.repeat(n % 500)}`,
      }),
    );
    process.stdout.write(`ack ${item.id}\n`); // a pipe write: synchronous on Linux, so it is out before the next kill
  }
}

interface Round {
  acked: string[];
  /** The child had started its write loop when it was killed. */
  killedWhileWriting: boolean;
}

/**
 * One child life: spawn, then SIGKILL at a random moment, either during start-up (opening, WAL recovery,
 * migrations, unlock) or a random 0–80 ms into the write loop. Collects the acknowledged ids.
 */
async function oneRound(dataDir: string, duringStartup: boolean): Promise<Round> {
  const child = spawn(process.execPath, [import.meta.filename], {
    env: { ...process.env, [CHILD_ENV]: dataDir, TESSERA_INSECURE_FAST_KDF: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acked: string[] = [];
  let writing = false;
  let buffered = '';
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'ready') {
        writing = true;
        ready();
      } else if (line.startsWith('ack ')) acked.push(line.slice(4));
    }
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );

  if (duringStartup) {
    await Promise.race([sleep(Math.random() * 400), isReady]);
  } else {
    await Promise.race([isReady, exited]);
    await sleep(Math.random() * 80);
  }
  const killedWhileWriting = writing;
  child.kill('SIGKILL');
  const how = await exited;
  assert.equal(how, 'SIGKILL', 'the child was running (not crashed on its own) when killed');
  return { acked, killedWhileWriting };
}

if (process.env[CHILD_ENV]) {
  await runChild(process.env[CHILD_ENV]);
} else {
  test('store survives SIGKILL at random moments: integrity ok, no acknowledged deposit lost', async (t) => {
    const kills = process.env.TESSERA_FULL === '1' ? 100 : 15;
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    process.env.TESSERA_INSECURE_FAST_KDF = '1';

    const setup = await TesseraCore.open({ dataDir });
    valueOf(await setup.dispatch('vault.create', { name: 'Crash', passphrase: PASSPHRASE }));
    await setup.close();

    const acked = new Set<string>();
    let killsMidWrite = 0;
    for (let i = 0; i < kills; i++) {
      const round = await oneRound(dataDir, i % 5 === 4); // every fifth kill lands during start-up
      for (const id of round.acked) acked.add(id);
      if (round.killedWhileWriting) killsMidWrite++;
    }

    const raw = new Database(databasePath(dataDir)); // read-write, so SQLite recovers the WAL as the app would
    const integrity = raw.pragma('integrity_check', { simple: true });
    const present = new Set((raw.prepare('SELECT id FROM items').all() as { id: string }[]).map((r) => r.id));
    raw.close();
    const lost = [...acked].filter((id) => !present.has(id));

    console.log(
      `store-crash: kills=${kills} (mid-write ${killsMidWrite}) acked=${acked.size} stored=${present.size} ` +
        `lost=${lost.length} integrity=${String(integrity)}`,
    );
    assert.equal(integrity, 'ok');
    assert.deepEqual(lost, []);
    assert.ok(acked.size > 0 && killsMidWrite >= kills / 2, 'most kills hit a child that was writing');

    // Every stored deposit still opens under the vault key (no torn ciphertext).
    const core = await TesseraCore.open({ dataDir });
    t.after(() => core.close());
    valueOf(await core.dispatch('vault.unlock', { passphrase: PASSPHRASE }));
    const listed = valueOf<{ id: string }[]>(await core.dispatch('items.list', {}));
    assert.equal(listed.length, present.size);
    const sample = [...acked].slice(-3);
    for (const id of sample)
      assert.match(valueOf<{ secret: string }>(await core.dispatch('items.get', { id })).secret, /^secret /);
  });
}
