/**
 * Friend relays (docs/PROTOCOL.md §10): libp2p circuit-relay-v2 for the friend group only. A reachable friend (an
 * always-on machine whose person chose to relay for friends in Settings, or `tessera serve --relay`) runs the relay
 * server; every node runs the relay transport and keeps a reservation on friend relays it is connected to (no hole
 * punching over TCP: PROTOCOL §10.2). Who may reserve and who may be relayed is decided by the connection gate
 * (gater.ts `relayPolicy`).
 */
import { circuitRelayServer, circuitRelayTransport, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2';
import type { CircuitRelayServerInit } from '@libp2p/circuit-relay-v2';
import { autoNAT } from '@libp2p/autonat';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Libp2p } from '@libp2p/interface';

/**
 * Limits of one relayed connection between two friends. The libp2p default (2 min, 128 KiB) is for signalling; a
 * friend relay carries backup deposits (a manifest, a sealed shard and encrypted chunks) when hole punching fails,
 * so it allows one whole backup conversation (§9: up to 10 minutes) and a generous byte budget. A connection that
 * reaches either limit is reset by the relay and the next delivery attempt opens a new one.
 */
export const FRIEND_RELAY_LIMITS = {
  durationMs: 15 * 60_000,
  dataBytes: 256n * 1024n * 1024n,
} as const;

/** At most this many friends hold a reservation on one relay at a time. */
export const FRIEND_RELAY_MAX_RESERVATIONS = 64;

/** How many friend relays a node behind NAT keeps a reservation on (each is one `/p2p-circuit` listen address). */
export const RELAY_RESERVATIONS = 2;

/** The relay role of this node: `on` serves friends; `off` only uses friends' relays. */
export type RelayMode = 'on' | 'off';

export function friendRelayServerInit(): CircuitRelayServerInit {
  return {
    hopTimeout: 30_000,
    reservations: {
      maxReservations: FRIEND_RELAY_MAX_RESERVATIONS,
      applyDefaultLimit: true,
      defaultDurationLimit: FRIEND_RELAY_LIMITS.durationMs,
      defaultDataLimit: FRIEND_RELAY_LIMITS.dataBytes,
      reservationTtl: 2 * 60 * 60_000,
    },
    maxInboundHopStreams: 32,
    maxOutboundHopStreams: 64,
    maxOutboundStopStreams: 64,
  };
}

/** The libp2p pieces for going beyond the LAN: the relay transport (always), services per role. */
export function beyondLanTransport() {
  return circuitRelayTransport({ reservationConcurrency: 1, reservationCompletionTimeout: 10_000 });
}

export function beyondLanServices(mode: RelayMode) {
  return {
    // Asks connected friends to dial our observed addresses back; confirmed ones become advertised addresses.
    autoNAT: autoNAT({ startupDelay: 3_000, refreshInterval: 10 * 60_000, maxInboundStreams: 2 }),
    ...(mode === 'on' ? { relay: circuitRelayServer(friendRelayServerInit()) } : {}),
  };
}

/** Listen addresses asking the relay transport for reservations on friend relays (discovered via identify). */
export function relayListenAddresses(): string[] {
  return Array.from({ length: RELAY_RESERVATIONS }, () => '/p2p-circuit');
}

/**
 * A new friend who runs a relay was connected while still pairing, when its relay refused us a reservation (it
 * reserves for friends only), and the relay transport does not ask again on the same connection. Once paired,
 * reconnect (if we hold no reservation there yet) so the transport rediscovers the relay and reserves.
 */
export async function reserveOnNewFriend(
  node: Libp2p,
  peerId: string,
  log: (message: string) => void,
): Promise<void> {
  const peer = peerIdFromString(peerId);
  if (node.getMultiaddrs().some((a) => a.toString().includes(`/p2p/${peerId}/p2p-circuit`))) return;
  let protocols: string[] = [];
  try {
    protocols = (await node.peerStore.get(peer)).protocols;
  } catch {
    return;
  }
  if (!protocols.includes(RELAY_V2_HOP_CODEC)) return;
  log(`reconnecting to new friend ${peerId} to reserve on its relay`);
  await node.hangUp(peer).catch(() => {});
  await node.dial(peer, { signal: AbortSignal.timeout(10_000) }).catch(() => {});
}
