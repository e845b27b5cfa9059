/** Address hygiene: which multiaddrs we advertise and dial. */
import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';

function firstHost(ma: Multiaddr): { name: string; value: string } | null {
  const c = ma.getComponents()[0];
  if (!c || c.value === undefined) return null;
  return { name: c.name, value: c.value };
}

/** 127.0.0.0/8, ::1, IPv4-mapped loopback, "localhost", and the unspecified addresses. */
export function isLoopbackOrUnspecified(ma: Multiaddr): boolean {
  const host = firstHost(ma);
  if (!host) return false;
  const v = host.value.toLowerCase();
  if (host.name === 'ip4') return v.startsWith('127.') || v === '0.0.0.0';
  if (host.name === 'ip6') return v === '::1' || v === '::' || v.startsWith('::ffff:127.');
  if (host.name === 'dns' || host.name === 'dns4' || host.name === 'dns6') return v === 'localhost';
  return false;
}

export function isLinkLocal(ma: Multiaddr): boolean {
  const host = firstHost(ma);
  if (!host) return false;
  const v = host.value.toLowerCase();
  return (host.name === 'ip4' && v.startsWith('169.254.')) || (host.name === 'ip6' && v.startsWith('fe80'));
}

/**
 * A local network's address: loopback, link-local, or private (RFC 1918 10/8, 172.16/12, 192.168/16; RFC 4193
 * fc00::/7). What an in-person recovery over the LAN may come from (PROTOCOL §11.7, "Which approvals wait").
 */
export function isLanAddress(text: string): boolean {
  const ma = parseMultiaddr(text);
  if (!ma) return false;
  if (isLoopbackOrUnspecified(ma) || isLinkLocal(ma)) return true;
  const host = firstHost(ma);
  if (!host) return false;
  const v = host.value.toLowerCase();
  if (host.name === 'ip6') return /^f[cd][0-9a-f]{2}:/.test(v);
  if (host.name !== 'ip4') return false;
  const [a, b] = v.split('.').map(Number);
  return a === 10 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

export function parseMultiaddr(text: string): Multiaddr | null {
  try {
    return multiaddr(text);
  } catch {
    return null;
  }
}

/** Strips a trailing /p2p/<id>: we store transport addresses and always dial with the pinned peer ID. */
export function transportPart(ma: Multiaddr): Multiaddr {
  const comps = ma.getComponents();
  const idx = comps.findIndex((c) => c.name === 'p2p');
  return idx < 0
    ? ma
    : multiaddr(
        comps
          .slice(0, idx)
          .map((c) => `/${c.name}${c.value ? '/' + c.value : ''}`)
          .join(''),
      );
}

/**
 * Addresses worth telling a friend about, or dialing: no loopback (it would reach the dialer itself) unless the
 * whole mesh runs loopback-only for tests, no link-local, no duplicates, no /p2p suffix.
 */
export function usableAddresses(
  addrs: readonly (Multiaddr | string)[],
  loopbackOnly: boolean,
  max = 8,
): string[] {
  const out: string[] = [];
  for (const a of addrs) {
    const ma = typeof a === 'string' ? parseMultiaddr(a) : a;
    if (!ma) continue;
    const t = transportPart(ma);
    if (isLinkLocal(t)) continue;
    if (isLoopbackOrUnspecified(t) !== loopbackOnly) continue;
    const s = t.toString();
    if (!out.includes(s)) out.push(s);
    if (out.length >= max) break;
  }
  return out;
}

/** True when every listen address is loopback (tests): then loopback addresses are advertised and dialed. */
export function isLoopbackOnly(listen: readonly string[]): boolean {
  return listen.every((a) => {
    const ma = parseMultiaddr(a);
    return (
      ma !== null && isLoopbackOrUnspecified(ma) && !a.startsWith('/ip4/0.0.0.0') && !a.startsWith('/ip6/::/')
    );
  });
}
