/**
 * Network namespaces for tests that need real hosts on a LAN, or homes behind NAT routers. Every namespace a Lab makes
 * is deleted by destroy(); no traffic leaves them.
 *
 *   const lab = new NetnsLab();
 *   lab.add('lan'); lab.bridge('lan');                       a LAN segment: a bridge in its own namespace
 *   lab.add('h1'); lab.plug({ ns: 'h1', inner: 'v1', outer: 'p1', bridgeNs: 'lan', cidr: '10.0.0.1/24' });
 *   …
 *   lab.destroy();
 *
 * Needs root. netnsUnavailable() says why a machine cannot run these (and the test skips with that reason).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Runs a command; a failure is an Error that carries the command and its stderr. */
export function run(command: string, ...args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')}: ${(r.stderr || r.error?.message || 'failed').trim()}`);
}

export function ip(...args: string[]): void {
  run('ip', ...args);
}

/** Why network namespaces cannot be used here (null when they can), checked by making and deleting one. */
export function netnsUnavailable(options: { iptables?: boolean } = {}): string | null {
  if (process.getuid?.() !== 0) return 'not running as root (network namespaces need root)';
  if (options.iptables) {
    const r = spawnSync('iptables', ['--version'], { stdio: 'ignore' });
    if (r.status !== 0) return 'iptables is not installed (Debian package "iptables")';
  }
  const probe = `tprobe${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `ip netns does not work here: ${(err as Error).message}`;
  }
}

/** Namespace names are at most 15 characters as interface names are; keep prefixes short. */
export class NetnsLab {
  private readonly created: string[] = [];

  /** A namespace with its loopback up. */
  add(name: string): string {
    ip('netns', 'add', name);
    this.created.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A bridge (a LAN segment) in `ns`, optionally with an address of its own (`cidr`). */
  bridge(ns: string, name = 'br0', cidr?: string): void {
    ip('-n', ns, 'link', 'add', name, 'type', 'bridge');
    if (cidr) ip('-n', ns, 'addr', 'add', cidr, 'dev', name);
    ip('-n', ns, 'link', 'set', name, 'up');
  }

  /** A veth pair: `a` in namespace `nsA`, `b` in `nsB` (both still down). */
  veth(a: string, nsA: string, b: string, nsB: string): void {
    ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
    ip('link', 'set', a, 'netns', nsA);
    ip('link', 'set', b, 'netns', nsB);
  }

  /** Gives `ns` the address `cidr` on `dev` and brings it up. */
  address(ns: string, dev: string, cidr: string): void {
    ip('-n', ns, 'addr', 'add', cidr, 'dev', dev);
    ip('-n', ns, 'link', 'set', dev, 'up');
  }

  /**
   * Plugs `ns` into the bridge in `bridgeNs`: interface `inner` (address `cidr`) in `ns`, its peer `outer` a port of
   * the bridge. `defaultRoute: true` sends everything else out of `inner` too (so multicast such as mDNS works).
   */
  plug(o: {
    ns: string;
    inner: string;
    outer: string;
    bridgeNs: string;
    cidr: string;
    bridge?: string;
    defaultRoute?: boolean;
  }): void {
    this.veth(o.inner, o.ns, o.outer, o.bridgeNs);
    ip('-n', o.bridgeNs, 'link', 'set', o.outer, 'master', o.bridge ?? 'br0');
    ip('-n', o.bridgeNs, 'link', 'set', o.outer, 'up');
    this.address(o.ns, o.inner, o.cidr);
    if (o.defaultRoute) ip('-n', o.ns, 'route', 'add', 'default', 'dev', o.inner);
  }

  /** Makes `router` forward and masquerade everything that leaves through `wan` (a home router's NAT). */
  nat(router: string, wan: string): void {
    run('ip', 'netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    run(
      'ip',
      'netns',
      'exec',
      router,
      'iptables',
      '-t',
      'nat',
      '-A',
      'POSTROUTING',
      '-o',
      wan,
      '-j',
      'MASQUERADE',
    );
  }

  /** Limits what leaves `ns` through `dev` to `rate` (tc token bucket, e.g. '4mbit'): a slow uplink. */
  slowLink(ns: string, dev: string, rate: string): void {
    run(
      'ip',
      'netns',
      'exec',
      ns,
      'tc',
      'qdisc',
      'add',
      'dev',
      dev,
      'root',
      'tbf',
      'rate',
      rate,
      'burst',
      '32kbit',
      'latency',
      '400ms',
    );
  }

  /** Deletes every namespace this lab made, newest first (their interfaces go with them). */
  destroy(): void {
    for (const ns of this.created.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  }
}
