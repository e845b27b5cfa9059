/**
 * A network link cut and restored during delivery, with network namespaces (tests/helpers/netns.ts; SECURITY.md):
 * an owner and two custodians each run `tessera serve` in their own namespace on a bridged 10.231.x.0/24 LAN; the
 * test pairs them, creates a 2-of-2 backup, starts pushing a new multi-MiB version, takes one custodian's link down
 * mid-delivery, brings it back, and requires every custodian to end up holding the newest version.
 * Needs root and a working `ip netns`; otherwise the test is skipped and says why. Nothing leaves these namespaces.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ip, netnsUnavailable, NetnsLab } from '../helpers/netns.ts';
import { sleep } from '../helpers/adversary.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { acceptHolding, agent, pair, Person } from '../helpers/netns-people.ts';
import type { Agent } from '../helpers/netns-people.ts';
import type { Status } from '../../shared/api/ops/app.ts';
import type { BackupStatus } from '../../shared/api/ops/backup.ts';
import { figure, reportFor, scale } from './report.ts';

reportFor('faults-netns');

const tag = randomBytes(2).toString('hex');
const subnet = 10 + (randomBytes(1)[0]! % 240);
const LAN = `tadv${tag}l`;
const hosts = [1, 2, 3].map((i) => ({
  ns: `tadv${tag}h${i}`,
  veth: `ta${tag}v${i}`,
  peer: `ta${tag}p${i}`,
  ip: `10.231.${subnet}.${i}`,
}));
const lab = new NetnsLab();

function buildLan(): void {
  lab.add(LAN);
  lab.bridge(LAN);
  for (const h of hosts) {
    lab.add(h.ns);
    lab.plug({ ns: h.ns, inner: h.veth, outer: h.peer, bridgeNs: LAN, cidr: `${h.ip}/24` });
  }
}

const agents: Agent[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.exit()));
  lab.destroy();
});

test('a link cut and restored during delivery: the custodian still receives the newest version', async (t) => {
  const why = netnsUnavailable();
  if (why) {
    figure('skipped', why);
    console.log(`[adversarial] faults-netns: skipped — ${why}`);
    t.skip(why);
    return;
  }
  buildLan();
  const started = await Promise.all(hosts.map((h) => agent(h.ns)));
  agents.push(...started);
  const [owner, kim, lee] = ['Olive', 'Kim', 'Lee'].map(
    (name, i) =>
      new Person(name, started[i]!, {
        env: { TESSERA_MESH_RETRY_MS: '300' },
        listen: `/ip4/${hosts[i]!.ip}/tcp/0`,
      }),
  );
  await Promise.all([owner!, kim!, lee!].map((p) => p.start()));
  const ids = [owner!.peerId, kim!.peerId, lee!.peerId];
  const addrs = await owner!.call<Status>('app.status');
  assert.ok(
    addrs.addresses.every((a) => a.includes(`10.231.${subnet}.`)),
    `LAN addresses only: ${addrs.addresses.join(' ')}`,
  );
  for (const c of [kim!, lee!]) await pair(owner!, c);
  await owner!.call('items.create', { title: 'Bank', secret: 'pin 2468' });
  await owner!.call('backup.create', { custodians: [ids[1], ids[2]], threshold: 2 });
  for (const c of [kim!, lee!]) await acceptHolding(c, owner!);
  const delivered = () =>
    waitFor(
      'every custodian to hold the newest version',
      async () => {
        const s = await owner!.call<BackupStatus>('backup.status');
        return s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version) ? s : null;
      },
      180_000,
      500,
    );
  const first = await delivered();

  // A new version of several MiB, and Kim's link goes down while it is on its way.
  const attachments = Array.from({ length: 4 }, (_, i) => ({
    name: `bulk-${i}.bin`,
    mediaType: 'application/octet-stream',
    dataBase64: randomBytes(1024 * 1024).toString('base64'),
  }));
  await owner!.call('items.create', { title: 'Bulk', secret: 'bulk', attachments });
  await waitFor(
    'the new version to be built',
    async () => (await owner!.call<BackupStatus>('backup.status')).version > first.version,
    30_000,
    50,
  );
  await sleep(150);
  const cutMs = scale(3_000, 15_000);
  ip('-n', LAN, 'link', 'set', hosts[1]!.peer, 'down');
  const atCut = await owner!.call<BackupStatus>('backup.status');
  const kimAtCut = atCut.custodians.find((c) => c.peerId === ids[1]);
  await sleep(cutMs);
  const duringCut = await owner!.call<BackupStatus>('backup.status');
  ip('-n', LAN, 'link', 'set', hosts[1]!.peer, 'up');
  const done = await delivered();
  figure('link cut (ms)', cutMs);
  figure('Kim version at the cut / newest', `${kimAtCut?.versionHeld} / ${atCut.version}`);
  figure(
    'Kim version during the cut',
    String(duringCut.custodians.find((c) => c.peerId === ids[1])?.versionHeld),
  );
  figure(
    'versions held after restore',
    done.custodians.map((c) => c.versionHeld).join(', ') + ` (newest ${done.version})`,
  );
  assert.ok(done.version > first.version);
  const held = await kim!.call<{ ownerPeerId: string; version: number }[]>('held.list');
  assert.equal(held.find((h) => h.ownerPeerId === ids[0])?.version, done.version);
});
