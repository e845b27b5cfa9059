/**
 * Health checks prove the data, not only the envelope (docs/PROTOCOL.md §9.2, "Health"), between real `tessera
 * serve` processes on loopback: a 2-of-3 backup large enough that custodians keep it in pack files; one custodian's
 * pack file is deleted and another's cut short while they are stopped. The next `backup.check` names both (not
 * "delivered", health "mismatch"), each custodian notices the damage itself, the owner sends the version again, a
 * later check passes, and a recovery from exactly those two repaired custodians restores the vault.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync, truncateSync } from 'node:fs';
import { acceptHolding, dataDirFiles, pair, PeerRoster, TEST_PASSPHRASE } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { Peer } from '../helpers/cluster.ts';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { FAST_MESH_ENV } from '../helpers/cluster.ts';
import type { BackupStatus, CustodianStatus } from '../../shared/api/ops/backup.ts';

const roster = new PeerRoster();
const others: ServeProcess[] = [];
after(async () => {
  await Promise.all([roster.stopAll(), ...others.map((s) => s.stop())]);
});
const start = (name: string, before?: Peer) => roster.start(name, before);
const stop = (peer: Peer) => roster.stop(peer);

const custodian = (s: BackupStatus, id: string): CustodianStatus | undefined =>
  s.custodians.find((c) => c.peerId === id);

const packsOf = (peer: Peer): string[] => dataDirFiles(peer, 'held-packs');

test(
  'a custodian that lost held data is caught by the next check and repaired',
  { timeout: 240_000 },
  async (t) => {
    const owner = await start('Olivia');
    const [ana, ben, cai] = (await Promise.all(['Ana', 'Ben', 'Cai'].map((n) => start(n)))) as [
      Peer,
      Peer,
      Peer,
    ];
    for (const c of [ana, ben, cai]) await pair(owner, c);

    // About 3 MiB of random attachments: a first deposit this large goes into a pack file (docs/STORAGE.md).
    const files = Array.from({ length: 3 }, (_, i) => ({
      name: `scan-${i}.bin`,
      mediaType: 'application/octet-stream',
      dataBase64: randomBytes(1000 * 1024).toString('base64'),
    }));
    const item = await owner.client.call('items.create', {
      title: 'Scans',
      secret: 'pin 1357',
      attachments: files,
    });

    await t.test('a 2-of-3 backup is delivered and every custodian passes a check', async () => {
      await owner.client.call('backup.create', {
        custodians: [ana, ben, cai].map((c) => c.peerId),
        threshold: 2,
      });
      for (const c of [ana, ben, cai]) await acceptHolding(c, owner);
      await waitFor(
        'all three to hold the backup',
        async () => {
          const s = await owner.client.call('backup.status', {});
          return s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version);
        },
        60_000,
      );
      for (const c of [ana, ben, cai]) assert.equal(packsOf(c).length, 1, `${c.name} keeps a pack file`);
      const checked = await owner.client.call('backup.check', {});
      for (const c of checked.custodians)
        assert.deepEqual([c.name, c.health, c.state], [c.name, 'ok', 'delivered']);
    });

    await t.test('a deleted and a truncated pack file are named by the next check', async () => {
      const anaBefore = await stop(ana);
      const benBefore = await stop(ben);
      for (const p of packsOf(anaBefore)) rmSync(p);
      for (const p of packsOf(benBefore)) truncateSync(p, Math.floor(statSync(p).size / 2));
      Object.assign(ana, await start('Ana', anaBefore));
      Object.assign(ben, await start('Ben', benBefore));

      const checked = await owner.client.call('backup.check', {});
      for (const c of [ana, ben]) {
        const row = custodian(checked, c.peerId);
        assert.equal(row?.health, 'mismatch', `${c.name}: ${JSON.stringify(row)}`);
        assert.notEqual(row?.state, 'delivered');
        assert.match(
          row?.lastError ?? '',
          new RegExp(`${c.name} could not prove they still hold your backup's data`),
        );
        // The custodian noticed too, and dropped the broken version rather than keep claiming it.
        assert.match(c.serve.log(), /Olivia's backup is damaged or missing here/);
      }
      assert.equal(custodian(checked, cai.peerId)?.health, 'ok');
      assert.equal(custodian(checked, cai.peerId)?.state, 'delivered');
    });

    await t.test('the owner sends the data again and a later check passes', async () => {
      const repaired = await waitFor(
        'Ana and Ben to hold the backup again',
        async () => {
          const s = await owner.client.call('backup.status', {});
          return s.custodians.every(
            (c) => c.state === 'delivered' && c.health === 'ok' && c.versionHeld === s.version,
          )
            ? s
            : null;
        },
        60_000,
      );
      for (const c of [ana, ben]) {
        const held = await c.client.call('held.list', {});
        assert.deepEqual(
          held.map((h) => [h.owner, h.version]),
          [['Olivia', repaired.version]],
        );
      }
      const checked = await owner.client.call('backup.check', {});
      for (const c of checked.custodians)
        assert.deepEqual([c.name, c.health, c.state], [c.name, 'ok', 'delivered']);
      assert.equal(checked.version, repaired.version, 'the same version, sent again: no new one was needed');
    });

    await t.test('a recovery from the two repaired custodians alone restores the vault', async () => {
      await stop(cai); // so every chunk must come from Ana and Ben
      const gone = await stop(owner);
      rmSync(gone.serve.dataDir, { recursive: true, force: true });
      const fresh = await startServe({ env: FAST_MESH_ENV });
      others.push(fresh);
      const { code } = await fresh.client.call('recovery.start', { passphrase: TEST_PASSPHRASE });
      for (const c of [ana, ben]) {
        const approval = await c.client.call('recovery.approve', { code, friendPeerId: owner.peerId });
        await c.client.call('requests.accept', { id: approval.id });
        await fresh.client.call('recovery.judge', { peerId: c.peerId, match: true });
      }
      await waitFor(
        'the backup to open',
        async () => (await fresh.client.call('recovery.status', {})).state === 'ready',
      );
      await fresh.client.call('recovery.finish', {});
      const status = await waitFor(
        'the vault to be restored',
        async () => {
          const s = await fresh.client.call('app.status', {});
          return s.state === 'unlocked' ? s : null;
        },
        90_000,
      );
      assert.equal(status.identity?.peerId, owner.peerId);
      const restored = await fresh.client.call('items.get', { id: item.id });
      assert.equal(restored.secret, 'pin 1357');
      assert.equal(restored.attachments.length, files.length);
      for (const [i, a] of restored.attachments.entries()) {
        const content = await fresh.client.call('items.attachment', { id: item.id, attachmentId: a.id });
        assert.equal(content.dataBase64, files[i]!.dataBase64, `attachment ${i} restored byte for byte`);
      }
    });
  },
);
