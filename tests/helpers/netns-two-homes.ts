/**
 * Two homes behind NAT routers and one public segment, in network namespaces (the recipe of
 * ../shared/notes/toolchain.md), for the tests that go beyond the LAN:
 *
 *   home A 192.168.71.0/24 ── router A (NAT) ──┐
 *                                              ├── public segment <pub>.X.0/24 (a bridge in `pub`, host .1)
 *   home B 192.168.72.0/24 ── router B (NAT) ──┘
 *
 * Each router masquerades its home onto the public segment, so nobody can dial into a home. Namespace and interface
 * names carry a short prefix and a random tag, so runs never collide and an interrupted run's leftovers are found.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ip, netnsUnavailable, NetnsLab } from './netns.ts';
import { agent } from './netns-people.ts';
import type { Agent } from './netns-people.ts';

export interface TwoHomes {
  lab: NetnsLab;
  ns: { pub: string; rtrA: string; homeA: string; rtrB: string; homeB: string };
  /** An address on the public segment (the `pub` namespace's host is .1). */
  pub(i: number): string;
}

/**
 * The plan for one run: `prefix` (3 letters) names the namespaces, `ifPrefix` (2 letters) the interfaces, and
 * `publicNet` the first two octets of the public segment (e.g. '10.89').
 */
export function twoHomes(
  prefix: string,
  ifPrefix: string,
  publicNet: string,
): TwoHomes & {
  /** Why the namespaces cannot be made here (then the test skips), after deleting an interrupted run's leftovers. */
  unavailable(): string | null;
  build(): void;
  /** Builds the network and starts a test agent in the public segment and in each home. */
  start(): Promise<{ pub: Agent; homeA: Agent; homeB: Agent }>;
  /** Ends the agents start() began and deletes the namespaces. */
  destroy(): Promise<void>;
} {
  const tag = randomBytes(2).toString('hex');
  const net = 10 + (randomBytes(1)[0]! % 240);
  const ns = {
    pub: `${prefix}${tag}pub`,
    rtrA: `${prefix}${tag}ra`,
    homeA: `${prefix}${tag}ha`,
    rtrB: `${prefix}${tag}rb`,
    homeB: `${prefix}${tag}hb`,
  };
  const lab = new NetnsLab();
  const pub = (i: number) => `${publicNet}.${net}.${i}`;
  const agents: Agent[] = [];
  return {
    lab,
    ns,
    pub,
    unavailable() {
      const why = netnsUnavailable({ iptables: true });
      if (why) return why;
      let leftovers: string[] = [];
      try {
        const own = new RegExp(`^${prefix}[0-9a-f]{4}(pub|ra|ha|rb|hb)$`);
        leftovers = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
          .split('\n')
          .map((l) => l.split(' ')[0] ?? '')
          .filter((n) => own.test(n));
      } catch {
        leftovers = [];
      }
      for (const name of leftovers) {
        try {
          ip('netns', 'del', name);
        } catch {
          // another run may still be using it
        }
      }
      return null;
    },
    async start() {
      this.build();
      const [pubAgent, homeA, homeB] = await Promise.all([agent(ns.pub), agent(ns.homeA), agent(ns.homeB)]);
      agents.push(pubAgent, homeA, homeB);
      return { pub: pubAgent, homeA, homeB };
    },
    async destroy() {
      await Promise.all(agents.map((a) => a.exit()));
      lab.destroy();
    },
    build() {
      for (const name of Object.values(ns)) lab.add(name);
      lab.bridge(ns.pub, 'br0', `${pub(1)}/24`);
      const homes = [
        { rtr: ns.rtrA, home: ns.homeA, lan: '192.168.71', pubIp: pub(2), id: 'a' },
        { rtr: ns.rtrB, home: ns.homeB, lan: '192.168.72', pubIp: pub(3), id: 'b' },
      ];
      for (const h of homes) {
        const wan = `${ifPrefix}${tag}w${h.id}`; // router's public leg
        const port = `${ifPrefix}${tag}p${h.id}`; // its bridge port
        const lanR = `${ifPrefix}${tag}l${h.id}`; // router's home leg
        const lanH = `${ifPrefix}${tag}h${h.id}`; // the home host's interface
        lab.plug({ ns: h.rtr, inner: wan, outer: port, bridgeNs: ns.pub, cidr: `${h.pubIp}/24` });
        lab.veth(lanR, h.rtr, lanH, h.home);
        lab.address(h.rtr, lanR, `${h.lan}.1/24`);
        lab.address(h.home, lanH, `${h.lan}.2/24`);
        ip('-n', h.home, 'route', 'add', 'default', 'via', `${h.lan}.1`);
        lab.nat(h.rtr, wan);
      }
    },
  };
}
