/**
 * A forgotten passphrase (PROTOCOL §11.6, docs/STORAGE.md "Forgotten passphrase") with real `tessera serve`
 * processes on loopback: Olivia's device has a vault backed up 2-of-2 with Ana and Ben, and holds a piece for Ana.
 * She forgets her passphrase and starts a recovery on the same device; the vault is kept aside. The serve process is
 * SIGKILLed mid-recovery (a piece stored and confirmed): after the restart the vault is still there, the session
 * resumes, and cancelling brings the vault back (the old passphrase opens it, items and held piece intact). In a second
 * recovery a valid split of another owner, confirmed by mistake, is never restored over this identity; the real one is
 * SIGKILLed just before `finish`, resumed, and restores the same identity over the kept vault:
 * the friends, the piece held for Ana and the mesh carry on; the new passphrase opens it, the old one no longer
 * does; the backup is re-shared under a new key; and a passphrase change afterwards re-seals every row.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { acceptHolding, FAST_MESH_ENV, pair, startPeer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { Participant, Peer } from '../helpers/cluster.ts';
import { runCli, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import type { TesseraClient } from '../../shared/api/client.ts';
import { spawn } from 'node:child_process';
import { testEnv } from '../helpers/serve-process.ts';
import { fakeOwnerPieces } from './recovery-lan-peers.ts';
import type { Lan } from './recovery-lan-hosts.ts';

const OLD = 'correct horse battery staple';
const NEW = 'a brand new passphrase, remembered';
const running = new Set<{ stop(): Promise<unknown> }>();
after(async () => {
  await Promise.all([...running].map((s) => s.stop()));
});

async function items(client: TesseraClient) {
  const list = await client.call('items.list', {});
  const full = await Promise.all(list.map((i) => client.call('items.get', { id: i.id })));
  return full
    .map((i) => ({ id: i.id, title: i.title, secret: i.secret }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** A custodian approves the code and, having compared the code, sends; the device confirms the same code. */
async function helps(
  custodian: Participant,
  owner: string,
  device: TesseraClient,
  code: string,
): Promise<void> {
  const approval = await custodian.client.call('recovery.approve', { code, friendPeerId: owner });
  const seen = await waitFor(`${custodian.name}'s code on the device`, async () => {
    const s = await device.call('recovery.status', {});
    return s.custodians.find((c) => c.peerId === custodian.peerId) ?? null;
  });
  assert.equal(seen.comparisonCode, approval.comparisonCode);
  const sent = await custodian.client.call('recovery.confirm', { id: approval.id });
  assert.equal(sent.state, 'sent');
  await waitFor(`${custodian.name}'s piece to arrive`, async () => {
    const s = await device.call('recovery.status', {});
    return s.custodians.some((c) => c.peerId === custodian.peerId && c.state !== 'connected');
  });
  await device.call('recovery.judge', { peerId: custodian.peerId, match: true });
}

/** The planted peers run as separate processes on loopback (the only part of a `Lan` they use). */
const loopback = {
  spawnPeer: (script: string, args: string[]) =>
    spawn(process.execPath, [script, ...args], { env: testEnv(), stdio: ['pipe', 'pipe', 'pipe'] }),
} as Pick<Lan, 'spawnPeer'> as Lan;

async function restart(dataDir: string, listen: string): Promise<ServeProcess> {
  const serve = await startServe({ dataDir, listen, env: FAST_MESH_ENV });
  running.add(serve);
  return serve;
}

test(
  'a forgotten passphrase: the vault kept aside survives SIGKILL, comes back on cancel, and is replaced only by a restore of the same identity',
  { timeout: 240_000 },
  async (t) => {
    const [olivia, ana, ben] = (await Promise.all(['Olivia', 'Ana', 'Ben'].map((n) => startPeer(n)))) as [
      Peer,
      Peer,
      Peer,
    ];
    for (const p of [olivia, ana, ben]) running.add(p.serve);
    await pair(olivia, ana);
    await pair(olivia, ben);
    await pair(ana, ben);
    // Olivia holds a piece for Ana: it must survive everything below.
    await ana.client.call('backup.create', { custodians: [olivia.peerId, ben.peerId], threshold: 2 });
    await acceptHolding(olivia, ana);
    await acceptHolding(ben, ana);
    for (const it of [
      { title: 'Bank', secret: 'pin 2468' },
      { title: 'Email', secret: 'hunter2' },
    ])
      await olivia.client.call('items.create', it);
    await olivia.client.call('backup.create', { custodians: [ana.peerId, ben.peerId], threshold: 2 });
    await acceptHolding(ana, olivia);
    await acceptHolding(ben, olivia);
    await waitFor('both backups delivered', async () => {
      const [o, a] = await Promise.all([
        olivia.client.call('backup.status', {}),
        ana.client.call('backup.status', {}),
      ]);
      return [o, a].every(
        (s) => s.custodians.length === 2 && s.custodians.every((c) => c.state === 'delivered'),
      );
    });
    const original = await items(olivia.client);
    assert.equal(original.length, 2);
    assert.deepEqual(
      (await olivia.client.call('held.list', {})).map((h) => h.ownerPeerId),
      [ana.peerId],
    );
    await olivia.client.call('vault.lock', {});
    let device = olivia.serve;

    await t.test(
      'a locked vault is not replaced unless the person says they forgot the passphrase',
      async () => {
        await assert.rejects(
          device.client.call('recovery.start', { passphrase: NEW }),
          (e: { code: string; message: string }) => e.code === 'VAULT_EXISTS' && /--forgot/.test(e.message),
        );
        // The CLI asks first; answering no starts nothing.
        const no = await runCli(['--data', olivia.serve.dataDir, '--json', 'recover', 'start', '--forgot'], {
          env: { ...FAST_MESH_ENV, TESSERA_PASSPHRASE: NEW },
          input: 'n\n',
        });
        assert.notEqual(no.code, 0);
        assert.match(no.stderr, /Olivia's vault .* kept aside/s);
        assert.equal((await device.client.call('app.status', {})).state, 'locked');
      },
    );

    await t.test('mid-recovery SIGKILL: the kept vault survives; cancel brings it back', async () => {
      const cli = await runCli(
        ['--data', olivia.serve.dataDir, '--json', 'recover', 'start', '--forgot', '--yes'],
        { env: { ...FAST_MESH_ENV, TESSERA_PASSPHRASE: NEW } },
      );
      assert.equal(cli.code, 0, cli.stderr);
      const { code } = JSON.parse(cli.stdout) as { code: string };
      const status = await device.client.call('app.status', {});
      assert.equal(status.state, 'recovering');
      assert.equal(status.identity?.peerId, olivia.peerId, 'the kept vault is still this identity');
      await assert.rejects(
        device.client.call('vault.unlock', { passphrase: OLD }),
        (e: { code: string }) => e.code === 'CONFLICT',
        'the kept vault stays hidden while the recovery runs',
      );
      await helps(ana, olivia.peerId, device.client, code);
      const mid = await device.client.call('recovery.status', {});
      assert.deepEqual([mid.have, mid.need, mid.keptVault?.peerId], [1, 2, olivia.peerId]);

      await device.kill();
      running.delete(device);
      device = await restart(olivia.serve.dataDir, olivia.listen);
      const cliStatus = await runCli(['--data', olivia.serve.dataDir, '--json', 'recover', 'status'], {
        env: FAST_MESH_ENV,
      });
      assert.equal(cliStatus.code, 0, cliStatus.stderr);
      assert.equal(
        (JSON.parse(cliStatus.stdout) as { keptVault?: { name: string } }).keptVault?.name,
        'Olivia',
      );
      const resumed = await device.client.call('recovery.status', {});
      assert.equal(resumed.state, 'needs-passphrase');
      assert.equal(resumed.keptVault?.name, 'Olivia');
      assert.equal((await device.client.call('app.status', {})).state, 'recovering');

      const cancelled = await device.client.call('recovery.cancel', {});
      assert.equal(cancelled.state, 'none');
      assert.equal((await device.client.call('app.status', {})).state, 'locked');
      await assert.rejects(
        device.client.call('vault.unlock', { passphrase: NEW }),
        (e: { code: string }) => e.code === 'WRONG_PASSPHRASE',
      );
      await device.client.call('vault.unlock', { passphrase: OLD });
      assert.deepEqual(await items(device.client), original);
      assert.deepEqual(
        (await device.client.call('held.list', {})).map((h) => h.ownerPeerId),
        [ana.peerId],
      );
      await device.client.call('vault.lock', {});
    });

    await t.test(
      'another identity is refused; SIGKILL before finish, then the restore replaces the kept vault with the same identity',
      async () => {
        const started = await device.client.call('recovery.start', { passphrase: NEW, forgot: true });
        // Someone who saw the code sends a valid 2-of-2 split of another owner under Ana's and Ben's names; even
        // confirmed by mistake, it never replaces this device's identity.
        const fakes = await fakeOwnerPieces(loopback, started.code, 'Olivia', ['Ana', 'Ben']);
        for (const f of fakes) {
          await waitFor(`the planted piece from ${f.peerId}`, async () =>
            (await device.client.call('recovery.status', {})).custodians.some(
              (c) => c.peerId === f.peerId && c.state === 'verified',
            ),
          );
          await device.client.call('recovery.judge', { peerId: f.peerId, match: true });
        }
        const refused = await waitFor('the other identity to be refused', async () => {
          const s = await device.client.call('recovery.status', {});
          return /for another vault/.test(s.error ?? '') ? s : null;
        });
        assert.notEqual(refused.state, 'ready');
        assert.equal(refused.vault, null);
        for (const f of fakes) await device.client.call('recovery.judge', { peerId: f.peerId, match: false });
        await helps(ana, olivia.peerId, device.client, started.code);
        await helps(ben, olivia.peerId, device.client, started.code);
        const ready = await waitFor('ready', async () => {
          const s = await device.client.call('recovery.status', {});
          return s.state === 'ready' ? s : null;
        });
        assert.equal(ready.vault?.peerId, olivia.peerId);

        await device.kill();
        running.delete(device);
        device = await restart(olivia.serve.dataDir, olivia.listen);
        assert.equal((await device.client.call('app.status', {})).state, 'recovering');
        await assert.rejects(
          device.client.call('recovery.start', { passphrase: OLD }),
          (e: { code: string }) => e.code === 'WRONG_PASSPHRASE',
          'the session is opened by the new passphrase, not the forgotten one',
        );
        await device.client.call('recovery.start', { passphrase: NEW });
        await waitFor(
          'ready again',
          async () => (await device.client.call('recovery.status', {})).state === 'ready',
        );
        const finished = await device.client.call('recovery.finish', {});
        assert.equal(finished.state, 'restored');

        const status = await device.client.call('app.status', {});
        assert.equal(status.state, 'unlocked');
        assert.equal(status.identity?.peerId, olivia.peerId);
        assert.deepEqual(await items(device.client), original);
        assert.deepEqual(
          (await device.client.call('friends.list', {})).map((f) => f.peerId).sort(),
          [ana.peerId, ben.peerId].sort(),
        );
        assert.deepEqual(
          (await device.client.call('held.list', {})).map((h) => h.ownerPeerId),
          [ana.peerId],
          'the piece held for Ana is kept',
        );
        // The mesh runs with the same identity: the re-share under a new key reaches both friends.
        await waitFor('the re-share delivered to Ana and Ben', async () => {
          const b = await device.client.call('backup.status', {});
          return (
            b.configured &&
            b.custodians
              .filter((c) => c.state === 'delivered')
              .map((c) => c.peerId)
              .sort()
              .join() === [ana.peerId, ben.peerId].sort().join()
          );
        });
        // The custodian role carries on: Ana's health check finds her piece and chunks whole on Olivia's device.
        await waitFor("Ana's health check to find her piece with Olivia", async () => {
          const b = await ana.client.call('backup.check', {});
          return b.custodians.find((c) => c.peerId === olivia.peerId)?.health === 'ok';
        });

        await device.client.call('vault.lock', {});
        await assert.rejects(
          device.client.call('vault.unlock', { passphrase: OLD }),
          (e: { code: string }) => e.code === 'WRONG_PASSPHRASE',
        );
        await device.client.call('vault.unlock', { passphrase: NEW });
        // Every sealed row opens under the new vault key (a passphrase change re-seals them all, or fails).
        await device.client.call('vault.changePassphrase', { current: NEW, next: `${NEW}!` });
        assert.deepEqual(await items(device.client), original);
      },
    );
  },
);
