/**
 * Reachability beyond the LAN: which of our addresses are worth telling friends, which of theirs are worth keeping,
 * and how each friend is reached right now (direct or relayed). Autonat (relay.ts) confirms public
 * addresses; libp2p's address manager only lists observed addresses once confirmed, so what we advertise is our
 * listen addresses (without loopback), confirmed public addresses and relay addresses of our reservations.
 */
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Connection } from '@libp2p/interface';
import { isPrivateIp } from '@libp2p/utils';
import { isLinkLocal, isLoopbackOrUnspecified, parseMultiaddr, usableAddresses } from './addresses.ts';

export type FriendPath = 'direct' | 'relayed' | 'via-friend' | 'unreachable';

/** Direct addresses and relay addresses we put into invites (together at most the invite's 8). */
const MAX_DIRECT = 6;
const MAX_RELAYED = 2;

export function isCircuit(ma: Multiaddr | string): boolean {
  return (typeof ma === 'string' ? ma : ma.toString()).includes('/p2p-circuit');
}

/**
 * A relay address reduced to `<relay transport>/p2p/<relay id>/p2p-circuit` (the part after is the owner's own ID,
 * which we always dial pinned), or null when the relay's transport address is not usable from elsewhere.
 */
export function relayAddress(ma: Multiaddr, loopbackOnly: boolean): string | null {
  const comps = ma.getComponents();
  const circuit = comps.findIndex((c) => c.name === 'p2p-circuit');
  if (circuit < 1 || comps[circuit - 1]?.name !== 'p2p') return null;
  const text = comps
    .slice(0, circuit + 1)
    .map((c) => `/${c.name}${c.value !== undefined ? '/' + c.value : ''}`)
    .join('');
  const relay = parseMultiaddr(text);
  if (!relay || isLinkLocal(relay) || isLoopbackOrUnspecified(relay) !== loopbackOnly) return null;
  return text;
}

/** Addresses of a friend worth storing and dialing: direct ones (addresses.ts rules) and relay addresses. */
export function friendAddresses(
  addrs: readonly (Multiaddr | string)[],
  loopbackOnly: boolean,
  max = 16,
): string[] {
  const parsed = addrs
    .map((a) => (typeof a === 'string' ? parseMultiaddr(a) : a))
    .filter((a): a is Multiaddr => a !== null);
  const direct = usableAddresses(
    parsed.filter((a) => !isCircuit(a)),
    loopbackOnly,
    max,
  );
  const relayed: string[] = [];
  for (const a of parsed.filter((x) => isCircuit(x))) {
    const r = relayAddress(a, loopbackOnly);
    if (r && !relayed.includes(r)) relayed.push(r);
  }
  return [...direct.slice(0, Math.max(0, max - Math.min(relayed.length, MAX_RELAYED))), ...relayed].slice(
    0,
    max,
  );
}

/** What we tell friends (invites): direct addresses first, then up to two relay addresses. */
export function advertisedAddresses(addrs: readonly Multiaddr[], loopbackOnly: boolean): string[] {
  const direct = usableAddresses(
    addrs.filter((a) => !isCircuit(a)),
    loopbackOnly,
    MAX_DIRECT,
  );
  const relayed = friendAddresses(
    addrs.filter((a) => isCircuit(a)),
    loopbackOnly,
  ).slice(0, MAX_RELAYED);
  return [...direct, ...relayed];
}

/** A reply code carries at most this many direct and relay addresses (PROTOCOL §11.7). */
const MAX_REPLY_DIRECT = 2;
const MAX_REPLY_RELAYED = 2;

function isPublic(ma: Multiaddr): boolean {
  const host = ma.getComponents()[0];
  if (host?.value === undefined) return false;
  if (host.name === 'dns' || host.name === 'dns4' || host.name === 'dns6') return host.value !== 'localhost';
  return (
    (host.name === 'ip4' || host.name === 'ip6') && isPrivateIp(host.value) === false && !isLinkLocal(ma)
  );
}

/**
 * The addresses a reply code names (PROTOCOL §11.7), without our own `/p2p/<id>`: up to 2 direct addresses (public
 * ones: a public listen address, or an observed or mapped one autonat confirmed; on a loopback-only test mesh,
 * loopback), then up to 2 relay addresses `/…/p2p/<relay>/p2p-circuit`; private addresses only when there is
 * neither.
 */
export function replyAddresses(addrs: readonly Multiaddr[], loopbackOnly: boolean): string[] {
  const direct = usableAddresses(
    addrs.filter((a) => !isCircuit(a) && (loopbackOnly || isPublic(a))),
    loopbackOnly,
    MAX_REPLY_DIRECT,
  );
  const relayed = friendAddresses(
    addrs.filter((a) => isCircuit(a)),
    loopbackOnly,
  ).slice(0, MAX_REPLY_RELAYED);
  // With neither, private addresses are all there is: they reach a friend on the same LAN or private network (or a
  // relay machine inside one), and keep the code short otherwise.
  if (direct.length === 0 && relayed.length === 0)
    return usableAddresses(
      addrs.filter((a) => !isCircuit(a)),
      loopbackOnly,
      MAX_REPLY_DIRECT,
    );
  return [...direct, ...relayed];
}

/** The peer IDs of the relays we hold a reservation on (from our `/p2p/<relay>/p2p-circuit` addresses). */
export function reservedRelays(addrs: readonly Multiaddr[]): string[] {
  const relays: string[] = [];
  for (const a of addrs) {
    const comps = a.getComponents();
    const circuit = comps.findIndex((c) => c.name === 'p2p-circuit');
    const relay = circuit > 0 ? comps[circuit - 1] : undefined;
    if (relay?.name === 'p2p' && relay.value !== undefined && !relays.includes(relay.value))
      relays.push(relay.value);
  }
  return relays;
}

/** libp2p `announceFilter`: never announce loopback or unspecified addresses to remote peers (except in tests). */
export function announceFilter(loopbackOnly: boolean): (addrs: Multiaddr[]) => Multiaddr[] {
  return (addrs) =>
    addrs.filter((a) => {
      if (isCircuit(a)) return relayAddress(a, loopbackOnly) !== null;
      return !isLinkLocal(a) && (loopbackOnly || !isLoopbackOrUnspecified(a));
    });
}

function isLimited(conn: Connection): boolean {
  return conn.limits !== undefined || isCircuit(conn.remoteAddr);
}

/**
 * How a friend is reached over the open connections: directly, or only through a friend's relay (null when none is
 * open). There is no hole-punched path: js-libp2p cannot punch through NAT over TCP (PROTOCOL §10.2), so a friend
 * reached through a relay stays relayed.
 */
export function pathOfConnections(connections: readonly Connection[]): FriendPath | null {
  const open = connections.filter((c) => c.status === 'open');
  if (open.length === 0) return null;
  return open.some((c) => !isLimited(c)) ? 'direct' : 'relayed';
}
