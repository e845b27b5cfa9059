/**
 * Moving in and a paper piece through the CLI alone (PROTOCOL §4.4, §11.8, §12): Alice imports a Bitwarden export,
 * backs up to Bob and Carol plus one piece on paper, any 3 of the 3; a re-share makes the first page void; on a fresh
 * device the new page and her two friends' pieces restore her vault, which she exports again. Real `tessera serve`
 * processes, every step a separate CLI process with `--json`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CliAnswered,
  CliBackupCreated,
  CliBackupStatus,
  CliError,
  CliExport,
  CliFriendComparison,
  CliImport,
  CliInvite,
  CliItem,
  CliItemList,
  CliPair,
  CliRecoverApprove,
  CliRecoverFinish,
  CliRecoverStart,
  CliRecoverStatus,
  CliRequests,
  CliStatus,
} from '../../shared/api/cli-output.ts';
import { runCli, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { cli, CLI_ENV } from '../helpers/cli-json.ts';
import { FAST_MESH_ENV } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';

const running: ServeProcess[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

async function serve(): Promise<ServeProcess> {
  const s = await startServe({ env: FAST_MESH_ENV });
  running.push(s);
  return s;
}

test(
  'import, a recovery with one paper piece and two friends, and export, through the CLI alone',
  { timeout: 300_000 },
  async () => {
    const [a, b, c] = await Promise.all([serve(), serve(), serve()]);
    for (const [s, name] of [
      [a, 'Alice'],
      [b, 'Bob'],
      [c, 'Carol'],
    ] as const)
      await cli(s.dataDir, CliStatus, ['init', '--name', name]);
    await waitFor('all three online', async () =>
      (await Promise.all([a, b, c].map((s) => cli(s.dataDir, CliStatus, ['status'])))).every(
        (s) => s.addresses.length > 0,
      ),
    );
    for (const other of [b, c]) {
      const fromAlice = await cli(a.dataDir, CliInvite, ['invite']);
      const fromOther = await cli(other.dataDir, CliInvite, ['invite']);
      const first = await cli(a.dataDir, CliPair, ['pair', fromOther.code]);
      await cli(other.dataDir, CliPair, ['pair', fromAlice.code]);
      await waitFor('the code on both sides', async () => {
        const r = await runCli(['--data', a.dataDir, '--json', 'friends', 'confirm', first.name, '--yes'], {
          env: CLI_ENV,
        });
        return r.code === 0 && CliFriendComparison.parse(JSON.parse(r.stdout)).verified;
      });
      await waitFor('Alice confirmed on their side', async () => {
        const r = await runCli(['--data', other.dataDir, '--json', 'friends', 'confirm', 'Alice', '--yes'], {
          env: CLI_ENV,
        });
        return r.code === 0 && CliFriendComparison.parse(JSON.parse(r.stdout)).verified;
      });
    }
    await cli(a.dataDir, CliItem, ['item', 'add', 'Email'], 'hunter2\n');
    // Moving in: a Bitwarden CSV export (as Bitwarden writes it), imported in one transaction.
    const bitwarden = join(a.dataDir, '..', `bitwarden-${process.pid}.csv`);
    writeFileSync(
      bitwarden,
      [
        'folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp',
        'Games,0,login,Steam,,,0,https://store.steampowered.com,ann,st34m,',
        ',,note,Door code,1234#,,0,,,,',
      ].join('\n'),
    );
    assert.deepEqual(await cli(a.dataDir, CliImport, ['import', bitwarden, '--from', 'bitwarden', '--yes']), {
      imported: 2,
      duplicates: 0,
      skipped: 0,
    });
    rmSync(bitwarden, { force: true });

    // The first backup: Bob, Carol and one page, all three needed. The page goes to a PDF only Alice can read.
    const firstPage = join(a.dataDir, '..', `paper-first-${process.pid}.pdf`);
    const created = await cli(a.dataDir, CliBackupCreated, [
      'backup',
      'create',
      '--custodians',
      'Bob,Carol',
      '--threshold',
      '3',
      '--paper',
      '1',
      '--paper-out',
      firstPage,
    ]);
    assert.equal(created.threshold, 3);
    assert.equal(created.paperOut, firstPage);
    assert.equal(created.paperPieces?.length, 1);
    const firstWords = created.paperPieces![0]!.words;
    assert.equal(firstWords.length, 43);
    assert.equal(readFileSync(firstPage).subarray(0, 5).toString(), '%PDF-');
    assert.equal(statSync(firstPage).mode & 0o777, 0o600);
    assert.deepEqual(
      created.paper?.map((p) => p.state),
      ['current'],
    );
    // The same file is never overwritten.
    const again = await runCli(
      [
        '--data',
        a.dataDir,
        '--json',
        'backup',
        'create',
        '--custodians',
        'Bob,Carol',
        '--threshold',
        '3',
      ].concat(['--paper', '1', '--paper-out', firstPage]),
      { env: CLI_ENV },
    );
    assert.equal(again.code, 1);
    assert.match(CliError.parse(JSON.parse(again.stdout)).error.message, /already exists/);

    for (const custodian of [b, c]) {
      const requests = await waitFor('the holding request', async () => {
        const list = await cli(custodian.dataDir, CliRequests, ['requests']);
        return list.length > 0 ? list : null;
      });
      assert.equal((await cli(custodian.dataDir, CliAnswered, ['accept', requests[0]!.id])).accepted, true);
    }

    // A re-share (the refused run above already made one: make the last one explicitly, words on stdout this time).
    const reshared = await cli(a.dataDir, CliBackupCreated, [
      'backup',
      'create',
      '--custodians',
      'Bob,Carol',
      '--threshold',
      '3',
      '--paper',
      '1',
    ]);
    const words = reshared.paperPieces![0]!.words;
    assert.notDeepEqual(words, firstWords);
    const status = await waitFor('both custodians to hold the newest version', async () => {
      const s = await cli(a.dataDir, CliBackupStatus, ['backup', 'status']);
      return s.custodians.every((x) => x.state === 'delivered' && x.versionHeld === s.version) ? s : null;
    });
    assert.equal(status.paper?.[0]?.state, 'current');
    assert.ok(status.paper!.slice(1).length >= 1, 'the earlier pages are listed');
    assert.ok(status.paper!.slice(1).every((p) => p.state === 'void'));
    const human = await runCli(['--data', a.dataDir, 'backup', 'status'], { env: CLI_ENV });
    assert.match(
      human.stdout,
      /The page printed on \d{4}-\d\d-\d\d \(paper piece \d+\) no longer works: destroy it\./,
    );

    // Alice loses her device. A fresh install: her two friends approve, and she types the page.
    await a.stop();
    running.splice(running.indexOf(a), 1);
    rmSync(a.dataDir, { recursive: true, force: true });
    const fresh = await serve();
    const started = await cli(fresh.dataDir, CliRecoverStart, ['recover', 'start']);
    for (const custodian of [b, c]) {
      const approved = await cli(custodian.dataDir, CliRecoverApprove, [
        'recover',
        'approve',
        started.code,
        '--friend',
        'Alice',
        '--yes',
      ]);
      assert.equal(approved.state, 'sent');
    }
    for (const name of ['Bob', 'Carol'])
      await cli(fresh.dataDir, CliRecoverStatus, ['recover', 'confirm', name, '--yes']);
    const two = await waitFor('both friends counted', async () => {
      const s = await cli(fresh.dataDir, CliRecoverStatus, ['recover', 'status']);
      return s.have === 2 ? s : null;
    });
    assert.deepEqual([two.have, two.need, two.state], [2, 3, 'collecting']);

    // A swap of two words is named, and nothing is kept.
    const swapped = [...words];
    [swapped[4], swapped[5]] = [words[5]!, words[4]!];
    const mistyped = await runCli(['--data', fresh.dataDir, '--json', 'recover', 'paper', '-', '--yes'], {
      env: CLI_ENV,
      input: `${swapped.join(' ')}\n`,
    });
    assert.equal(mistyped.code, 1);
    const error = CliError.parse(JSON.parse(mistyped.stdout)).error;
    assert.deepEqual(
      [error.code, error.message],
      ['INVALID_CODE', 'Words 5 and 6 look swapped: check their order against the page.'],
    );

    // The void page is kept apart: it is of a replaced backup, so it never counts.
    const voided = await cli(
      fresh.dataDir,
      CliRecoverStatus,
      ['recover', 'paper', '-', '--yes'],
      `${firstWords.join(' ')}\n`,
    );
    assert.deepEqual(
      voided.paper?.map((p) => p.state),
      ['waiting'],
    );
    assert.equal(voided.have, 2);

    // The current page, from standard input; the y/N question is answered on the next line.
    const added = await cli(
      fresh.dataDir,
      CliRecoverStatus,
      ['recover', 'paper', '-'],
      `${words.join(' ')}\ny\n`,
    );
    assert.ok(added.paper?.some((p) => p.confirmed && p.threshold === 3));
    const ready = await waitFor('the backup to open', async () => {
      const s = await cli(fresh.dataDir, CliRecoverStatus, ['recover', 'status']);
      return s.state === 'ready' ? s : null;
    });
    assert.deepEqual([ready.have, ready.need], [3, 3]);
    assert.equal(ready.vault?.name, 'Alice');
    assert.deepEqual(ready.paper?.map((p) => p.state).sort(), ['counted', 'waiting']);
    const finished = await cli(fresh.dataDir, CliRecoverFinish, ['recover', 'finish', '--yes']);
    assert.equal(finished.state, 'restored');
    await waitFor(
      'the restored vault to be unlocked',
      async () => (await cli(fresh.dataDir, CliStatus, ['status'])).state === 'unlocked',
    );
    const items = await cli(fresh.dataDir, CliItemList, ['item', 'list']);
    assert.deepEqual(items.map((i) => i.title).sort(), ['Door code', 'Email', 'Steam']);
    // And out again: an encrypted export of the restored vault holds every item.
    const exported = join(fresh.dataDir, '..', `export-${process.pid}.tessera`);
    const out = await cli(
      fresh.dataDir,
      CliExport,
      ['export', '--out', exported, '--password-stdin'],
      'export pass\n',
    );
    assert.deepEqual([out.items, out.encrypted], [3, true]);
    rmSync(exported, { force: true });
    rmSync(firstPage, { force: true });
  },
);
