/**
 * The owner's own chunks of a large version live in a pack file (docs/STORAGE.md), between real `tessera serve`
 * processes on loopback. A first backup of ~3 MiB is delivered to one custodian and its chunks are in one pack
 * file. While the owner is stopped that file is deleted; after a restart a second custodian agrees, the push to
 * them finds the chunks missing, the owner builds a version again (same content, the chunks written anew), and both
 * custodians end up holding it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { acceptHolding, dataDirFiles, pair, PeerRoster, TEST_PASSPHRASE } from '../helpers/cluster.ts';
import type { Peer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';

const roster = new PeerRoster();
after(() => roster.stopAll());

const ownPacks = (peer: Peer): string[] => dataDirFiles(peer, 'backup-packs');

test(
  'an owner whose pack file was lost writes its chunks again and delivers',
  { timeout: 240_000 },
  async () => {
    let owner = await roster.start('Olivia');
    const [ana, ben] = (await Promise.all(['Ana', 'Ben'].map((n) => roster.start(n)))) as [Peer, Peer];
    for (const c of [ana, ben]) await pair(owner, c);
    await owner.client.call('items.create', {
      title: 'Scans',
      secret: 'pin 1357',
      attachments: Array.from({ length: 3 }, (_, i) => ({
        name: `scan-${i}.bin`,
        mediaType: 'application/octet-stream',
        dataBase64: randomBytes(1000 * 1024).toString('base64'),
      })),
    });

    const created = await owner.client.call('backup.create', {
      custodians: [ana.peerId, ben.peerId],
      threshold: 2,
    });
    assert.equal(ownPacks(owner).length, 1, 'the first version is in one pack file');
    await acceptHolding(ana, owner);
    await waitFor(
      'Ana to hold the first version',
      async () =>
        (await owner.client.call('backup.status', {})).custodians.find((c) => c.peerId === ana.peerId)
          ?.versionHeld === created.version,
      60_000,
    );

    // While Olivia's Tessera is stopped, her pack file goes (a disk error, a careless clean-up).
    const stopped = await roster.stop(owner);
    const [lost] = ownPacks(stopped);
    rmSync(lost!);
    owner = await roster.start('Olivia', stopped);
    await owner.client.call('vault.unlock', { passphrase: TEST_PASSPHRASE });

    await acceptHolding(ben, owner);
    const repaired = await waitFor(
      'both to hold a version built again',
      async () => {
        const s = await owner.client.call('backup.status', {});
        return s.version > created.version &&
          s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version)
          ? s
          : null;
      },
      120_000,
    );
    assert.match(owner.serve.log(), /Backup chunk [0-9a-f]{12}… is missing locally/);
    const packs = ownPacks(owner);
    assert.equal(packs.length, 1);
    assert.notEqual(packs[0], lost);
    for (const c of [ana, ben]) {
      const held = await c.client.call('held.list', {});
      assert.deepEqual(
        held.map((h) => [h.owner, h.version]),
        [['Olivia', repaired.version]],
      );
    }
  },
);
