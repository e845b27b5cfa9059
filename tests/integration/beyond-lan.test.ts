/**
 * Beyond the LAN (docs/PROTOCOL.md §10), with network namespaces (tests/helpers/netns.ts):
 *
 *   home A 192.168.71.0/24 ── router A (NAT) ──┐
 *                                              ├── public segment 10.89.X.0/24 (bridge) ── Rita: tessera serve, relay
 *   home B 192.168.72.0/24 ── router B (NAT) ──┘
 *
 * Olive (owner) lives in home A, Kim and Lee (custodians) in home B; each router masquerades its home onto the
 * public segment, so nobody can dial into a home. Rita runs `tessera serve --relay` on the public
 * segment. Everyone pairs with Rita; Olive then pairs with Kim and Lee over the network (invites carry relay
 * addresses), creates a backup and pushes an update, and the test prints which path each delivery took. The second
 * case delivers an update to Lee while Lee is offline, through Rita (a mutual friend), and Olive later sees Lee's
 * end-to-end receipt. Every process listens on its namespace's addresses; no traffic leaves these namespaces.
 * Needs root, `ip netns` and `iptables`; otherwise the test says why and skips.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { twoHomes } from '../helpers/netns-two-homes.ts';
import { acceptHolding, pair, Person, waitForNetns } from '../helpers/netns-people.ts';
import type { Status } from '../../shared/api/ops/app.ts';

const homes = twoHomes('tbl', 'tb', '10.89');

type BStatus = {
  version: number;
  custodians: {
    peerId: string;
    name: string;
    state: string;
    versionHeld: number | null;
    lastError: string | null;
  }[];
};

const ENV = {
  // Hand an undeliverable update to a mutual friend after 3 s (default: an hour).
  TESSERA_FORWARD_AFTER_MS: '3000',
};

after(() => homes.destroy());

const why = homes.unavailable();
let rita: Person, olive: Person, kim: Person, lee: Person;
const report: string[] = [];
const say = (line: string) => {
  report.push(line);
  console.log(`[beyond-lan] ${line}`);
};

test(
  'two homes behind NAT: pairing through a friend relay, backup and update reach every custodian',
  { timeout: 240_000 },
  async (t) => {
    if (why) {
      console.log(`[beyond-lan] skipped: ${why}`);
      t.skip(why);
      return;
    }
    const { pub: pubAgent, homeA: aAgent, homeB: bAgent } = await homes.start();
    rita = new Person('Rita', pubAgent, { env: ENV, args: ['--relay'] });
    olive = new Person('Olive', aAgent, { env: ENV });
    kim = new Person('Kim', bAgent, { env: ENV });
    lee = new Person('Lee', bAgent, { env: ENV });
    await Promise.all([rita, olive, kim, lee].map((p) => p.start()));
    assert.equal((await rita.call<{ relaying: boolean }>('settings.get')).relaying, true, 'Rita relays');
    assert.equal((await olive.call<{ relaying: boolean }>('settings.get')).relaying, false);
    const oliveAddrs = (await olive.call<Status>('app.status')).addresses;
    assert.ok(
      oliveAddrs.every((a) => !a.startsWith('/ip4/127.')),
      `no loopback advertised: ${oliveAddrs.join(' ')}`,
    );

    // Everyone befriends Rita first (her node is on the public segment; they dial out through their routers).
    for (const p of [olive, kim, lee]) await pair(p, rita);
    // Behind NAT, each keeps a reservation on Rita's relay, and advertises it.
    for (const p of [olive, kim, lee]) {
      const addrs = await waitForNetns(
        `${p.name} to hold a reservation on Rita's relay`,
        async () => {
          const a = (await p.call<Status>('app.status')).addresses;
          return a.some((x) => x.includes(`/p2p/${rita.peerId}/p2p-circuit`)) ? a : null;
        },
        60_000,
      );
      say(`${p.name} advertises ${addrs.join(' ')}`);
    }
    // Across homes: the invites carry relay addresses, and pairing runs through Rita's relay.
    await pair(olive, kim);
    await pair(olive, lee);
    for (const c of [kim, lee]) say(`Olive reaches ${c.name}: ${(await olive.friend(c.peerId))?.path}`);

    await olive.call('items.create', { title: 'Bank', secret: 'pin 2468' });
    await olive.call('backup.create', { custodians: [kim.peerId, lee.peerId], threshold: 2 });
    for (const c of [kim, lee]) await acceptHolding(c, olive);
    const deliveredAll = (what: string) =>
      waitForNetns(
        what,
        async () => {
          const s = await olive.call<BStatus>('backup.status');
          return s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version) ? s : null;
        },
        120_000,
      ).catch(async (err: unknown) => {
        say(`backup status: ${JSON.stringify(await olive.call<BStatus>('backup.status'))}`);
        throw err;
      });
    const first = await deliveredAll('the first backup at every custodian');
    for (const c of [kim, lee]) {
      const path = (await olive.friend(c.peerId))?.path ?? '?';
      say(`backup v${first.version} → ${c.name}: ${path}`);
      // Two homes behind NAT meet only through the relay: there is no hole punching over TCP (PROTOCOL §10.2).
      assert.equal(path, 'relayed', `${c.name} is behind NAT in another home: ${path}`);
    }

    await olive.call('items.create', { title: 'Mail', secret: 'hunter2' });
    await waitForNetns(
      'the update to be built',
      async () => (await olive.call<BStatus>('backup.status')).version > first.version,
    );
    const second = await deliveredAll('the update at every custodian');
    for (const c of [kim, lee]) {
      const path = (await olive.friend(c.peerId))?.path ?? '?';
      say(`update v${second.version} → ${c.name}: ${path}`);
      const held = await c.call<{ ownerPeerId: string; version: number }[]>('held.list');
      assert.equal(held.find((h) => h.ownerPeerId === olive.peerId)?.version, second.version);
    }
  },
);

test(
  'an update for a custodian who is offline travels through a mutual friend, and the receipt comes back',
  { timeout: 180_000 },
  async (t) => {
    if (why) {
      t.skip(why);
      return;
    }
    assert.ok(olive && lee && rita, 'the first case set up the homes');
    await lee.stop(); // Lee is away for the whole of Olive's session.
    const before = await olive.call<BStatus>('backup.status');
    await olive.call('items.create', { title: 'Passport', secret: 'X1234567' });
    const update = await waitForNetns('the update to be built', async () => {
      const s = await olive.call<BStatus>('backup.status');
      return s.version > before.version ? s : null;
    });
    await waitForNetns(`Kim to hold version ${update.version}`, async () => {
      const s = await olive.call<BStatus>('backup.status');
      return s.custodians.find((c) => c.peerId === kim.peerId)?.versionHeld === update.version;
    });
    const handed = await waitForNetns("Olive to hand Lee's update to a mutual friend", async () => {
      const f = await olive.friend(lee.peerId);
      return f?.path === 'via-friend' ? f : null;
    });
    say(`update v${update.version} → Lee (offline): ${handed.path}`);
    await olive.stop(); // Olive's session ends before Lee is back.

    await lee.start();
    await waitForNetns(`Lee to receive version ${update.version} from Rita`, async () => {
      const held = await lee.call<{ ownerPeerId: string; version: number }[]>('held.list');
      return (held.find((h) => h.ownerPeerId === olive.peerId)?.version ?? 0) >= update.version;
    });
    say(`Lee holds v${update.version}, delivered by Rita while Olive was offline`);
    await lee.stop(); // The receipt must come back through Rita, not from Lee directly.

    await olive.start();
    const acked = await waitForNetns(
      "Lee's end-to-end receipt to reach Olive through Rita",
      async () => {
        const s = await olive.call<BStatus>('backup.status');
        const c = s.custodians.find((x) => x.peerId === lee.peerId);
        return (c?.versionHeld ?? 0) >= update.version ? c : null;
      },
      90_000,
    );
    const path = (await olive.friend(lee.peerId))?.path;
    say(`Olive sees Lee's signed receipt for v${acked!.versionHeld} (path ${path}, state ${acked!.state})`);
    assert.equal(path, 'via-friend');
  },
);
