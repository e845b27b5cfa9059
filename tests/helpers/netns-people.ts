/**
 * People on network namespaces: each runs a real `tessera serve` started by an agent inside its namespace
 * (netns-serve-agent.ts; a namespace's loopback API is reachable only from inside it), driven through its API.
 * Used by the tests that build LANs, homes behind NAT and slow links (tests/helpers/netns.ts makes the namespaces).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { tempDataDir } from './serve-process.ts';
import { TEST_PASSPHRASE, sleep } from './cluster.ts';
import { waitFor } from './wait-for.ts';
import type { Status } from '../../shared/api/ops/app.ts';
import type { Friend } from '../../shared/api/ops/friends.ts';

const AGENT = join(import.meta.dirname, 'netns-serve-agent.ts');

/**
 * What every namespaced serve runs with: no mDNS (the tests dial what they mean to), quick retries (slower than
 * FAST_MESH_ENV's: namespaced links converge more slowly), the test passphrase.
 */
const NETNS_ENV = {
  TESSERA_MDNS: '0',
  TESSERA_MESH_RETRY_MS: '500',
  TESSERA_RECONCILE_MS: '500',
  TESSERA_PASSPHRASE: TEST_PASSPHRASE,
};

export interface Agent {
  child: ChildProcess;
  send<T = unknown>(msg: Record<string, unknown>): Promise<T>;
  exit(): Promise<void>;
}

/** Starts the serve agent (netns-serve-agent.ts) inside namespace `ns`. */
export async function agent(ns: string): Promise<Agent> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, AGENT], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TESSERA_INSECURE_FAST_KDF: '1' },
  });
  const waiting = new Map<
    number,
    (m: { ok: boolean; value?: unknown; error?: { message: string } }) => void
  >();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = JSON.parse(line) as { id?: number; ready?: boolean; ok: boolean };
    if (m.ready) ready();
    else if (m.id !== undefined) waiting.get(m.id)?.(m);
  });
  await Promise.race([
    isReady,
    sleep(30_000).then(() => Promise.reject(new Error(`agent in ${ns} did not start`))),
  ]);
  let next = 0;
  return {
    child,
    send<T>(msg: Record<string, unknown>) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, (m) => {
          waiting.delete(id);
          if (m.ok) resolve(m.value as T);
          else reject(new Error(m.error?.message ?? 'failed'));
        });
        child.stdin!.write(JSON.stringify({ id, ...msg }) + '\n');
      });
    },
    async exit() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end(JSON.stringify({ id: next++, cmd: 'exit' }) + '\n');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** One person's `tessera serve`, run by an agent in their namespace, driven through its API. */
export class Person {
  peerId = '';
  readonly dataDir = tempDataDir('tessera-ns');
  readonly name: string;
  readonly agent: Agent;
  readonly env: Record<string, string>;
  readonly args: string[];
  readonly listen: string | undefined;
  /** A new device: its data dir stays empty at start (a recovery begins there), no vault is created. */
  readonly empty: boolean;
  /**
   * `env`: on top of NETNS_ENV; `args`: more `tessera serve` options; `listen`: one address (default: all);
   * `empty`: start without creating a vault (a new device that recovers).
   */
  constructor(
    name: string,
    agent: Agent,
    options: { env?: Record<string, string>; args?: string[]; listen?: string; empty?: boolean } = {},
  ) {
    this.name = name;
    this.agent = agent;
    this.env = { ...NETNS_ENV, ...options.env };
    this.args = options.args ?? [];
    this.listen = options.listen;
    this.empty = options.empty === true;
  }
  call<T = unknown>(op: string, input: unknown = {}): Promise<T> {
    return this.agent.send<T>({ cmd: 'call', name: this.name, op, input });
  }
  async start(): Promise<void> {
    await this.agent.send({
      cmd: 'start',
      name: this.name,
      dataDir: this.dataDir,
      env: this.env,
      args: this.args,
      ...(this.listen ? { listen: this.listen } : {}),
    });
    const s = await this.call<Status>('app.status');
    if (this.empty && (s.state === 'empty' || s.state === 'recovering')) return;
    if (s.state === 'empty') {
      const created = await this.call<Status>('vault.create', {
        name: this.name,
        passphrase: TEST_PASSPHRASE,
      });
      this.peerId = created.identity!.peerId;
    } else this.peerId = s.identity!.peerId;
    await waitForNetns(
      `${this.name}'s mesh`,
      async () => (await this.call<Status>('app.status')).addresses.length > 0,
    );
  }
  stop(): Promise<unknown> {
    return this.agent.send({ cmd: 'stop', name: this.name });
  }
  friend(peerId: string): Promise<Friend | undefined> {
    return this.call<Friend[]>('friends.list').then((l) => l.find((f) => f.peerId === peerId));
  }
}

/** Namespaced hosts are slower to converge than loopback ones: `waitFor` with a longer wait, polled less often. */
export function waitForNetns<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  return waitFor(what, check, timeoutMs, 300);
}

/** The people pair over the network: each types the other's code, as they would read it. */
export async function pair(a: Person, b: Person): Promise<void> {
  const ia = await a.call<{ code: string }>('friends.invite');
  const ib = await b.call<{ code: string }>('friends.invite');
  await a.call('friends.pair', { code: ib.code });
  await b.call('friends.pair', { code: ia.code });
  await waitForNetns(
    `${a.name} and ${b.name} to be friends`,
    async () => (await a.friend(b.peerId)) && (await b.friend(a.peerId)),
    90_000,
  );
  // They read the code on their screens to each other and confirm it (PROTOCOL §8.5).
  await waitForNetns(`${a.name} and ${b.name} to have compared codes`, async () => {
    const [fa, fb] = [await a.friend(b.peerId), await b.friend(a.peerId)];
    return fa?.comparisonCode && fa.comparisonCode === fb?.comparisonCode;
  });
  await a.call('friends.confirm', { peerId: b.peerId, match: true });
  await b.call('friends.confirm', { peerId: a.peerId, match: true });
}

/** The custodian accepts the owner's holding request once it has arrived. */
export async function acceptHolding(custodian: Person, owner: Person): Promise<void> {
  const id = `holding:${owner.peerId}`;
  await waitForNetns(`${custodian.name} to see the holding request`, async () =>
    (await custodian.call<{ id: string }[]>('requests.list')).some((r) => r.id === id),
  );
  await custodian.call('requests.accept', { id });
}
