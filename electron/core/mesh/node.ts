/**
 * The libp2p node of a Tessera identity: TCP, Noise (the only encrypter), yamux, identify, mDNS on
 * `_tessera._udp.local`. Its private key is the vault's Ed25519 identity seed, so its peer ID is `peerIdOf(signPublic)`.
 */
import { createLibp2p } from 'libp2p';
import type { Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { identify } from '@libp2p/identify';
import { mdns } from '@libp2p/mdns';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import type { ConnectionGater } from '@libp2p/interface';
import { concatBytes } from '../../../shared/crypto/bytes.ts';
import { peerIdOf } from '../../../shared/crypto/identity.ts';
import { beyondLanServices, beyondLanTransport } from './relay.ts';
import type { RelayMode } from './relay.ts';
import { announceFilter } from './reachability.ts';
import { ConnectionKeepAlive } from './keep-alive.ts';
import { noiseCrypto } from './noise-crypto.ts';
import { APP_VERSION } from '../version.ts';

/**
 * The agent string identify sends (only to peers past the gate: friends, pairings, a recovery window). It names
 * Tessera's release, so a friend's device can say which release the other runs (PROTOCOL §13.3); what a device can
 * do is still judged from the protocols it lists, never from this string.
 */
export const AGENT_VERSION = `tessera/${APP_VERSION}`;

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0'];
export const MDNS_SERVICE_TAG = '_tessera._udp.local';
/**
 * How often each open connection is pinged to find dead ones (keep-alive.ts; libp2p's own connection monitor, which
 * opened a stream each time, is off). A friend who vanishes without closing (power cut, network gone) shows offline
 * within three minutes (a round and a ping's timeout); one whose process or host closes the connection is seen at once.
 */
export const CONNECTION_PING_INTERVAL_MS = 120_000;
/**
 * How long a keep-alive ping may wait for its answer before the connection counts as dead: the ceiling of libp2p's
 * own monitor's adaptive timeout. A ping waits behind the data queued on its connection (up to a stream's receive
 * window per stream), so on a slow link during a deposit its answer can take seconds.
 */
export const CONNECTION_PING_TIMEOUT_MS = 60_000;
/**
 * yamux's own keep-alive pings once an hour instead of every 30 s. Pinged every connection from both ends every 30 s,
 * it was the largest share of an idle custodian's CPU with 20 friends online (docs/PERFORMANCE.md, "Idle"), only to
 * keep traffic flowing: js-yamux never closes a connection whose ping goes unanswered. The keep-alive of keep-alive.ts
 * pings every two minutes and closes a connection that stopped answering; that traffic keeps a NAT's mapping alive
 * too (RFC 5382 asks NATs to keep an established TCP mapping for at least 2 h 4 min).
 * It is not turned off: its first ping, as the connection opens, measures the round trip, and yamux grows a stream's
 * receive window only when it knows one; without it a 100 MiB deposit stays at the first 256 KiB window (the owner's CPU
 * for a first backup of 100 MiB to five custodians: 3.7–4.6 s without the ping, 2.9–3.5 s with it).
 */
export const YAMUX_OPTIONS = { keepAliveInterval: 60 * 60_000 } as const;

export interface MeshNodeOptions {
  signSeed: Uint8Array;
  signPublic: Uint8Array;
  listen: string[];
  gater: ConnectionGater;
  mdns: boolean;
  mdnsIntervalMs?: number;
  /** Serve friends as a circuit relay (relay.ts); every node uses friends' relays. Default off. */
  relayMode?: RelayMode;
  /** How often open connections are pinged (CONNECTION_PING_INTERVAL_MS unless a test needs it quicker). */
  keepAliveMs?: number;
  /** Every listen address is loopback (tests): then loopback addresses may be announced. */
  loopbackOnly?: boolean;
  /** Ask the home router (UPnP IGD / NAT-PMP) to forward our port, so friends elsewhere can dial us directly. */
  upnp?: boolean;
}

export type MeshNode = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>> }>;

export async function createMeshNode(options: MeshNodeOptions): Promise<MeshNode> {
  const privateKey = privateKeyFromRaw(concatBytes(options.signSeed, options.signPublic));
  const expected = peerIdOf(options.signPublic);
  // Loaded only when on: with its XML parser it is ~0.2 MiB of source (docs/PERFORMANCE.md, "Idle").
  const uPnPNAT = options.upnp ? (await import('@libp2p/upnp-nat')).uPnPNAT : null;
  const keepAlive = new ConnectionKeepAlive({
    intervalMs: options.keepAliveMs ?? CONNECTION_PING_INTERVAL_MS,
    timeoutMs: Math.min(CONNECTION_PING_TIMEOUT_MS, options.keepAliveMs ?? CONNECTION_PING_TIMEOUT_MS),
  });
  const services = {
    // A service so that libp2p starts and stops it with the node.
    keepAlive: () => keepAlive,
    identify: identify({ maxInboundStreams: 4, maxOutboundStreams: 4, timeout: 10_000 }),
    ...beyondLanServices(options.relayMode ?? 'off'),
    // A router that refuses or has no UPnP just leaves us relying on friend relays and hole punching; addresses it
    // maps are checked by autoNAT before friends are told about them.
    ...(uPnPNAT
      ? { upnpNAT: uPnPNAT({ portMappingDescription: 'Tessera', autoConfirmAddress: false }) }
      : {}),
  };
  const node = await createLibp2p({
    privateKey,
    nodeInfo: { userAgent: AGENT_VERSION },
    addresses: {
      listen: options.listen,
      // Set by the mesh; a node created without it announces every listen address, as before.
      ...(options.loopbackOnly === undefined ? {} : { announceFilter: announceFilter(options.loopbackOnly) }),
    },
    transports: [
      tcp({ maxConnections: 128, inboundSocketInactivityTimeout: 5 * 60_000 }),
      beyondLanTransport(),
    ],
    connectionEncrypters: [noise({ crypto: noiseCrypto() })],
    streamMuxers: [keepAlive.muxer(YAMUX_OPTIONS)],
    connectionGater: options.gater,
    connectionManager: {
      maxConnections: 64,
      maxIncomingPendingConnections: 16,
      inboundConnectionThreshold: 100,
      dialTimeout: 10_000,
      maxPeerAddrsToDial: 8,
    },
    connectionMonitor: { enabled: false },
    peerDiscovery: options.mdns
      ? [mdns({ serviceTag: MDNS_SERVICE_TAG, interval: options.mdnsIntervalMs ?? 10_000 })]
      : [],
    services,
  });
  if (node.peerId.toString() !== expected) {
    await node.stop();
    throw new Error(`libp2p peer ID ${node.peerId.toString()} does not match the identity (${expected}).`);
  }
  return node as MeshNode;
}
