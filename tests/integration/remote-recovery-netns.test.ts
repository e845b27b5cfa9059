/**
 * Remote recovery (docs/PROTOCOL.md §11.7) across homes behind NAT routers, in network namespaces
 * (tests/helpers/netns.ts):
 *
 *   home A 192.168.71.0/24 ── router A (NAT) ──┐                    Olive's old device, and her new devices
 *                                              ├── public segment ── Rita: tessera serve --relay, a custodian
 *   home B 192.168.72.0/24 ── router B (NAT) ──┘                    Kim and Lee, custodians
 *
 * Olive's backup is held by Kim, Lee and Rita, any 2 of 3, with a waiting period of WAIT_MS (shortened through
 * configuration: the owner's choice in `backup.create`, and every device's TESSERA_MIN_REMOTE_WAIT_MS). Each case
 * starts a remote recovery on a new device in home A, sends the code to custodians (as a message would), types their
 * reply codes back, compares the codes both screens show (as on a call), and checks what each side sees:
 *
 *   1. Olive's old device is offline: pieces come only after the waiting period, through Rita's relay from home B
 *      and directly from Rita, and the new device restores every item.
 *   2. Olive's old device is online: it is told within seconds who is recovering and how, stops it with a signed
 *      cancel, no piece is released, and the new device says the owner's device stopped it.
 *   3. A custodian withdraws during the wait: with fewer than t approvals standing, nothing is released.
 *
 * Needs root, `ip netns` and `iptables`; otherwise the test says why and skips. No traffic leaves these namespaces.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { twoHomes } from '../helpers/netns-two-homes.ts';
import { acceptHolding, pair, Person, waitForNetns } from '../helpers/netns-people.ts';
import type { Agent } from '../helpers/netns-people.ts';
import { TEST_PASSPHRASE, sleep } from '../helpers/cluster.ts';
import type { Status } from '../../shared/api/ops/app.ts';
import type { RecoveryApproval, RecoveryStatus, RecoveryWatchEntry } from '../../shared/api/ops/recovery.ts';

const homes = twoHomes('trr', 'tr', '10.90');
const WAIT_MS = 15_000;
const ENV = { TESSERA_MIN_REMOTE_WAIT_MS: '5000' };

after(() => homes.destroy());

const why = homes.unavailable();
let rita: Person, olive: Person, kim: Person, lee: Person;
let homeA: Agent;
let items: string[] = [];
let devices = 0;
const say = (line: string) => console.log(`[remote-recovery] ${line}`);

async function approvalOf(custodian: Person, id: string): Promise<RecoveryApproval> {
  const list = await custodian.call<RecoveryApproval[]>('recovery.approvals');
  const a = list.find((x) => x.id === id);
  assert.ok(a, `${custodian.name} lists approval ${id}`);
  return a;
}

/** A new device in home A, recovering remotely: returns it with its code. */
async function newDevice(): Promise<{ nova: Person; code: string }> {
  devices += 1;
  const nova = new Person(`Nova${devices}`, homeA, { env: ENV, empty: true });
  await nova.start();
  const started = await nova.call<{ code: string }>('recovery.start', {
    passphrase: TEST_PASSPHRASE,
    remote: true,
  });
  return { nova, code: started.code };
}

/**
 * A custodian enters the code the new device sent (for Olive), the new device types the reply code back, both
 * screens show the same comparison code (read aloud on a call), and both people confirm it.
 */
async function approveOverCall(nova: Person, code: string, custodian: Person): Promise<RecoveryApproval> {
  const first = await custodian.call<RecoveryApproval>('recovery.approve', {
    code,
    friendPeerId: olive.peerId,
  });
  assert.equal(first.remote, true);
  assert.equal(first.state, 'connecting');
  assert.match(first.replyCode ?? '', /^TESSERA-REPLY:/);
  await nova.call('recovery.reply', { code: first.replyCode });
  const compared = await waitForNetns(
    `${nova.name} and ${custodian.name} to show a comparison code`,
    async () => {
      const a = await approvalOf(custodian, first.id);
      return a.state === 'awaiting-confirmation' ? a : null;
    },
  );
  const s = await nova.call<RecoveryStatus>('recovery.status');
  const sender = s.custodians.find((c) => c.peerId === custodian.peerId);
  assert.equal(sender?.comparisonCode, compared.comparisonCode, 'both screens show the same code');
  const approved = await custodian.call<RecoveryApproval>('recovery.confirm', { id: first.id });
  assert.equal(approved.state, 'waiting');
  assert.ok(approved.releaseAt! >= Date.now() + WAIT_MS - 3_000, 'the piece waits for the owner’s period');
  await nova.call('recovery.judge', { peerId: custodian.peerId, match: true });
  return approved;
}

test(
  'remote recovery: pieces come only after the waiting period, relayed and direct, and restore every item',
  { timeout: 420_000 },
  async (t) => {
    if (why) {
      console.log(`[remote-recovery] skipped: ${why}`);
      t.skip(why);
      return;
    }
    const { pub: pubAgent, homeA: aAgent, homeB: bAgent } = await homes.start();
    homeA = aAgent;
    rita = new Person('Rita', pubAgent, { env: ENV, args: ['--relay'] });
    olive = new Person('Olive', aAgent, { env: ENV });
    kim = new Person('Kim', bAgent, { env: ENV });
    lee = new Person('Lee', bAgent, { env: ENV });
    await Promise.all([rita, olive, kim, lee].map((p) => p.start()));
    for (const p of [olive, kim, lee]) await pair(p, rita);
    for (const p of [olive, kim, lee])
      await waitForNetns(`${p.name} to hold a reservation on Rita's relay`, async () =>
        (await p.call<Status>('app.status')).addresses.some((x) =>
          x.includes(`/p2p/${rita.peerId}/p2p-circuit`),
        ),
      );
    await pair(olive, kim);
    await pair(olive, lee);
    await pair(kim, lee);
    items = ['Bank', 'Mail', 'Seed'];
    for (const title of items) await olive.call('items.create', { title, secret: `${title} secret` });
    const created = await olive.call<{ waitingPeriodMs?: number }>('backup.create', {
      custodians: [kim.peerId, lee.peerId, rita.peerId],
      threshold: 2,
      waitingPeriodMs: WAIT_MS,
    });
    assert.equal(created.waitingPeriodMs, WAIT_MS);
    for (const c of [kim, lee, rita]) await acceptHolding(c, olive);
    await waitForNetns(
      'the backup at every custodian',
      async () => {
        const s = await olive.call<{
          version: number;
          custodians: { state: string; versionHeld: number | null }[];
        }>('backup.status');
        return s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version);
      },
      120_000,
    );
    await olive.stop(); // Olive lost her laptop.

    const { nova, code } = await newDevice();
    const kimApproval = await approveOverCall(nova, code, kim);
    const ritaApproval = await approveOverCall(nova, code, rita);
    const during = await nova.call<RecoveryStatus>('recovery.status');
    assert.equal(during.remote, true);
    const byName = new Map(during.custodians.map((c) => [c.name, c]));
    say(
      `during the wait: ${during.custodians.map((c) => `${c.name} ${c.state} ${c.path ?? '-'}`).join(', ')}`,
    );
    assert.equal(byName.get('Kim')?.state, 'waiting');
    assert.equal(byName.get('Kim')?.path, 'relayed', 'Kim, behind another NAT, is reached through Rita');
    assert.equal(byName.get('Rita')?.path, 'direct', 'Rita is on the public segment');
    assert.equal(during.have, 0, 'no piece before the waiting period');
    // Days pass: both ends restart during the wait (the custodian's approval and the new device's session are on
    // disk), and the person types the passphrase again on the new device.
    await kim.stop();
    await nova.stop();
    await Promise.all([kim.start(), nova.start()]);
    await nova.call('recovery.start', { passphrase: TEST_PASSPHRASE, remote: true });
    const resumed = await approvalOf(kim, kimApproval.id);
    assert.equal(resumed.state, 'waiting', "Kim's approval survived the restart");
    assert.equal(resumed.releaseAt, kimApproval.releaseAt);
    const releasedAt = Math.max(kimApproval.releaseAt!, ritaApproval.releaseAt!);
    const ready = await waitForNetns(
      'the new device to be ready',
      async () => {
        const s = await nova.call<RecoveryStatus>('recovery.status');
        return s.state === 'ready' ? s : null;
      },
      WAIT_MS + 90_000,
    );
    const at = Date.now();
    say(`ready ${Math.round((at - releasedAt) / 1000)} s after the later release time`);
    assert.ok(
      at >= Math.min(kimApproval.releaseAt!, ritaApproval.releaseAt!),
      'not before the waiting period',
    );
    assert.equal(ready.vault?.name, 'Olive');
    await nova.call('recovery.finish');
    const restored = await nova.call<{ title: string }[]>('items.list');
    assert.deepEqual(restored.map((i) => i.title).sort(), [...items].sort());
    for (const [c, a] of [
      [kim, kimApproval],
      [rita, ritaApproval],
    ] as const)
      assert.equal((await approvalOf(c, a.id)).state, 'sent');
    await nova.stop();
  },
);

test(
  "remote recovery: the owner's old device is told within seconds and stops it; no piece is released",
  { timeout: 240_000 },
  async (t) => {
    if (why) {
      t.skip(why);
      return;
    }
    assert.ok(olive && kim && lee && rita, 'the first case set up the homes');
    await olive.start(); // The old device is still online.
    await waitForNetns('Olive to be back with Kim and Lee', async () => {
      const [k, l] = [await olive.friend(kim.peerId), await olive.friend(lee.peerId)];
      return k?.reachable && l?.reachable;
    });
    const { nova, code } = await newDevice();
    const session = (await nova.call<{ sessionPeerId?: string } & RecoveryStatus>('recovery.status'))
      .custodians;
    assert.equal(session.length, 0);
    const kimApproval = await approveOverCall(nova, code, kim);
    const approvedAt = Date.now();
    // Kim's device tells Olive's at once; a friend who is offline would be told when it connects.
    const seen = await waitForNetns(
      "Olive's device to be told",
      async () => {
        const w = await olive.call<RecoveryWatchEntry[]>('recovery.watch');
        const mine = w.filter((e) => e.mine && e.sessionPeerId === kimApproval.sessionPeerId);
        return mine.length >= 1 ? mine : null;
      },
      20_000,
    );
    say(
      `Olive told ${((Date.now() - approvedAt) / 1000).toFixed(1)} s after Kim approved: ${seen
        .map((e) => `${e.custodian} ${e.state} (${e.path}) until ${new Date(e.until).toISOString()}`)
        .join('; ')}`,
    );
    assert.ok(seen.every((e) => e.state === 'approved' && e.until > Date.now()));
    assert.equal(seen[0]!.custodian, 'Kim');
    // Custodians who are friends of each other tell each other: Lee, who also holds for Olive, learns of it.
    const toldLee = await waitForNetns('Lee to hear of Kim’s approval', async () => {
      const w = await lee.call<RecoveryWatchEntry[]>('recovery.watch');
      return w.find((e) => !e.mine && e.custodianPeerId === kim.peerId && e.ownerPeerId === olive.peerId);
    });
    assert.equal(toldLee.state, 'approved');
    await approveOverCall(nova, code, lee);
    const stopped = await olive.call<{ told: number; custodians: number }>('recovery.stopRemote', {
      sessionPeerId: kimApproval.sessionPeerId,
    });
    say(`Olive stopped it: ${stopped.told} of ${stopped.custodians} custodians told at once`);
    assert.ok(stopped.told >= 2);
    const told = await waitForNetns('the new device to say the owner stopped it', async () => {
      const s = await nova.call<RecoveryStatus>('recovery.status');
      return s.stopped ? s : null;
    });
    assert.match(told.stopped!, /stopped by the owner's device/);
    await sleep(WAIT_MS + 5_000);
    const after = await nova.call<RecoveryStatus>('recovery.status');
    assert.equal(after.have, 0);
    assert.ok(
      after.custodians.every((c) => c.state === 'stopped'),
      JSON.stringify(after.custodians),
    );
    for (const c of [kim, lee]) {
      const list = await c.call<RecoveryApproval[]>('recovery.approvals');
      const a = list.find((x) => x.sessionPeerId === kimApproval.sessionPeerId);
      assert.equal(a?.state, 'stopped', `${c.name}'s approval`);
    }
    // Rita approved nothing, but learned of the cancel, so a later approval of that session is refused.
    await assert.rejects(
      rita.call('recovery.approve', { code, friendPeerId: olive.peerId }),
      /own device stopped this recovery/,
    );
    await nova.call('recovery.cancel');
    await nova.stop();
  },
);

test(
  'remote recovery: a custodian withdraws during the wait; with fewer than t approvals standing nothing is released',
  { timeout: 240_000 },
  async (t) => {
    if (why) {
      t.skip(why);
      return;
    }
    assert.ok(olive && kim && rita, 'the first case set up the homes');
    const { nova, code } = await newDevice();
    const kimApproval = await approveOverCall(nova, code, kim);
    const ritaApproval = await approveOverCall(nova, code, rita);
    const withdrawn = await kim.call<RecoveryApproval>('recovery.decline', { id: kimApproval.id });
    assert.equal(withdrawn.state, 'withdrawn');
    await waitForNetns("the new device to show Kim's withdrawal", async () => {
      const s = await nova.call<RecoveryStatus>('recovery.status');
      return s.custodians.find((c) => c.peerId === kim.peerId)?.state === 'withdrew';
    });
    await sleep(Math.max(0, ritaApproval.releaseAt! - Date.now()) + 8_000);
    const rita2 = await approvalOf(rita, ritaApproval.id);
    say(`after Rita's release time: Rita ${rita2.state}, standing ${JSON.stringify(rita2.standing)}`);
    assert.equal(rita2.state, 'waiting', 'Rita holds her piece: only 1 of 2 approvals stands');
    assert.deepEqual(rita2.standing, ['Rita']);
    const s = await nova.call<RecoveryStatus>('recovery.status');
    assert.equal(s.have, 0);
    assert.ok(s.custodians.every((c) => c.state !== 'verified' && c.state !== 'received'));
    const w = await olive.call<RecoveryWatchEntry[]>('recovery.watch');
    assert.ok(
      w.some((e) => e.mine && e.custodianPeerId === kim.peerId && e.state === 'withdrawn'),
      "Olive's device learned that Kim withdrew",
    );
    await nova.call('recovery.cancel');
  },
);
