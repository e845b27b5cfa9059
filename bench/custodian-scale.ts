/**
 * Figure 3 (custodian scale) and the 10,000-owner half of figure 5 (startup).
 *
 * A custodian data dir with N owners (bench/custodian-fixture.ts: real envelopes, manifests, chunks, friends and
 * consent written through the real store classes), then with real processes on loopback:
 *   - start: spawn `tessera serve` (unlocking with TESSERA_PASSPHRASE, test-floor scrypt) → the API's first line, and
 *     → the first valid health-check proof answered to a real peer process dialing over the mesh;
 *   - RSS of the serve process after serving;
 *   - p50/p99 of health checks (challenge → proof, a new stream each, as owners do) from a real peer process;
 *   - its own backup: two real friends hold for it; an item change → both hold the new version (includes the
 *     app's fixed 1 s change-burst debounce, reported separately).
 * Everything is measured for the N-owner store and, as the baseline in the same run, a 1-owner store.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServe, tempDataDir } from '../tests/helpers/serve-process.ts';
import type { ServeProcess } from '../tests/helpers/serve-process.ts';
import { acceptHolding, pair, TEST_PASSPHRASE } from '../tests/helpers/cluster.ts';
import type { Peer } from '../tests/helpers/cluster.ts';
import { makeCustodianFixture } from './custodian-fixture.ts';
import type { CustodianFixture } from './custodian-fixture.ts';
import { figure, log, median, percentile, PeerGroup, poll, rssOf } from './lib.ts';
import type { Figure } from './lib.ts';

const OWNERS = Number(process.env.BENCH_OWNERS ?? 10_000);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 500);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 5);
const DEBOUNCE_MS = 1_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

interface ChildMessage {
  cmd: string;
  at?: number;
  times?: number[];
  bad?: number;
  message?: string;
}

class PeerChild {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, (m: ChildMessage) => void>();
  private error: string | null = null;

  constructor(config: object) {
    this.child = fork(new URL('./peer-child.ts', import.meta.url), [JSON.stringify(config)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: ChildMessage) => {
      if (m.cmd === 'error') this.error = m.message ?? 'error';
      const w = this.waiting.get(m.cmd === 'error' ? [...this.waiting.keys()][0]! : m.cmd);
      if (w) {
        this.waiting.delete(m.cmd);
        w(m);
      }
    });
  }

  request(cmd: string, extra: object = {}): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      this.waiting.set(cmd, (m) => (m.cmd === 'error' ? reject(new Error(this.error ?? '')) : resolve(m)));
      if (cmd !== 'ready') this.child.send({ cmd, ...extra });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ cmd: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface CustodianMeasures {
  owners: number;
  apiReadyMs: number[];
  servingMs: number[];
  health: number[];
  healthBad: number;
  rssMiB: number;
  peakMiB: number;
  updateMs: number[];
  fixtureMs: number;
}

const serveEnv: Record<string, string> = {
  TESSERA_MDNS: '0',
  TESSERA_PASSPHRASE: TEST_PASSPHRASE,
  TESSERA_RECONCILE_MS: '200',
  // BENCH_PROFILE=<dir>: CPU profiles of the custodian processes.
  ...(process.env.BENCH_PROFILE
    ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` }
    : {}),
};

async function measure(fixture: CustodianFixture, group: PeerGroup): Promise<CustodianMeasures> {
  const port = await freePort();
  const listen = `/ip4/127.0.0.1/tcp/${port}`;
  const probe = new PeerChild({
    owner: fixture.sample[0],
    custodian: fixture.custodianPeerId,
    address: listen,
  });
  await probe.request('ready');
  const apiReadyMs: number[] = [];
  const servingMs: number[] = [];
  let serve: ServeProcess | null = null;
  try {
    for (let i = 0; i < STARTS; i++) {
      const served = probe.request('probe');
      const t0 = Date.now();
      serve = await startServe({ dataDir: fixture.dataDir, listen, env: serveEnv, timeoutMs: 60_000 });
      apiReadyMs.push(Date.now() - t0);
      servingMs.push(((await served).at ?? NaN) - t0);
      if (i < STARTS - 1) {
        await serve.stop();
        serve = null;
      }
    }
    const s = serve!;
    const health = await probe.request('health', { n: CHECKS });
    const rss = rssOf(s.pid);
    log(`custodian ${fixture.owners}: serving in ${median(servingMs)} ms, rss ${Math.round(rss.rssMiB)} MiB`);

    // Its own backup, held by two real friends.
    const self: Peer = {
      name: 'Custodian',
      serve: s,
      client: s.client,
      peerId: fixture.custodianPeerId,
      listen,
    };
    const [x, y] = await Promise.all([group.start('Xan'), group.start('Yul')]);
    for (const f of [x!, y!]) await pair(self, f);
    await s.client.call('backup.create', { custodians: [x!.peerId, y!.peerId], threshold: 2 });
    for (const f of [x!, y!]) await acceptHolding(f, self);
    const held = async (version: number) => {
      const st = await s.client.call('backup.status', {});
      return st.version >= version && st.custodians.every((c) => c.versionHeld === st.version) ? st : null;
    };
    let version = (
      await poll('the custodian to hold its first backup at both friends', () => held(1), 300_000)
    ).version;
    const updateMs: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const t0 = performance.now();
      await s.client.call('items.create', { title: `Change ${i}`, secret: 'x'.repeat(1024) });
      version = (
        await poll('the own backup update to reach both friends', () => held(version + 1), 120_000, 10)
      ).version;
      updateMs.push(performance.now() - t0);
    }
    const after = rssOf(s.pid);
    return {
      owners: fixture.owners,
      apiReadyMs,
      servingMs,
      health: health.times ?? [],
      healthBad: health.bad ?? 0,
      rssMiB: rss.rssMiB,
      peakMiB: after.peakMiB,
      updateMs,
      fixtureMs: fixture.generateMs,
    };
  } finally {
    await probe.stop();
    await serve?.stop();
  }
}

export async function custodianScale(): Promise<{ figures: Figure[]; big: CustodianMeasures }> {
  const group = new PeerGroup();
  const fixtures: CustodianFixture[] = [];
  try {
    const small = await makeCustodianFixture(1);
    fixtures.push(small);
    const base = await measure(small, group);
    await group.stopAll();
    let bigFixture: CustodianFixture;
    if (process.env.BENCH_FIXTURE) {
      // For iterating on a fix: a copy of a store made earlier by `node bench/custodian-fixture.ts N`.
      const dataDir = tempDataDir('tessera-bench-custodian');
      cpSync(process.env.BENCH_FIXTURE, dataDir, { recursive: true });
      const saved = JSON.parse(readFileSync(join(dataDir, 'bench-fixture.json'), 'utf8')) as CustodianFixture;
      bigFixture = { ...saved, dataDir };
    } else {
      log(`generating a custodian store with ${OWNERS} owners…`);
      bigFixture = await makeCustodianFixture(OWNERS);
    }
    fixtures.push(bigFixture);
    log(`generated in ${Math.round(bigFixture.generateMs / 1000)} s`);
    const big = await measure(bigFixture, group);
    const n = OWNERS.toLocaleString('en');
    const note = `${n}-owner store (real envelopes, manifests, chunks via the store classes); baseline: a 1-owner store, same run`;
    const figures = [
      figure({
        figure: `Custodian (${n} owners): start → serving a health check over the mesh`,
        value: median(big.servingMs),
        unit: 'ms',
        baseline: '1-owner custodian',
        baselineValue: median(base.servingMs),
        target: '< 1000 ms',
        met: median(big.servingMs) < 1000,
        note: `${note}; includes unlock with TESSERA_PASSPHRASE at the test-floor scrypt (N=2^14); median of ${STARTS}`,
      }),
      figure({
        figure: `Custodian (${n} owners): RSS while serving`,
        value: big.rssMiB,
        unit: 'MiB',
        baseline: '1-owner custodian',
        baselineValue: base.rssMiB,
        target: '< 200 MiB',
        met: big.rssMiB < 200,
        note: `${note}; after ${CHECKS} health checks. Peak (VmHWM) incl. its own backup builds: ${Math.round(big.peakMiB)} MiB (1-owner: ${Math.round(base.peakMiB)} MiB)`,
      }),
      figure({
        figure: `Custodian (${n} owners): health check p50 (challenge → proof, new stream)`,
        value: median(big.health),
        unit: 'ms',
        baseline: '1-owner custodian',
        baselineValue: median(base.health),
        target: '—',
        met: null,
        note: `${CHECKS} checks from a real peer process over TCP+Noise+yamux; ${big.healthBad} bad proofs`,
      }),
      figure({
        figure: `Custodian (${n} owners): health check p99`,
        value: percentile(big.health, 99),
        unit: 'ms',
        baseline: '1-owner custodian',
        baselineValue: percentile(base.health, 99),
        target: '< 50 ms',
        met: percentile(big.health, 99) < 50,
      }),
      figure({
        figure: `Custodian (${n} owners): own backup update (change → both custodians hold it)`,
        value: median(big.updateMs),
        unit: 'ms',
        baseline: '1-owner custodian',
        baselineValue: median(base.updateMs),
        target: '< 2000 ms',
        met: median(big.updateMs) < 2000,
        note: `includes the app's fixed ${DEBOUNCE_MS} ms change-burst debounce; its snapshot carries ${n} held envelopes and ${n} contacts; median of ${UPDATES}`,
      }),
      figure({
        figure: `Custodian (${n} owners): own backup update, excluding the ${DEBOUNCE_MS} ms debounce`,
        value: median(big.updateMs) - DEBOUNCE_MS,
        unit: 'ms',
        baseline: '1-owner custodian',
        baselineValue: median(base.updateMs) - DEBOUNCE_MS,
        target: '< 2000 ms',
        met: median(big.updateMs) - DEBOUNCE_MS < 2000,
        note: 'build (snapshot, chunks, encryption, manifest) + push of the changed chunks to two friends + receipts',
      }),
    ];
    return { figures, big: { ...big, apiReadyMs: big.apiReadyMs }, ...{ base } };
  } finally {
    await group.stopAll();
    for (const f of fixtures) rmSync(f.dataDir, { recursive: true, force: true });
  }
}
