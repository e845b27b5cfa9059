/**
 * Storage refusals at the process level: a real `tessera serve` (and `tessera status`) pointed at a corrupt
 * database or at one written by a newer version exits with DATABASE_CORRUPT / DATABASE_TOO_NEW and leaves every
 * database file byte-identical. The store's own refusals are unit-tested in tests/unit/store/refuse.test.ts; the
 * 100-SIGKILL deposit test is tests/integration/store-crash.test.ts (TESSERA_FULL=1), and custodian/owner kills
 * during backup delivery are in faults.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/serve-process.ts';
import { startPeer } from '../helpers/adversary.ts';
import { MIGRATIONS } from '../../electron/core/store/migrations/index.ts';
import { count, figure, reportFor } from './report.ts';

reportFor('storage');

function files(dir: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const f of ['tessera.db', 'tessera.db-wal', 'tessera.db-journal', 'tessera.db-shm'])
    out[f] = existsSync(join(dir, f)) ? readFileSync(join(dir, f)).toString('base64') : null;
  return out;
}

/** Runs the CLI with a deadline (a serve that started by mistake would otherwise run forever). */
async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      runCli(args),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`tessera ${args.join(' ')} did not exit`)), 30_000);
      }),
    ]);
    return { code: r.code, out: r.stdout + r.stderr };
  } finally {
    clearTimeout(timer);
  }
}

test('a corrupt or newer database is refused by serve and status, and left byte-identical', async () => {
  const peer = await startPeer('Stella');
  await peer.serve.client.call('items.create', { title: 'Bank', secret: 'pin 9999' });
  await peer.serve.stop();
  const pristine = peer.serve.dataDir;

  const variants: [string, (dir: string) => void, string][] = [
    [
      'broken pages',
      (dir) => {
        const p = join(dir, 'tessera.db');
        const b = readFileSync(p);
        for (let i = 4096; i < b.length; i += 997) b[i] = b[i]! ^ 0xff;
        writeFileSync(p, b);
      },
      'DATABASE_CORRUPT',
    ],
    [
      'not SQLite at all',
      (dir) => writeFileSync(join(dir, 'tessera.db'), Buffer.from('this is not a database '.repeat(400))),
      'DATABASE_CORRUPT',
    ],
    [
      'written by a newer version',
      (dir) => {
        const db = new Database(join(dir, 'tessera.db'));
        db.pragma(`user_version = ${MIGRATIONS.length + 7}`);
        db.close();
      },
      'DATABASE_TOO_NEW',
    ],
  ];
  for (const [name, damage, code] of variants) {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-adv-db-'));
    cpSync(pristine, dir, { recursive: true });
    for (const f of ['api.json', 'tessera.lock'])
      if (existsSync(join(dir, f))) writeFileSync(join(dir, f), '');
    damage(dir);
    const before = files(dir);
    const serve = await cli([
      '--data',
      dir,
      '--json',
      'serve',
      '--ui-port',
      '0',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
    ]);
    assert.notEqual(serve.code, 0, `${name}: serve must not start`);
    assert.match(serve.out, new RegExp(code), `${name}: ${serve.out.slice(0, 400)}`);
    const status = await cli(['--data', dir, '--json', 'status']);
    assert.notEqual(status.code, 0);
    assert.match(status.out, new RegExp(code), `${name} (status): ${status.out.slice(0, 400)}`);
    assert.deepEqual(files(dir), before, `${name}: the database files changed`);
    count('damaged databases refused and untouched');
  }
  figure('refusal codes', variants.map(([n, , c]) => `${n} → ${c}`).join('; '));
});
