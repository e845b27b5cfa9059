/**
 * Consent on the custodian's side of a recovery: scanning the code and choosing the friend only says hello (both
 * screens show the comparison code); the piece travels only after the person confirms. An approval that is not
 * confirmed in time expires having sent nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { acceptHolding, pair, sleep, startPeer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { Peer } from '../helpers/cluster.ts';
import { figure, reportFor } from './report.ts';
import { startServe } from '../helpers/serve-process.ts';
import { FAST_MESH_ENV } from '../helpers/cluster.ts';

reportFor('recovery-consent');

const APPROVAL_MS = 3_000;
const peers: Peer[] = [];
after(async () => {
  await Promise.all(peers.map((p) => p.serve.stop()));
});

async function start(name: string): Promise<Peer> {
  const peer = await startPeer(name, { env: { TESSERA_RECOVERY_APPROVAL_MS: String(APPROVAL_MS) } });
  peers.push(peer);
  return peer;
}

test(
  'an approval left unconfirmed sends nothing and expires; a confirmed one delivers',
  { timeout: 180_000 },
  async () => {
    const owner = await start('Olga');
    const [kim, lee] = [await start('Kim'), await start('Lee')];
    for (const c of [kim, lee]) await pair(owner, c);
    await owner.client.call('backup.create', { custodians: [kim.peerId, lee.peerId], threshold: 2 });
    for (const c of [kim, lee]) await acceptHolding(c, owner);
    await waitFor('both custodians to hold the backup', async () => {
      const s = await owner.client.call('backup.status', {});
      return s.custodians.every((c) => c.state === 'delivered');
    });
    await owner.serve.stop();
    peers.splice(peers.indexOf(owner), 1);

    const device = await startPeerlessDevice();
    const { code } = await device.client.call('recovery.start', {
      passphrase: 'a passphrase for the new device',
    });

    // Kim scans and picks Olga, but never confirms.
    const pending = await kim.client.call('recovery.approve', { code, friendPeerId: owner.peerId });
    assert.equal(pending.state, 'awaiting-confirmation');
    const seen = await waitFor('the device to see Kim connected', async () => {
      const s = await device.client.call('recovery.status', {});
      return s.custodians.length > 0 ? s : null;
    });
    assert.equal(seen.have, 0, 'a hello carries no piece');
    assert.equal(
      seen.custodians[0]?.comparisonCode,
      pending.comparisonCode,
      'both screens show the same code',
    );
    assert.ok((await kim.client.call('requests.list', {})).some((r) => r.kind === 'recovery'));

    await sleep(APPROVAL_MS + 500);
    const late = await kim.client.call('recovery.confirm', { id: pending.id }).then(
      () => null,
      (err: Error & { code?: string }) => err,
    );
    assert.ok(late, 'confirming after the window is refused');
    assert.equal(late.code, 'EXPIRED');
    assert.match(late.message, /nothing was sent/);
    const arrivedUnconfirmed = (await device.client.call('recovery.status', {})).have;
    assert.equal(arrivedUnconfirmed, 0, 'nothing arrived');

    // Lee approves and confirms in time: the path works, so the refusal above was consent, not a broken link.
    const lees = await lee.client.call('recovery.approve', { code, friendPeerId: owner.peerId });
    const sent = await lee.client.call('recovery.confirm', { id: lees.id });
    assert.equal(sent.state, 'sent');
    await device.client.call('recovery.judge', { peerId: lee.peerId, match: true });
    const after1 = await waitFor('Lee’s piece to arrive', async () => {
      const s = await device.client.call('recovery.status', {});
      return s.have === 1 ? s : null;
    });
    assert.equal(after1.need, 2);
    figure('unconfirmed approvals that expired', 1);
    figure('pieces that arrived without confirmation', 0);
    figure('confirmed approvals delivered', after1.have);

    async function startPeerlessDevice() {
      const serve = await startServe({ env: FAST_MESH_ENV });
      const peer: Peer = { name: 'New device', serve, client: serve.client, peerId: '', listen: '' };
      peers.push(peer);
      return peer;
    }
  },
);
