/**
 * A custodian who does not send (PROTOCOL §11.3, "Withdraw"), with real `tessera serve` processes on loopback:
 * Olivia's backup is 2-of-2 with Ana and Ben. A new device starts a recovery. Ana says hello, then says the codes do
 * not match: the new device lists her as `declined` at once ("Ana said the codes did not match; nothing was sent"),
 * in the API and in `tessera recover status --json`, and refuses a delivery she did not say hello for again. Ben's
 * approval (a short window) expires unanswered: the new device lists him as `expired`. Ana approves again with a
 * fresh code: she is `connected` again, sends, and her piece counts once confirmed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { acceptHolding, FAST_MESH_ENV, pair, startPeer } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { Peer } from '../helpers/cluster.ts';
import { runCli, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import type { RecoveryCustodian } from '../../shared/api/ops/recovery.ts';

const PASSPHRASE = 'a new passphrase for the new device';
/** Ben's approvals last this long (TESSERA_RECOVERY_APPROVAL_MS): long enough for the hello, short for the test. */
const BEN_WINDOW_MS = 4_000;
const running = new Set<{ stop(): Promise<unknown> }>();
after(async () => {
  await Promise.all([...running].map((s) => s.stop()));
});

test(
  'a custodian who declines or lets the approval expire is shown as such on the new device',
  { timeout: 120_000 },
  async (t) => {
    const olivia = await startPeer('Olivia');
    const ana = await startPeer('Ana');
    const ben = await startPeer('Ben', { env: { TESSERA_RECOVERY_APPROVAL_MS: String(BEN_WINDOW_MS) } });
    for (const p of [olivia, ana, ben]) running.add(p.serve);
    await pair(olivia, ana);
    await pair(olivia, ben);
    await olivia.client.call('backup.create', { custodians: [ana.peerId, ben.peerId], threshold: 2 });
    await acceptHolding(ana, olivia);
    await acceptHolding(ben, olivia);
    await waitFor('the backup delivered to both', async () =>
      (await olivia.client.call('backup.status', {})).custodians.every((c) => c.state === 'delivered'),
    );
    await olivia.serve.stop();
    running.delete(olivia.serve);

    const device: ServeProcess = await startServe({ env: FAST_MESH_ENV });
    running.add(device);
    const { code } = await device.client.call('recovery.start', { passphrase: PASSPHRASE });
    const seen = (p: Peer, state?: RecoveryCustodian['state']) =>
      waitFor(`${p.name} ${state ?? 'listed'} on the new device`, async () => {
        const s = await device.client.call('recovery.status', {});
        const c = s.custodians.find((x) => x.peerId === p.peerId);
        return c && (!state || c.state === state) ? c : null;
      });

    let firstCode = '';
    await t.test('Ana says the codes do not match: the new device says so, nothing was sent', async () => {
      const approval = await ana.client.call('recovery.approve', { code, friendPeerId: olivia.peerId });
      const connected = await seen(ana, 'connected');
      assert.equal(connected.comparisonCode, approval.comparisonCode);
      firstCode = approval.comparisonCode;
      const declined = await ana.client.call('recovery.decline', { id: approval.id });
      assert.equal(declined.state, 'declined');
      // The withdraw is sent before `recovery.decline` answers: the new device knows already, no waiting.
      const status = await device.client.call('recovery.status', {});
      const row = status.custodians.find((c) => c.peerId === ana.peerId);
      assert.equal(row?.state, 'declined');
      assert.equal(row?.confirmed, false);
      assert.equal(status.have, 0);
      const cli = await runCli(['--data', device.dataDir, '--json', 'recover', 'status']);
      assert.equal(cli.code, 0, cli.stderr);
      const json = JSON.parse(cli.stdout) as { custodians: { name: string; state: string }[] };
      assert.deepEqual(
        json.custodians.map((c) => [c.name, c.state]),
        [['Ana', 'declined']],
      );
      const human = await runCli(['--data', device.dataDir, 'recover', 'status']);
      assert.match(human.stdout, /Ana said the codes did not match; nothing was sent/);
    });

    await t.test("Ben's approval expires unanswered: the new device says so", async () => {
      const approval = await ben.client.call('recovery.approve', { code, friendPeerId: olivia.peerId });
      assert.equal(approval.expiresAt - approval.createdAt, BEN_WINDOW_MS);
      await seen(ben, 'connected');
      // Nobody looks at Ben's approvals: the expiry is noticed by Ben's device on its own.
      const expired = await seen(ben, 'expired');
      assert.equal(expired.confirmed, false);
      assert.ok(Date.now() >= approval.expiresAt);
      const list = await ben.client.call('recovery.approvals', {});
      assert.equal(list.find((a) => a.id === approval.id)?.state, 'expired');
      const status = await device.client.call('recovery.status', {});
      assert.equal(status.custodians.find((c) => c.peerId === ana.peerId)?.state, 'declined');
    });

    await t.test('Ana approves again: a fresh code clears the decline, and her piece counts', async () => {
      const approval = await ana.client.call('recovery.approve', { code, friendPeerId: olivia.peerId });
      const again = await seen(ana, 'connected');
      assert.equal(again.comparisonCode, approval.comparisonCode);
      assert.equal(
        (await device.client.call('recovery.status', {})).custodians.filter((c) => c.peerId === ana.peerId)
          .length,
        1,
      );
      if (approval.comparisonCode === firstCode) t.diagnostic('the new code happens to equal the first');
      const sent = await ana.client.call('recovery.confirm', { id: approval.id });
      assert.equal(sent.state, 'sent');
      await seen(ana, 'verified');
      const judged = await device.client.call('recovery.judge', { peerId: ana.peerId, match: true });
      assert.equal(judged.have, 1);
      assert.equal(judged.need, 2);
      assert.equal(judged.custodians.find((c) => c.peerId === ben.peerId)?.state, 'expired');
    });
  },
);
