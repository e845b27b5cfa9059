/**
 * Hosts for the LAN recovery test: real `tessera serve` processes either all on loopback, or each in its own
 * network namespace on one bridge (a LAN: 10.77.0.0/24, mDNS on, listening on 0.0.0.0 so loopback is never
 * advertised or dialed). In namespaces the test reaches each host's loopback-only API through a small forwarder
 * process in that namespace listening on a Unix socket (filesystem sockets are not namespaced).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from '../../shared/api/client.ts';
import type { TesseraClient } from '../../shared/api/client.ts';
import type { Envelope } from '../../shared/api/contract.ts';
import { CLI, runCli, startServe, tempDataDir, testEnv } from '../helpers/serve-process.ts';
import type { CliResult, ServeProcess } from '../helpers/serve-process.ts';
import { FAST_MESH_ENV, TEST_PASSPHRASE } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { netnsUnavailable, NetnsLab } from '../helpers/netns.ts';

export interface Host {
  name: string;
  dataDir: string;
  peerId: string;
  client: TesseraClient;
  /** The namespace it runs in (netns mode). */
  ns: string | null;
  stop(): Promise<void>;
}

export interface Lan {
  mode: 'loopback' | 'netns';
  description: string;
  /** A host with a vault (created, or unlocked from `dataDir`). */
  startPeer(name: string, dataDir?: string): Promise<Host>;
  /** A host on an empty data dir (or `dataDir`), nothing created. */
  startFresh(name: string, dataDir?: string): Promise<Host>;
  stop(h: Host): Promise<void>;
  restart(h: Host): Promise<Host>;
  cli(h: Host, args: string[]): Promise<CliResult>;
  /** Runs `node script args…` as a peer process on this LAN (its own namespace in netns mode). */
  spawnPeer(script: string, args: string[]): ChildProcess;
  close(): Promise<void>;
}

const MESH_ENV = { ...FAST_MESH_ENV };

async function withVault(host: Host, name: string): Promise<Host> {
  let status = await host.client.call('app.status', {});
  if (status.state === 'empty')
    status = await host.client.call('vault.create', { name, passphrase: TEST_PASSPHRASE });
  await waitFor(
    `${name}'s mesh to listen`,
    async () => (await host.client.call('app.status', {})).addresses.length > 0,
  );
  return { ...host, peerId: status.identity?.peerId ?? '' };
}

export { acceptHolding, pair } from '../helpers/cluster.ts';

// ---- loopback --------------------------------------------------------------------------------------------------

function loopbackLan(reason: string): Lan {
  const running = new Set<ServeProcess>();
  // Loopback has no mDNS to find a host that comes back on a new port, so a restarted host listens where it
  // listened before (on a LAN, discovery finds it at its new address).
  const lastPort = new Map<string, string>();
  const start = async (name: string, dataDir?: string): Promise<Host> => {
    const port = dataDir ? lastPort.get(dataDir) : undefined;
    const listen = port ? `/ip4/127.0.0.1/tcp/${port}` : undefined;
    const serve = await startServe({
      ...(dataDir ? { dataDir } : {}),
      ...(listen ? { listen } : {}),
      env: MESH_ENV,
    });
    if (process.env.TESSERA_TEST_LOG === '1')
      serve.child.stderr?.on('data', (c: Buffer) =>
        process.stderr.write(c.toString().replace(/^/gm, `[${name}] `)),
      );
    running.add(serve);
    return {
      name,
      dataDir: serve.dataDir,
      peerId: '',
      client: serve.client,
      ns: null,
      stop: async () => {
        if (!running.delete(serve)) return;
        const status = await serve.client.call('app.status', {}).catch(() => null);
        const port = status?.addresses
          .map((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)/.exec(a)?.[1])
          .find((p) => p !== undefined);
        if (port) lastPort.set(serve.dataDir, port);
        await serve.stop();
      },
    };
  };
  const lan: Lan = {
    mode: 'loopback',
    description: reason,
    startPeer: async (name, dataDir) => withVault(await start(name, dataDir), name),
    startFresh: (name, dataDir) => start(name, dataDir),
    stop: (h) => h.stop(),
    restart: async (h) => {
      await h.stop();
      return { ...(await start(h.name, h.dataDir)), peerId: h.peerId };
    },
    cli: (_h, args) => runCli(['--data', _h.dataDir, '--json', ...args], { env: MESH_ENV }),
    spawnPeer: (script, args) =>
      spawn(process.execPath, [script, ...args], { env: testEnv(), stdio: ['pipe', 'pipe', 'pipe'] }),
    close: async () => {
      await Promise.all([...running].map((s) => s.stop()));
    },
  };
  return lan;
}

// ---- network namespaces ----------------------------------------------------------------------------------------

function unixBridge(socketPath: string, port: number, token: string): TesseraClient {
  return createClient({
    call: (op, input) =>
      new Promise<Envelope<unknown>>((resolve) => {
        const body = JSON.stringify({ op, input });
        const req = request(
          {
            socketPath,
            path: '/api/call',
            method: 'POST',
            headers: {
              host: `127.0.0.1:${port}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization: `Bearer ${token}`,
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () => {
              try {
                resolve(JSON.parse(text) as Envelope<unknown>);
              } catch {
                resolve({
                  ok: false,
                  error: { code: 'INTERNAL', message: `bad response: ${text.slice(0, 200)}` },
                });
              }
            });
          },
        );
        req.on('error', (err) =>
          resolve({ ok: false, error: { code: 'NO_DAEMON', message: `forwarder: ${err.message}` } }),
        );
        req.end(body);
      }),
    onEvent: () => () => {},
  });
}

const FORWARDER = `
const net = require('node:net'); const [sock, port] = process.argv.slice(1);
require('node:fs').rmSync(sock, { force: true });
net.createServer((c) => { const u = net.connect(Number(port), '127.0.0.1'); c.pipe(u).pipe(c);
  u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); }).listen(sock, () => console.log('ready'));`;

function waitLine(child: ChildProcess, what: string, log: () => string, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${ms} ms:\n${log()}`)), ms);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${log()}`));
    });
  });
}

function netnsLan(prefix: string): Lan {
  const bridgeNs = `${prefix}lan`;
  const lab = new NetnsLab();
  const children = new Set<ChildProcess>();
  const sockDir = tempDataDir('tessera-netns-sock');
  lab.add(bridgeNs);
  lab.bridge(bridgeNs);
  const nsOf = new Map<string, string>();
  let next = 1;
  const addHost = (label: string): string => {
    const existing = nsOf.get(label);
    if (existing) return existing;
    const i = next++;
    const ns = lab.add(`${prefix}h${i}`);
    lab.plug({
      ns,
      inner: `${prefix}v${i}`,
      outer: `${prefix}p${i}`,
      bridgeNs,
      cidr: `10.77.0.${i}/24`,
      defaultRoute: true,
    });
    nsOf.set(label, ns);
    return ns;
  };
  const env = (extra: Record<string, string> = {}) => testEnv({ ...MESH_ENV, TESSERA_MDNS: '1', ...extra });
  const inNs = (ns: string, args: string[], extraEnv?: Record<string, string>) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], {
      env: env(extraEnv),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const stopChild = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };

  const start = async (name: string, dataDir = tempDataDir()): Promise<Host> => {
    const ns = addHost(name);
    const serve = inNs(ns, [
      CLI,
      '--data',
      dataDir,
      '--json',
      'serve',
      '--ui-port',
      '0',
      '--listen',
      '/ip4/0.0.0.0/tcp/0',
    ]);
    let log = '';
    serve.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
    const first = JSON.parse(await waitLine(serve, `serve for ${name}`, () => log)) as {
      url: string;
      port: number;
    };
    const token = /#token=([0-9a-f]{64})/.exec(first.url)?.[1] ?? '';
    const sock = join(sockDir, `${ns}-${first.port}.sock`);
    const fwd = inNs(ns, ['-e', FORWARDER, sock, String(first.port)]);
    await waitLine(fwd, `API forwarder for ${name}`, () => '');
    return {
      name,
      dataDir,
      peerId: '',
      client: unixBridge(sock, first.port, token),
      ns,
      stop: async () => {
        await stopChild(serve);
        await stopChild(fwd);
      },
    };
  };
  return {
    mode: 'netns',
    description: `separate network namespaces on a bridge (10.77.0.0/24), mDNS on, prefix ${prefix}`,
    startPeer: async (name, dataDir) => withVault(await start(name, dataDir), name),
    startFresh: (name, dataDir) => start(name, dataDir),
    stop: (h) => h.stop(),
    restart: async (h) => {
      await h.stop();
      return { ...(await start(h.name, h.dataDir)), peerId: h.peerId };
    },
    cli: (h, args) =>
      new Promise((resolve, reject) => {
        const child = inNs(h.ns!, [CLI, '--data', h.dataDir, '--json', ...args]);
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
        child.stdin!.end('');
      }),
    spawnPeer: (script, args) => inNs(addHost('helper'), [script, ...args]),
    close: async () => {
      await Promise.all([...children].map(stopChild));
      lab.destroy();
    },
  };
}

/** netns when root can create namespaces (or TESSERA_RECOVERY_MODE=netns), else loopback; says why. */
export async function chooseLan(): Promise<Lan> {
  const forced = process.env.TESSERA_RECOVERY_MODE;
  if (forced === 'loopback') return loopbackLan('loopback forced by TESSERA_RECOVERY_MODE');
  const unavailable = netnsUnavailable();
  if (unavailable) {
    const why = `loopback: cannot create network namespaces (${unavailable})`;
    if (forced === 'netns') throw new Error(why);
    return loopbackLan(why);
  }
  return netnsLan(`tr${process.pid % 10000}`);
}
