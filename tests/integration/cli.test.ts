/**
 * The `tessera` CLI as scripts use it: real `tessera serve` processes, every step a separate CLI process with
 * `--json`, every output checked against the public schemas in shared/api/cli-output.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CliAnswered,
  CliBackupStatus,
  CliError,
  CliFriendComparison,
  CliFriends,
  CliPendingFriends,
  CliHeld,
  CliInvite,
  CliItem,
  CliItemList,
  CliPair,
  CliRequests,
  CliStatus,
  CliDeleted,
  CliRecoverApprove,
  CliRecoverCancelled,
  CliRecoverStart,
  CliRecoverFinish,
  CliRecoverStatus,
} from '../../shared/api/cli-output.ts';
import { rmSync } from 'node:fs';
import { runCli, startServe, tempDataDir } from '../helpers/serve-process.ts';
import { cli, CLI_ENV } from '../helpers/cli-json.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { FAST_MESH_ENV } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';

const running: ServeProcess[] = [];
after(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

const env = CLI_ENV;

/** Runs a command that must fail, returning the error code from its JSON output and the exit code. */
async function cliError(dir: string, args: string[], extraEnv: Record<string, string> = env) {
  const result = await runCli(['--data', dir, '--json', ...args], { env: extraEnv });
  const body = CliError.parse(JSON.parse(result.stdout));
  return { exit: result.code, code: body.error.code, message: body.error.message };
}

async function serve(): Promise<ServeProcess> {
  // The daemon starts on an empty data dir; the CLI then creates the vault through it.
  const s = await startServe({ env: FAST_MESH_ENV });
  running.push(s);
  return s;
}

test(
  'pair, back up, update, recover and inspect three nodes through the CLI alone',
  { timeout: 420_000 },
  async () => {
    const [a, b, c] = await Promise.all([serve(), serve(), serve()]);
    const names = ['Alice', 'Bob', 'Carol'];
    for (const [i, s] of [a, b, c].entries()) {
      const status = await cli(s.dataDir, CliStatus, ['init', '--name', names[i] as string]);
      assert.equal(status.name, names[i]);
      assert.equal(status.state, 'unlocked');
      assert.match(status.peerId ?? '', /^12D3KooW/);
    }
    await waitFor('all three online', async () => {
      const statuses = await Promise.all([a, b, c].map((s) => cli(s.dataDir, CliStatus, ['status'])));
      return statuses.every((s) => s.addresses.length > 0);
    });

    // Alice pairs with Bob and with Carol: each side accepts the other's code.
    for (const other of [b, c]) {
      const fromAlice = await cli(a.dataDir, CliInvite, ['invite']);
      const fromOther = await cli(other.dataDir, CliInvite, ['invite']);
      const first = await cli(a.dataDir, CliPair, ['pair', fromOther.code]);
      // Until the other side accepts, Alice's pairing is listed as waiting; there is no code before pairing.
      assert.equal(first.state, 'waiting');
      assert.equal(first.comparisonCode, '');
      const waiting = await cli(a.dataDir, CliPendingFriends, ['friends', 'pending']);
      assert.deepEqual(
        waiting.map((p) => [p.peerId, p.comparisonCode]),
        [[first.peerId, first.comparisonCode]],
      );
      assert.ok(Date.parse(waiting[0]!.giveUpAt) > Date.parse(waiting[0]!.since));
      // The code as an argument (Bob), or on standard input so it never shows in `ps` (Carol: `-`).
      const second =
        other === b
          ? await cli(other.dataDir, CliPair, ['pair', fromAlice.code])
          : await cli(other.dataDir, CliPair, ['pair', '-'], `${fromAlice.code}\n`);
      assert.equal(second.state, 'paired');
      assert.match(second.comparisonCode, /^\d{6}$/, 'the devices compared codes as the pairing completed');
      // Both people read the code to each other and confirm it (the other's screen shows the same).
      const theirs = await waitFor('Alice to see the same code', async () => {
        const f = (await cli(a.dataDir, CliFriends, ['friends'])).find((x) => x.peerId === first.peerId);
        return f?.comparisonCode === second.comparisonCode ? f : null;
      });
      assert.equal(theirs.verified, false);
      const mine = await cli(a.dataDir, CliFriendComparison, ['friends', 'confirm', first.name], 'y\n');
      assert.deepEqual([mine.comparisonCode, mine.verified], [second.comparisonCode, true]);
      const other_ = await cli(other.dataDir, CliFriendComparison, ['friends', 'confirm', 'Alice', '--yes']);
      assert.equal(other_.verified, true);
    }
    const friends = await waitFor('Alice to list both friends', async () => {
      const list = await cli(a.dataDir, CliFriends, ['friends']);
      return list.length === 2 ? list : null;
    });
    assert.deepEqual(friends.map((f) => f.name).sort(), ['Bob', 'Carol']);
    assert.deepEqual(await cli(a.dataDir, CliPendingFriends, ['friends', 'pending']), []);

    await cli(a.dataDir, CliItem, ['item', 'add', 'Email'], 'hunter2\n');
    const got = await cli(a.dataDir, CliItem, ['item', 'get', 'Email']);
    assert.equal(got.secret, 'hunter2');

    const created = await cli(a.dataDir, CliBackupStatus, [
      'backup',
      'create',
      '--custodians',
      'Bob,Carol',
      '--threshold',
      '2',
    ]);
    assert.equal(created.threshold, 2);
    assert.deepEqual(
      created.custodians.map((x) => x.state),
      ['requested', 'requested'],
    );

    for (const custodian of [b, c]) {
      const requests = await waitFor('the holding request', async () => {
        const list = await cli(custodian.dataDir, CliRequests, ['requests']);
        return list.length > 0 ? list : null;
      });
      assert.equal(requests[0]?.kind, 'holding');
      assert.equal(requests[0]?.from, 'Alice');
      const answered = await cli(custodian.dataDir, CliAnswered, ['accept', requests[0]?.id as string]);
      assert.equal(answered.accepted, true);
    }
    const delivered = await waitFor('both custodians to confirm', async () => {
      const s = await cli(a.dataDir, CliBackupStatus, ['backup', 'status']);
      return s.custodians.every((x) => x.state === 'delivered' && x.versionHeld === s.version) ? s : null;
    });

    // An update: a new item makes a new version on both custodians.
    await cli(a.dataDir, CliItem, ['item', 'add', 'Wallet'], 'seed words\n');
    const updated = await waitFor('the new version everywhere', async () => {
      const s = await cli(a.dataDir, CliBackupStatus, ['backup', 'status']);
      return s.version > delivered.version && s.custodians.every((x) => x.versionHeld === s.version)
        ? s
        : null;
    });
    const held = await cli(b.dataDir, CliHeld, ['held']);
    assert.deepEqual(
      held.map((h) => [h.owner, h.version]),
      [['Alice', updated.version]],
    );

    const status = await cli(a.dataDir, CliStatus, ['status']);
    assert.equal(status.friends, 2);
    assert.equal(status.backup?.version, updated.version);
    const list = await cli(a.dataDir, CliItemList, ['item', 'list']);
    assert.deepEqual(list.map((i) => i.title).sort(), ['Email', 'Wallet']);
    const removed = await cli(a.dataDir, CliDeleted, ['item', 'rm', 'Email']);
    assert.equal(removed.deleted, got.id);

    // Errors scripts can rely on.
    const unknown = await cliError(a.dataDir, [
      'backup',
      'create',
      '--custodians',
      'Mallory,Bob',
      '--threshold',
      '2',
    ]);
    assert.deepEqual([unknown.exit, unknown.code], [1, 'UNKNOWN_FRIEND']);
    assert.match(unknown.message, /Mallory/);
    const noItem = await cliError(a.dataDir, ['item', 'get', 'Nope']);
    assert.deepEqual([noItem.exit, noItem.code], [1, 'NOT_FOUND']);

    // Alice loses her device. A fresh install recovers through the CLI with Bob and Carol approving theirs.
    await a.stop();
    running.splice(running.indexOf(a), 1);
    rmSync(a.dataDir, { recursive: true, force: true });
    const fresh = await serve();
    const started = await cli(fresh.dataDir, CliRecoverStart, ['recover', 'start']);
    assert.match(started.code, /^TESSERA-RECOVER:/);
    for (const custodian of [b, c]) {
      // Bob gives the code as an argument with --yes; Carol gives no code argument: the first line of standard
      // input is the code and the next one answers the y/N question, which must still be asked.
      const approved =
        custodian === b
          ? await cli(custodian.dataDir, CliRecoverApprove, [
              'recover',
              'approve',
              started.code,
              '--friend',
              'Alice',
              '--yes',
            ])
          : await cli(
              custodian.dataDir,
              CliRecoverApprove,
              ['recover', 'approve', '--friend', 'Alice'],
              `${started.code}\ny\n`,
            );
      assert.equal(approved.friend, 'Alice');
      assert.equal(approved.state, 'sent');
      assert.ok(approved.comparisonCode.length > 0);
    }
    // On the new device the person confirms each friend's code, sees whose vault it is, and restores it.
    const arrived = await cli(fresh.dataDir, CliRecoverStatus, ['recover', 'status']);
    assert.deepEqual([arrived.have, arrived.need], [0, 0], 'unconfirmed pieces do not count');
    for (const name of ['Bob', 'Carol']) {
      // The code is shown and the y/N question asked: the answer comes on standard input.
      const confirmed = await cli(fresh.dataDir, CliRecoverStatus, ['recover', 'confirm', name], 'y\n');
      assert.equal(confirmed.custodians.find((x) => x.name === name)?.confirmed, true);
    }
    const ready = await waitFor('the fresh device to open the backup', async () => {
      const s = await cli(fresh.dataDir, CliRecoverStatus, ['recover', 'status']);
      return s.state === 'ready' ? s : null;
    });
    assert.deepEqual([ready.have, ready.need], [2, 2]);
    assert.equal(ready.vault?.name, 'Alice');
    assert.deepEqual(ready.custodians.map((x) => [x.name, x.confirmed]).sort(), [
      ['Bob', true],
      ['Carol', true],
    ]);
    const finished = await cli(fresh.dataDir, CliRecoverFinish, ['recover', 'finish', '--yes']);
    assert.equal(finished.state, 'restored');
    const recovered = await cli(fresh.dataDir, CliRecoverStatus, ['recover', 'status']);
    assert.equal(recovered.state, 'restored');
    assert.deepEqual(recovered.custodians.map((x) => x.name).sort(), ['Bob', 'Carol']);
    const restored = await waitFor('the restored vault to be unlocked', async () => {
      const s = await cli(fresh.dataDir, CliStatus, ['status']);
      return s.state === 'unlocked' ? s : null;
    });
    assert.equal(restored.name, 'Alice');
    assert.equal(restored.peerId, status.peerId, 'the same identity is back');
    const restoredItems = await cli(fresh.dataDir, CliItemList, ['item', 'list']);
    assert.deepEqual(
      restoredItems.map((i) => i.title),
      ['Wallet'],
    );
  },
);

test(
  'a locked vault, a missing daemon and bad arguments each get their own answer',
  { timeout: 120_000 },
  async () => {
    const dir = tempDataDir();
    const created = await cli(dir, CliStatus, ['init', '--name', 'Dana']);
    assert.equal(created.state, 'unlocked');

    // No serve runs: store-only commands open the data dir directly; mesh commands say there is no daemon.
    const item = await cli(dir, CliItem, ['item', 'add', 'Note'], 'direct\n');
    assert.equal(item.title, 'Note');
    const noDaemon = await cliError(dir, ['friends']);
    assert.deepEqual([noDaemon.exit, noDaemon.code], [1, 'NO_DAEMON']);
    assert.match(noDaemon.message, /tessera serve/);

    // Without a passphrase and without a terminal the vault stays locked and says how to unlock it.
    const locked = await cliError(dir, ['item', 'list'], {});
    assert.deepEqual([locked.exit, locked.code], [1, 'LOCKED']);
    assert.match(locked.message, /TESSERA_PASSPHRASE/);
    const wrong = await cliError(dir, ['item', 'list'], { TESSERA_PASSPHRASE: 'not the passphrase' });
    assert.equal(wrong.code, 'WRONG_PASSPHRASE');

    for (const args of [
      ['frobnicate'],
      ['init'],
      ['item', 'add'],
      ['status', '--threshold', '3'],
      ['--bogus', 'status'],
      ['pair', '-'], // no code on standard input
      ['recover', 'approve', '--friend', 'Bob'],
    ]) {
      const result = await runCli(['--data', dir, ...args], { env });
      assert.equal(result.code, 2, `tessera ${args.join(' ')} should be a usage error`);
      assert.match(result.stderr, /tessera --help/);
    }
    const empty = await cliError(tempDataDir(), ['item', 'list']);
    assert.equal(empty.code, 'NO_VAULT');

    // A recovery started by mistake is cancelled, and the data dir can get a new vault.
    const fresh = await serve();
    await cli(fresh.dataDir, CliRecoverStart, ['recover', 'start']);
    assert.equal((await cli(fresh.dataDir, CliStatus, ['status'])).state, 'recovering');
    const cancelled = await cli(fresh.dataDir, CliRecoverCancelled, ['recover', 'cancel']);
    assert.equal(cancelled.state, 'none');
    const nothing = await cliError(fresh.dataDir, ['recover', 'cancel']);
    assert.equal(nothing.exit, 1);
    const erin = await cli(fresh.dataDir, CliStatus, ['init', '--name', 'Erin']);
    assert.equal(erin.state, 'unlocked');
  },
);
