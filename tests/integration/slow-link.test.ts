/**
 * A friend at the end of a slow link: while a backup deposit is on its way, the owner's status says how much of it
 * has gone (what the Backup screen shows as progress), and then that the friend holds it.
 *
 *   owner (namespace O, 10.90.X.1) ── veth, 4 Mbit/s out of O (tc tbf) ── two custodians (namespace C, 10.90.X.2)
 *
 * A ~3 MiB vault to two custodians is ~50 Mbit, over 12 s at that rate, so the status is read many times mid-transfer.
 * Needs root, `ip netns` and `tc` (Debian iproute2); otherwise the test says why and skips.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { netnsUnavailable, NetnsLab } from '../helpers/netns.ts';
import { waitForOrNull } from '../helpers/wait-for.ts';
import { acceptHolding, agent, pair, Person } from '../helpers/netns-people.ts';
import type { Agent } from '../helpers/netns-people.ts';
import type { BackupStatus, CustodianStatus } from '../../shared/api/ops/backup.ts';

const tag = randomBytes(2).toString('hex');
const net = 10 + (randomBytes(1)[0]! % 240);
const NS = { owner: `tsl${tag}o`, custodians: `tsl${tag}c` };
const lab = new NetnsLab();
const agents: Agent[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.exit()));
  lab.destroy();
});

const why = netnsUnavailable();

test(
  'a deposit over a slow link shows its progress until the friend holds it',
  { timeout: 180_000 },
  async (t) => {
    if (why) {
      console.log(`[slow-link] skipped: ${why}`);
      t.skip(why);
      return;
    }
    lab.add(NS.owner);
    lab.add(NS.custodians);
    const [out, into] = [`tsl${tag}a`, `tsl${tag}b`];
    lab.veth(out, NS.owner, into, NS.custodians);
    lab.address(NS.owner, out, `10.90.${net}.1/24`);
    lab.address(NS.custodians, into, `10.90.${net}.2/24`);
    try {
      lab.slowLink(NS.owner, out, '4mbit');
    } catch (err) {
      const reason = `tc cannot shape a link here: ${(err as Error).message}`;
      console.log(`[slow-link] skipped: ${reason}`);
      t.skip(reason);
      return;
    }

    const [ownerAgent, custodianAgent] = await Promise.all([agent(NS.owner), agent(NS.custodians)]);
    agents.push(ownerAgent, custodianAgent);
    const olga = new Person('Olga', ownerAgent);
    const carl = new Person('Carl', custodianAgent);
    const cleo = new Person('Cleo', custodianAgent);
    await Promise.all([olga, carl, cleo].map((p) => p.start()));
    await pair(olga, carl);
    await pair(olga, cleo);

    for (let i = 0; i < 3; i++) {
      await olga.call('items.create', {
        title: `Scan ${i}`,
        secret: '-',
        attachments: [{ name: `scan-${i}.pdf`, dataBase64: randomBytes(1000 * 1024).toString('base64') }],
      });
    }
    await olga.call('backup.create', { custodians: [carl.peerId, cleo.peerId], threshold: 2 });
    for (const c of [carl, cleo]) await acceptHolding(c, olga);

    // Read the status as the Backup screen does, until both hold the backup.
    const seen = new Map<string, NonNullable<CustodianStatus['sending']>[]>();
    let last: BackupStatus | null = null;
    await waitForOrNull(
      'both custodians to hold the backup',
      async () => {
        last = await olga.call<BackupStatus>('backup.status');
        for (const c of last.custodians)
          if (c.sending) seen.set(c.name, [...(seen.get(c.name) ?? []), c.sending]);
        return last.custodians.every((c) => c.state === 'delivered');
      },
      150_000,
    );
    const final: BackupStatus = last!;
    assert.ok(
      final.custodians.every((c) => c.state === 'delivered'),
      JSON.stringify(final.custodians),
    );
    assert.ok(
      final.custodians.every((c) => c.sending === null),
      'nothing is shown as on its way once delivered',
    );

    for (const name of ['Carl', 'Cleo']) {
      const points = seen.get(name) ?? [];
      const midway = points.filter((p) => p.sentChunks > 0 && p.sentChunks < p.totalChunks);
      console.log(
        `[slow-link] ${name}: ${points.length} progress readings, ${midway.length} midway, last ${JSON.stringify(points.at(-1))}`,
      );
      assert.ok(midway.length > 0, `${name}'s deposit was seen midway`);
      // The first deposit is the whole backup; a later update (friends' addresses changed, say) sends only a few
      // chunks and starts from 0 again.
      const total = Math.max(...points.map((p) => p.totalChunks));
      assert.ok(total > 100, `a ~3 MiB backup is hundreds of chunks (${total})`);
      const deposit = points.filter((p) => p.totalChunks === total);
      for (let i = 1; i < deposit.length; i++) {
        assert.ok(deposit[i]!.sentChunks >= deposit[i - 1]!.sentChunks, 'progress only grows');
        assert.ok(deposit[i]!.sentBytes >= deposit[i - 1]!.sentBytes, 'bytes only grow');
      }
    }
  },
);
