/**
 * A friend relay lets a stranger through only as its friend announced it (PROTOCOL §11.7), tested both ways with
 * real nodes in separate processes, in one network namespace (tests/helpers/netns.ts) whose addresses are not
 * loopback, so every node keeps reservations on friend relays as at home (a loopback-only test mesh does not):
 *
 *   Rita  `tessera serve --relay` (real app), stranger admissions shrunk to 20 s and 1 MiB by configuration
 *   Kim   a custodian, Rita's friend: the app's mesh (MeshService) in a process of its own (stranger-relay-peers.ts),
 *         so the test can call admitStranger before the recovery flows that call it exist
 *   Fay   another friend of Rita (real app), with a reservation on her relay
 *   S1    the new device of a remote recovery (session node, remote mode), announced by Kim; like S2 and S3 it
 *         listens on loopback only, so nobody can dial it (as behind a home router)
 *   S2    a stranger nobody announced                      S3   announced by Kim, outlives its admission
 *
 * S1 reaches Kim through Rita and a recovery stream runs; S2 is refused by Rita's gate (no handler on Rita or Kim sees
 * it); S1 is not relayed to Fay; S3 is cut and then refused once its time is over, S1 once its bytes are spent.
 * Needs root and `ip netns`; otherwise the test says why and skips.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ip, netnsUnavailable, NetnsLab } from '../helpers/netns.ts';
import { agent, Person, waitForNetns } from '../helpers/netns-people.ts';
import type { Agent } from '../helpers/netns-people.ts';
import { sleep } from '../helpers/cluster.ts';
import type { Status } from '../../shared/api/ops/app.ts';

const PEERS = join(import.meta.dirname, 'stranger-relay-peers.ts');
const tag = randomBytes(2).toString('hex');
const NS = `tsr${tag}`;
const net = 10 + (randomBytes(1)[0]! % 240);
const IP = (i: number) => `10.93.${net}.${i}`;
const ADMISSION_MS = 20_000;
const BUDGET = 1024 * 1024;
const lab = new NetnsLab();
const procs: ChildProcess[] = [];
let ritaAgent: Agent | null = null;

interface Proc {
  peerId: string;
  call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
}

/** One of stranger-relay-peers.ts's processes in the namespace; commands run one at a time. */
async function peer(mode: 'custodian' | 'session', listen: string): Promise<Proc> {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, PEERS, mode, listen], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TESSERA_UPNP: '0', TESSERA_MDNS: '0' },
  });
  procs.push(child);
  const lines: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.shift()?.(line));
  // A process that died answers every pending and later command with that.
  const died = JSON.stringify({ ok: false, error: `${mode} exited`, peerId: '' });
  child.once('exit', () => {
    for (const waiting of lines.splice(0)) waiting(died);
    lines.push = (resolve) => (resolve(died), 0);
  });
  const next = () => new Promise<string>((resolve) => lines.push(resolve));
  const ready = JSON.parse(await Promise.race([next(), sleep(30_000).then(() => '{"peerId":""}')])) as {
    peerId: string;
  };
  if (!ready.peerId) throw new Error(`${mode} did not start`);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    peerId: ready.peerId,
    call<T>(cmd: string, args: Record<string, unknown> = {}) {
      const run = queue.then(async () => {
        const answer = next();
        child.stdin!.write(JSON.stringify({ cmd, ...args }) + '\n');
        const m = JSON.parse(await answer) as { ok: boolean; value?: T; error?: string };
        if (!m.ok) throw new Error(m.error);
        return m.value as T;
      });
      queue = run.catch(() => {});
      return run;
    },
  };
}

/** Whether dialing rejected; the message says why. */
async function dialOutcome(s: Proc, peerId: string, addresses: string[]): Promise<string> {
  try {
    await s.call('dial', { peer: peerId, addresses });
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

const why = netnsUnavailable();

after(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await ritaAgent?.exit();
  lab.destroy();
});

test(
  'a friend relay lets an announced stranger through to its friend only, within its time and bytes',
  { skip: why ?? false, timeout: 240_000 },
  async () => {
    lab.add(NS);
    // One segment (a bridge) carrying every host's address: traffic between them stays in the namespace.
    lab.bridge(NS, 'br0');
    for (let i = 1; i <= 4; i++) ip('-n', NS, 'addr', 'add', `${IP(i)}/24`, 'dev', 'br0');

    ritaAgent = await agent(NS);
    const rita = new Person('Rita', ritaAgent, {
      args: ['--relay'],
      listen: `/ip4/${IP(1)}/tcp/0`,
      env: {
        TESSERA_UPNP: '0',
        TESSERA_MESH_LOG: '1',
        TESSERA_STRANGER_RELAY_MS: String(ADMISSION_MS),
        TESSERA_STRANGER_RELAY_BYTES: String(BUDGET),
      },
    });
    const fay = new Person('Fay', ritaAgent, { listen: `/ip4/${IP(4)}/tcp/0`, env: { TESSERA_UPNP: '0' } });
    await rita.start();
    await fay.start();
    const kim = await peer('custodian', `/ip4/${IP(2)}/tcp/0`);
    // The new devices listen on loopback only, so nobody can dial them (as behind a home router): whatever reaches
    // them goes through a connection they dialed, here through Rita.
    const [s1, s2, s3] = await Promise.all([
      peer('session', '/ip4/127.0.0.1/tcp/0'),
      peer('session', '/ip4/127.0.0.1/tcp/0'),
      peer('session', '/ip4/127.0.0.1/tcp/0'),
    ]);
    const ritaLog = () => ritaAgent!.send<string>({ cmd: 'log', name: 'Rita' });
    // Rita logs what her gate decided as it decides, which may be a moment after the dialer has its answer.
    const ritaSays = (pattern: RegExp) =>
      waitForNetns(`Rita's log to say ${pattern.source}`, async () => pattern.test(await ritaLog()), 10_000);

    // Kim and Fay become Rita's friends; each then holds a reservation on her relay.
    const kimInvite = await kim.call<string>('invite');
    const ritaForKim = await rita.call<{ code: string }>('friends.invite');
    await kim.call('pair', { code: ritaForKim.code });
    await rita.call('friends.pair', { code: kimInvite });
    const ritaForFay = await rita.call<{ code: string }>('friends.invite');
    const fayInvite = await fay.call<{ code: string }>('friends.invite');
    await fay.call('friends.pair', { code: ritaForFay.code });
    await rita.call('friends.pair', { code: fayInvite.code });
    const kimReply = await waitForNetns('Kim to hold a reservation on Rita', async () => {
      const a = await kim.call<string[]>('replyAddresses');
      return a.some((x) => x.includes(`/p2p/${rita.peerId}/p2p-circuit`)) ? a : null;
    });
    // Kim's addresses are private: its reply code names only relay addresses, without Kim's own ID.
    const ritaDirect = (await rita.call<Status>('app.status')).addresses.find(
      (a) => !a.includes('p2p-circuit'),
    );
    const viaRita = [`${ritaDirect}/p2p/${rita.peerId}/p2p-circuit`];
    assert.ok(kimReply.includes(viaRita[0]!), `${kimReply.join(' ')} names Rita's relay`);
    assert.ok(kimReply.every((a) => a.endsWith('/p2p-circuit')) && kimReply.length <= 2);
    const fayViaRita = await waitForNetns('Fay to hold a reservation on Rita', async () => {
      const a = (await fay.call<Status>('app.status')).addresses.filter((x) => x.includes('p2p-circuit'));
      return a.length > 0 ? a : null;
    });

    // Kim approves S1 and S3 (its gate opens a window for them) and announces them to its relay.
    const until = Date.now() + 10 * 60_000;
    for (const s of [s1, s3]) await kim.call('window', { peer: s.peerId, until });
    const [granted] = await kim.call<{ relay: string; ok: boolean; until?: number }[]>('admit', {
      stranger: s1.peerId,
      until,
    });
    assert.equal(granted?.relay, rita.peerId);
    assert.equal(granted?.ok, true);
    assert.ok(
      granted!.until! <= Date.now() + ADMISSION_MS,
      'the relay caps the time (TESSERA_STRANGER_RELAY_MS)',
    );

    // The announced stranger reaches Kim through Rita, and a recovery conversation runs on that connection.
    assert.equal(await dialOutcome(s1, kim.peerId, viaRita), 'connected');
    assert.equal(await s1.call('connected', { peer: kim.peerId }), 'relayed');
    const small = await kim.call<{ ok: boolean; sent: number }>('send', {
      peer: s1.peerId,
      bytes: 128 * 1024,
    });
    assert.deepEqual(small, { ok: true, sent: 128 * 1024 });
    assert.ok((await s1.call<number>('received')) >= 128 * 1024);

    // A stranger nobody announced is refused at Rita's gate, after Noise: no handler anywhere sees it.
    const s2Outcome = await dialOutcome(s2, kim.peerId, viaRita);
    assert.notEqual(s2Outcome, 'connected');
    await ritaSays(new RegExp(`refused inbound connection from ${s2.peerId}`));
    assert.doesNotMatch(await kim.call<string>('log'), new RegExp(s2.peerId), 'Kim never heard of S2');
    assert.equal(await s2.call('connected', { peer: kim.peerId }), null);

    // The announced stranger is relayed to the friend who announced it only.
    const toFay = await dialOutcome(s1, fay.peerId, fayViaRita);
    assert.notEqual(toFay, 'connected');
    await ritaSays(new RegExp(`refused to relay ${s1.peerId} to ${fay.peerId}`));

    // Its bytes: a conversation moving more than the budget is cut, and then Rita refuses it.
    const big = await kim.call<{ ok: boolean; sent: number }>('send', { peer: s1.peerId, bytes: 2 * BUDGET });
    assert.equal(big.ok, false, 'cut once the budget is spent');
    assert.ok(big.sent < BUDGET, `cut within the budget (${big.sent} bytes acknowledged)`);
    await waitForNetns(
      'S1 to be cut off',
      async () => (await s1.call('connected', { peer: kim.peerId })) === null,
    );
    await ritaSays(new RegExp(`closing stranger ${s1.peerId}'s connections: its relay budget is spent`));
    assert.notEqual(await dialOutcome(s1, kim.peerId, viaRita), 'connected');
    await ritaSays(new RegExp(`refused inbound connection from ${s1.peerId}`));
    const again = await kim.call<{ ok: boolean; reason?: string }[]>('admit', { stranger: s1.peerId, until });
    assert.equal(again[0]?.ok, false, 'a spent stranger is not admitted again');

    // Its time: S3 gets through while its admission stands, is cut when it ends, and is refused after.
    const [s3Granted] = await kim.call<{ ok: boolean; until: number }[]>('admit', {
      stranger: s3.peerId,
      until,
    });
    assert.equal(s3Granted?.ok, true);
    assert.equal(await dialOutcome(s3, kim.peerId, viaRita), 'connected');
    assert.equal(await s3.call('connected', { peer: kim.peerId }), 'relayed');
    await sleep(Math.max(0, s3Granted!.until - Date.now()) + 500);
    await waitForNetns(
      'S3 to be cut off',
      async () => (await s3.call('connected', { peer: kim.peerId })) === null,
    );
    await ritaSays(new RegExp(`closing stranger ${s3.peerId}'s connections: its admission ended`));
    assert.notEqual(await dialOutcome(s3, kim.peerId, viaRita), 'connected');
    await ritaSays(new RegExp(`refused inbound connection from ${s3.peerId}`));
  },
);
