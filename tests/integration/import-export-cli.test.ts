/**
 * `tessera import` and `tessera export` as scripts use them: a real `tessera serve`, every step a separate CLI
 * process with `--json`, outputs checked against the public schemas, files written the way each application writes
 * them (the KDBX built with kdbxweb).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CliError,
  CliExport,
  CliImport,
  CliItem,
  CliItemList,
  CliStatus,
} from '../../shared/api/cli-output.ts';
import { runCli, startServe, tempDataDir } from '../helpers/serve-process.ts';
import { cli, CLI_ENV } from '../helpers/cli-json.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { FAST_MESH_ENV } from '../helpers/cluster.ts';
import { KDBX_PASSWORD, KEEPASSXC_CSV, buildKdbx } from '../unit/import/fixtures.ts';

const running: ServeProcess[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

const env = CLI_ENV;

async function cliError(dir: string, args: string[], input?: string) {
  const result = await runCli(['--data', dir, '--json', ...args], {
    env,
    ...(input !== undefined ? { input } : {}),
  });
  assert.equal(result.code, 1, result.stderr);
  return { ...CliError.parse(JSON.parse(result.stdout)).error, stderr: result.stderr };
}

test(
  'import a KeePassXC CSV and a KDBX through serve, export, and read the export back into another vault',
  { timeout: 120_000 },
  async () => {
    const s = await startServe({ env: FAST_MESH_ENV });
    running.push(s);
    const dir = s.dataDir;
    await cli(dir, CliStatus, ['init', '--name', 'Ann']);
    await cli(dir, CliItem, ['item', 'add', 'Mail'], 'm@il-pass');
    const work = tempDataDir('tessera-files');

    const csv = join(work, 'keepassxc.csv');
    writeFileSync(csv, KEEPASSXC_CSV);
    const declined = await runCli(['--data', dir, '--json', 'import', csv, '--from', 'keepass'], {
      env,
      input: 'n\n',
    });
    assert.equal(declined.code, 0);
    assert.deepEqual(CliImport.parse(JSON.parse(declined.stdout)), {
      imported: 0,
      duplicates: 1,
      skipped: 0,
    });
    // The TOTP setup is an item of its own; user names and URLs fill the logins' fields, not the notes.
    assert.match(declined.stderr, /KeePassXC CSV: 3 entries; 2 will be added/);
    // The kinds of what will be added (the duplicate Mail login is not counted).
    assert.match(declined.stderr, /^To be added: 1 login, 1 one-time code\.$/m);
    assert.match(declined.stderr, /already in the vault.*\n {2}Mail/);
    assert.doesNotMatch(declined.stderr, /Put into the notes/);
    assert.deepEqual(await cli(dir, CliImport, ['import', csv, '--from', 'keepass', '--yes']), {
      imported: 2,
      duplicates: 1,
      skipped: 0,
    });

    const kdbx = join(work, 'ann.kdbx');
    writeFileSync(kdbx, await buildKdbx());
    const before = await cli(dir, CliItemList, ['item', 'list']);
    const wrong = await cliError(
      dir,
      ['import', kdbx, '--from', 'keepass', '--password-stdin', '--yes'],
      'nope\n',
    );
    assert.equal(wrong.code, 'WRONG_PASSPHRASE');
    const foreign = await cliError(dir, ['import', csv, '--from', '1password', '--yes']);
    assert.match(foreign.message, /unknown columns "Group".*unchanged/);
    assert.deepEqual(await cli(dir, CliItemList, ['item', 'list']), before, 'failures change nothing');
    const kdbxImport = await runCli(
      ['--data', dir, '--json', 'import', kdbx, '--from', 'keepass', '--password-stdin'],
      { env, input: `${KDBX_PASSWORD}\ny\n` },
    );
    assert.equal(kdbxImport.code, 0, kdbxImport.stderr);
    assert.deepEqual(
      CliImport.parse(JSON.parse(kdbxImport.stdout)),
      // Its Mail login and Mail one-time code are the CSV's (same title and secret).
      { imported: 1, duplicates: 2, skipped: 0 },
    );
    assert.match(kdbxImport.stderr, /KeePass KDBX 4: 3 entries; 1 will be added\.\nTo be added: 1 login\./);
    const listed = await cli(dir, CliItemList, ['item', 'list']);
    assert.deepEqual(
      listed.map((i) => [i.title, i.kind]),
      [
        ['Mail', 'secret'],
        ['Mail (one-time code)', 'totp'],
        ['Router', 'login'],
        ['VPN', 'login'],
      ],
    );
    const titles = listed.map((i) => i.title);

    const out = join(work, 'vault.tessera');
    assert.deepEqual(
      await cli(dir, CliExport, ['export', '--out', out, '--password-stdin'], 'export pass\n'),
      {
        out,
        items: 4,
        encrypted: true,
      },
    );
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(readFileSync(out).subarray(0, 14).toString(), 'TESSERA-EXPORT');

    const plainOut = join(work, 'plain.json');
    const refused = await cliError(dir, ['export', '--out', plainOut, '--plain'], 'n\n');
    assert.match(refused.stderr, /NOT encrypted/);
    const plain = await cli(dir, CliExport, ['export', '--out', plainOut, '--plain', '--yes']);
    assert.equal(plain.encrypted, false);
    assert.equal(statSync(plainOut).mode & 0o777, 0o600);

    // Another vault, opened directly (no serve): the export reads back to the same items.
    const other = tempDataDir('tessera-other');
    await cli(other, CliStatus, ['init', '--name', 'Ann']);
    assert.deepEqual(
      await cli(
        other,
        CliImport,
        ['import', out, '--from', 'tessera', '--password-stdin', '--yes'],
        'export pass\n',
      ),
      { imported: 4, duplicates: 0, skipped: 0 },
    );
    for (const title of titles) {
      const a = await cli(dir, CliItem, ['item', 'get', title]);
      const b = await cli(other, CliItem, ['item', 'get', title]);
      assert.deepEqual({ ...b, id: a.id }, a);
    }
  },
);
