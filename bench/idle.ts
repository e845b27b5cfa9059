/**
 * Idle figures (docs/PERFORMANCE.md): what a custodian costs while nothing happens, as it runs for years.
 *
 * Real `tessera serve` processes (the built command) on loopback, each beside a bare js-libp2p node (TCP, Noise,
 * yamux, identify: bench/idle-bare.ts) idling as long in its own process, all measured over the same window:
 *   - CPU: utime + stime from /proc/PID/stat over BENCH_IDLE_MS (120 s: the period of the slowest timer that runs
 *     while idle, the keep-alive's pings of electron/core/mesh/keep-alive.ts, so a window sees each of its rounds
 *     whatever their phase) after BENCH_IDLE_REST_MS (180 s) of rest, with
 *     0 friends and with 20 friends online (real serve processes paired and code-confirmed: cluster.ts `pair`);
 *   - RSS at the end of that window with 1 and with 10,000 held owners (bench/custodian-fixture.ts);
 *   - wakeups: voluntary + nonvoluntary context switches summed over /proc/PID/task/* over the window, per second.
 * The serves run with the app's own timers (no test retry/reconcile settings), mDNS off (the machine is shared and
 * loopback nodes would find each other's) but for one extra 0-friend serve with mDNS on, and no UPnP (loopback).
 * All processes idle through the same window, so one window measures them all.
 *
 * BENCH_FULL=1 adds the soak: the 20 friends back up to the 20-friend serve (and to each other), then for
 * BENCH_SOAK_MS (10 min) run health checks and updates against it; its RSS growth over the soak.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startServe, tempDataDir } from '../tests/helpers/serve-process.ts';
import { startBarePeer } from '../tests/helpers/bare-peer.ts';
import type { ServeProcess } from '../tests/helpers/serve-process.ts';
import { acceptHolding, pair, TEST_PASSPHRASE } from '../tests/helpers/cluster.ts';
import { waitFor } from '../tests/helpers/wait-for.ts';
import type { Peer } from '../tests/helpers/cluster.ts';
import { CONNECTION_PING_INTERVAL_MS } from '../electron/core/mesh/node.ts';
import { makeCustodianFixture } from './custodian-fixture.ts';
import type { CustodianFixture } from './custodian-fixture.ts';
import { cpuMsOf, figure, log, median, rssOf, sleep } from './lib.ts';
import type { Figure } from './lib.ts';

/**
 * Rest before the window: three minutes, so that the window sees a process that has settled. In its first minutes
 * V8's memory reducer still runs the collections that follow start-up, in a bare node as in a serve.
 */
const REST_MS = Number(process.env.BENCH_IDLE_REST_MS ?? 180_000);
const WINDOW_MS = Number(process.env.BENCH_IDLE_MS ?? CONNECTION_PING_INTERVAL_MS);
const FRIENDS = Number(process.env.BENCH_IDLE_FRIENDS ?? 20);
const OWNERS = Number(process.env.BENCH_OWNERS ?? 10_000);
const FULL = process.env.BENCH_FULL === '1';
const SOAK_MS = Number(process.env.BENCH_SOAK_MS ?? 10 * 60_000);
const CPU_TARGET_PERCENT = 0.2;
const RSS_TARGET_RATIO = 1.3;
const SOAK_TARGET_PERCENT = 5;
/** How many readings at each end of the soak make its start and its end (their medians). */
const SOAK_ENDS = 3;

/** The app's own timers: only what a loopback bench on a shared machine needs differs (see the header). */
const IDLE_ENV = { TESSERA_MDNS: '0', TESSERA_PASSPHRASE: TEST_PASSPHRASE };

/** Context switches (voluntary + nonvoluntary) of every thread of `pid` now; threads gone by then are not counted. */
export function switchesOf(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      for (const key of ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches'])
        total += Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
}

interface Sample {
  cpuMs: number;
  switches: number;
  at: number;
}

const sample = (pid: number): Sample => ({ cpuMs: cpuMsOf(pid), switches: switchesOf(pid), at: Date.now() });

/** CPU (% of one core) and wakeups per second between two samples. */
function rates(a: Sample, b: Sample): { cpuPercent: number; wakeups: number } {
  const ms = b.at - a.at;
  return { cpuPercent: ((b.cpuMs - a.cpuMs) / ms) * 100, wakeups: (b.switches - a.switches) / (ms / 1000) };
}

/** A serve with a vault, unlocked, its mesh listening; the app's timers (not startPeer's fast test ones). */
async function idlePeer(name: string, env: Record<string, string> = {}, dataDir?: string): Promise<Peer> {
  const serve = await startServe({ dataDir, env: { ...IDLE_ENV, ...env }, timeoutMs: 60_000 });
  let status = await serve.client.call('app.status', {});
  if (status.state === 'empty')
    status = await serve.client.call('vault.create', { name, passphrase: TEST_PASSPHRASE });
  const addresses = await waitFor(`${name}'s mesh to listen`, async () => {
    const a = (await serve.client.call('app.status', {})).addresses;
    return a.length > 0 ? a : null;
  });
  return { name, serve, client: serve.client, peerId: status.identity?.peerId ?? '', listen: addresses[0]! };
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

export async function idle(): Promise<Figure[]> {
  const serves: ServeProcess[] = [];
  const dirs: string[] = [];
  let bare: ChildProcess | null = null;
  const started = (p: Peer) => {
    serves.push(p.serve);
    dirs.push(p.serve.dataDir);
    return p;
  };
  try {
    const fixtures: CustodianFixture[] = [await makeCustodianFixture(1)];
    if (process.env.BENCH_FIXTURE) {
      // A copy of a store made earlier by `node bench/custodian-fixture.ts N` (see custodian-scale.ts).
      const dataDir = tempDataDir('tessera-bench-custodian');
      cpSync(process.env.BENCH_FIXTURE, dataDir, { recursive: true });
      const saved = JSON.parse(readFileSync(join(dataDir, 'bench-fixture.json'), 'utf8')) as CustodianFixture;
      fixtures.push({ ...saved, dataDir });
    } else {
      log(`idle: generating a custodian store with ${OWNERS} owners…`);
      fixtures.push(await makeCustodianFixture(OWNERS));
    }
    dirs.push(...fixtures.map((f) => f.dataDir));
    const [oneOwner, manyOwners] = await Promise.all(
      fixtures.map((f) => startServe({ dataDir: f.dataDir, env: IDLE_ENV, timeoutMs: 60_000 })),
    );
    serves.push(oneOwner!, manyOwners!);

    const lone = started(await idlePeer('Lone'));
    const mdnsOn = started(await idlePeer('Loud', { TESSERA_MDNS: '1' }));
    const hub = started(await idlePeer('Hub'));
    const friends: Peer[] = [];
    for (let i = 0; i < FRIENDS; i += 5) {
      const names = Array.from({ length: Math.min(5, FRIENDS - i) }, (_, k) => `Friend ${i + k}`);
      friends.push(...(await Promise.all(names.map((n) => idlePeer(n)))).map(started));
    }
    for (const f of friends) await pair(hub, f);
    const online = (await hub.client.call('friends.list', {})).filter((f) => f.reachable).length;
    log(`idle: hub paired with ${friends.length} friends (${online} online)`);
    bare = (await startBarePeer()).child;

    const measured = {
      lone: lone.serve.pid,
      mdns: mdnsOn.serve.pid,
      hub: hub.serve.pid,
      one: oneOwner!.pid,
      many: manyOwners!.pid,
      bare: bare.pid!,
    };
    log(`idle: resting ${REST_MS / 1000} s, then measuring ${WINDOW_MS / 1000} s (load ${load()})`);
    await sleep(REST_MS);
    const loadBefore = load();
    const before = Object.fromEntries(Object.entries(measured).map(([k, pid]) => [k, sample(pid)]));
    await sleep(WINDOW_MS);
    const after = Object.fromEntries(Object.entries(measured).map(([k, pid]) => [k, sample(pid)]));
    const rss = Object.fromEntries(Object.entries(measured).map(([k, pid]) => [k, rssOf(pid).rssMiB]));
    const loadAfter = load();
    const r = Object.fromEntries(Object.keys(measured).map((k) => [k, rates(before[k]!, after[k]!)]));
    const onlineAfter = (await hub.client.call('friends.list', {})).filter((f) => f.reachable).length;
    const fmt = (k: string) =>
      `${k}: ${r[k]!.cpuPercent.toFixed(3)} % CPU, ${r[k]!.wakeups.toFixed(1)} wakeups/s, ${rss[k]!.toFixed(0)} MiB`;
    log(`idle: ${Object.keys(measured).map(fmt).join('; ')}`);

    const window = `over ${WINDOW_MS / 1000} s after ${REST_MS / 1000} s of rest; load average ${loadBefore} at the start, ${loadAfter} at the end (the machine is shared)`;
    const bareName =
      'bare js-libp2p node (TCP, Noise, yamux, identify), idle in its own process, same window';
    const all = `all idle processes measured in the same window: ${Object.keys(measured).map(fmt).join('; ')}`;
    const n = OWNERS.toLocaleString('en');
    const cpu = (what: string, k: string, note: string) =>
      figure({
        figure: `Idle \`tessera serve\`, ${what}: CPU`,
        value: r[k]!.cpuPercent,
        unit: '% of a core',
        baseline: bareName,
        baselineValue: r.bare!.cpuPercent,
        target: `≤ ${CPU_TARGET_PERCENT} %`,
        met: r[k]!.cpuPercent <= CPU_TARGET_PERCENT,
        note: `utime+stime from /proc/PID/stat (10 ms ticks) ${window}; ${note}`,
      });
    const memory = (what: string, k: string) =>
      figure({
        figure: `Idle custodian, ${what}: RSS after ${WINDOW_MS / 1000 + REST_MS / 1000} s`,
        value: rss[k]!,
        unit: 'MiB',
        baseline: bareName,
        baselineValue: rss.bare!,
        target: `≤ ${RSS_TARGET_RATIO}× baseline`,
        met: rss[k]! <= RSS_TARGET_RATIO * rss.bare!,
        note: `VmRSS from /proc/PID/status at the end of the window; store from bench/custodian-fixture.ts; ${window}`,
      });
    const wakeups = (what: string, k: string) =>
      figure({
        figure: `Idle \`tessera serve\`, ${what}: wakeups`,
        value: r[k]!.wakeups,
        unit: '/s',
        baseline: bareName,
        baselineValue: r.bare!.wakeups,
        target: '— (reported)',
        met: null,
        note: `voluntary + nonvoluntary context switches summed over /proc/PID/task/*/status (threads ending in the window drop out) ${window}; ${all}`,
      });
    const figures = [
      cpu('0 friends', 'lone', 'mDNS off'),
      cpu(
        `${FRIENDS} friends online`,
        'hub',
        `${FRIENDS} real serve processes paired and code-confirmed; ${online} online after pairing, ${onlineAfter} at the end; mDNS off`,
      ),
      cpu(
        '0 friends, mDNS on (app default)',
        'mdns',
        'mDNS on as the app runs it; reported beside the target',
      ),
      memory('1 held owner', 'one'),
      memory(`${n} held owners`, 'many'),
      wakeups('0 friends', 'lone'),
      wakeups(`${FRIENDS} friends online`, 'hub'),
      wakeups(`${n} held owners`, 'many'),
    ];
    if (FULL) figures.push(await soak(hub, friends));
    return figures;
  } finally {
    bare?.kill('SIGTERM');
    await Promise.all(serves.map((s) => s.stop().catch(() => null)));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/**
 * The soak (BENCH_FULL=1): every friend backs up to the hub and to the next friend (2 of 2), then for SOAK_MS each
 * friend asks for a health check of its custodians every 30 s and changes an item every 60 s (an update to both).
 * The hub's RSS is read 30 s after every round; the figure is the median of the last SOAK_ENDS readings against the
 * median of the first SOAK_ENDS (one reading moves by a collection more than ten minutes of a leak would).
 */
async function soak(hub: Peer, friends: Peer[]): Promise<Figure> {
  const next = (i: number) => friends[(i + 1) % friends.length]!;
  for (let i = 0; i < friends.length; i++) await pair(friends[i]!, next(i));
  for (let i = 0; i < friends.length; i++) {
    await friends[i]!.client.call('items.create', { title: 'Soak', secret: 'x'.repeat(64) });
    await friends[i]!.client.call('backup.create', {
      custodians: [hub.peerId, next(i).peerId],
      threshold: 2,
    });
    await Promise.all([acceptHolding(hub, friends[i]!), acceptHolding(next(i), friends[i]!)]);
  }
  const delivered = async (f: Peer) => {
    const s = await f.client.call('backup.status', {});
    return s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version);
  };
  await waitFor(
    'every friend delivered to its custodians',
    async () => (await Promise.all(friends.map(delivered))).every(Boolean),
    300_000,
    1_000,
  );
  const round = async (k: number) => {
    for (const f of friends) {
      await f.client.call('backup.check', {}).catch(() => null);
      if (k % 2 === 0) await f.client.call('items.create', { title: `Soak ${k}`, secret: 'y'.repeat(64) });
    }
  };
  const startLoad = load();
  const readings: number[] = [];
  const t0 = Date.now();
  for (let k = 0; k === 0 || Date.now() - t0 < SOAK_MS; k++) {
    await round(k);
    await sleep(30_000);
    readings.push(rssOf(hub.serve.pid).rssMiB);
  }
  const peak = rssOf(hub.serve.pid).peakMiB;
  const ends = Math.min(SOAK_ENDS, Math.floor(readings.length / 2));
  const start = median(readings.slice(0, ends));
  const end = median(readings.slice(-ends));
  const series = readings.map((r) => r.toFixed(0)).join(', ');
  log(
    `soak: hub RSS ${start.toFixed(0)} → ${end.toFixed(0)} MiB (peak ${peak.toFixed(0)}; every 30 s: ${series})`,
  );
  return figure({
    figure: `Soak: ${friends.length}-friend custodian's RSS after ${SOAK_MS / 60_000} min of health checks and updates`,
    value: end,
    unit: 'MiB',
    baseline: `its RSS at the soak's start (median of the first ${ends} readings)`,
    baselineValue: start,
    target: `≤ ${SOAK_TARGET_PERCENT} % growth`,
    met: end <= start * (1 + SOAK_TARGET_PERCENT / 100),
    note: `each friend: a health check of its 2 custodians every 30 s, an item change (an update to both) every 60 s; the value is the median of the last ${ends} readings; RSS 30 s after each round, MiB: ${series}; peak ${peak.toFixed(0)} MiB; load average ${startLoad} at the start, ${load()} at the end`,
  });
}
