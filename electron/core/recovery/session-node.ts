/**
 * The libp2p node of a recovery session: the session's ephemeral identity (not the vault's, which does not exist
 * yet), serving only /tessera/recovery. While the session's window is open it admits inbound connections from any
 * peer (a custodian proves it holds the code inside the protocol); once the window has closed every connection is
 * refused after Noise. A LAN session never dials out. A remote session (PROTOCOL §11.7) may: `dial` reaches a
 * custodian from its reply code, directly or through a friend relay of the custodian's (the circuit relay transport,
 * client only: it never listens on /p2p-circuit, so it holds no reservation), and only the peers it was asked to
 * dial and their relays may be dialed.
 */
import { createMeshNode, DEFAULT_LISTEN } from '../mesh/node.ts';
import type { MeshNode } from '../mesh/node.ts';
import { connectionGater, PeerGate } from '../mesh/gater.ts';
import type { GateReason } from '../mesh/gater.ts';
import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { isLoopbackOnly, parseMultiaddr, transportPart, usableAddresses } from '../mesh/addresses.ts';
import { isCircuit, pathOfConnections, reservedRelays } from '../mesh/reachability.ts';
import { serveProtocol } from '../mesh/rpc.ts';
import type { ConversationHandler } from '../mesh/rpc.ts';
import { CONVERSATION_TIMEOUT_MS } from '../../../shared/protocol/protocols.ts';
import { encodeLegacyRefusal, UPDATE_TO_HELP } from '../../../shared/protocol/recovery.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';

/** Admits everyone while the window is open, nobody after. */
class WindowGate extends PeerGate {
  private readonly openUntil: () => number;
  private readonly clock: () => number;

  constructor(openUntil: () => number, now: () => number) {
    super(now);
    this.openUntil = openUntil;
    this.clock = now;
  }

  override reason(_peerId: string): GateReason | null {
    return this.clock() < this.openUntil() ? 'window' : null;
  }
}

/** `listen` with a random port (`/tcp/0`) replaced by `port`, to come back at the address a code names. */
export function withPort(listen: readonly string[], port: number | null): string[] {
  if (port === null) return [...listen];
  return listen.map((a) => a.replace(/\/tcp\/0(?=\/|$)/, `/tcp/${port}`));
}

export interface SessionNodeOptions {
  keys: IdentityKeys;
  listen: string[] | null;
  /** A TCP port used before (restart): tried first so earlier codes stay valid. */
  port: number | null;
  openUntil: () => number;
  mdns: boolean;
  handler: ConversationHandler;
  /**
   * A remote session (PROTOCOL §11.7): it may also dial the custodians whose reply codes were entered, and their
   * relays (`dial`). Default false: a LAN session never dials out.
   */
  remote?: boolean;
  /** A custodian on the previous release tried to help (it was told to update). */
  onOutdated?: (peerId: string) => void;
  now?: () => number;
  log?: (message: string) => void;
}

export interface SessionNode {
  node: MeshNode;
  /** A remote session's node (it may dial out); a LAN session's never does. */
  readonly remote: boolean;
  addresses(): string[];
  port(): number | null;
  /**
   * Remote sessions only: dials `peerId` at `addresses` (a reply code's: transport addresses without `/p2p/<id>`,
   * relay addresses `/…/p2p/<relay>/p2p-circuit`), each with `/p2p/<peerId>` appended, so Noise checks the pinned
   * key. Resolves once connected; rejects with the last address's error when none answered.
   */
  dial(peerId: string, addresses: string[]): Promise<void>;
  /** Whether a connection to `peerId` is open, and whether it is direct or only through a relay. */
  connected(peerId: string): 'direct' | 'relayed' | null;
  stop(): Promise<void>;
}

/** A remote session dials nothing but this (PROTOCOL §11.7); a LAN session's `dial` throws it. */
export class SessionDialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionDialError';
  }
}

/**
 * `addresses` each pinned to `peerId`: a transport address with `/p2p/<peerId>` appended, a relay address cut after
 * its `/p2p-circuit` and then `/p2p/<peerId>` appended (`/…/p2p/<relay>/p2p-circuit/p2p/<peerId>`). Anything else
 * (unparsable, a relay address without its relay's ID) is left out.
 */
export function pinnedTargets(peerId: string, addresses: readonly string[]): Multiaddr[] {
  const out: Multiaddr[] = [];
  for (const text of addresses) {
    const ma = parseMultiaddr(text);
    if (!ma) continue;
    if (isCircuit(ma)) {
      if (reservedRelays([ma]).length !== 1) continue;
      const cut = text.slice(0, text.indexOf('/p2p-circuit') + '/p2p-circuit'.length);
      out.push(multiaddr(`${cut}/p2p/${peerId}`));
    } else out.push(multiaddr(`${transportPart(ma).toString()}/p2p/${peerId}`));
  }
  return out;
}

export async function startSessionNode(options: SessionNodeOptions): Promise<SessionNode> {
  const now = options.now ?? Date.now;
  const base = options.listen && options.listen.length > 0 ? options.listen : DEFAULT_LISTEN;
  const loopbackOnly = isLoopbackOnly(base);
  const gate = new WindowGate(options.openUntil, now);
  const inner = connectionGater(gate, {
    loopbackOnly,
    onDeny: (peer, dir) => options.log?.(`recovery session refused ${dir} connection from ${peer}`),
  });
  // The peers a remote session was asked to dial (custodians, by their pinned IDs) and their relays; a LAN session
  // dials nobody.
  const dialable = new Set<string>();
  const mayDial = (peer: { toString(): string }) => options.remote === true && dialable.has(peer.toString());
  const gater = {
    ...inner,
    denyDialPeer: (peer: { toString(): string }) => !mayDial(peer),
    denyOutboundEncryptedConnection: (peer: { toString(): string }) => !mayDial(peer),
    denyOutboundUpgradedConnection: (peer: { toString(): string }) => !mayDial(peer),
    // Nobody is relayed in to a session (it holds no reservation): `inner` refuses inbound relayed connections, as
    // a session has no friend relays.
  };
  const create = (listen: string[]) =>
    createMeshNode({
      signSeed: options.keys.signSeed,
      signPublic: options.keys.signPublic,
      listen,
      gater,
      mdns: options.mdns,
      loopbackOnly,
    });
  let node: MeshNode;
  try {
    node = await create(withPort(base, options.port));
  } catch (err) {
    if (options.port === null) throw err;
    options.log?.(`recovery session: port ${options.port} is taken (${String(err)}); using a new one`);
    node = await create(base);
  }
  await serveProtocol(node, gate, 'recovery', options.handler, {
    timeoutMs: CONVERSATION_TIMEOUT_MS.recovery,
    admits: ['window'],
    onError: (err, peer) => options.log?.(`recovery with ${peer} failed: ${String(err)}`),
  });
  // A custodian on the previous release speaks /tessera/recovery/1.0.0 (no code comparison): it is told to update,
  // in a refusal its app shows, instead of a failed protocol negotiation (PROTOCOL §11.2).
  await serveProtocol(
    node,
    gate,
    'recoveryV1',
    async (conv) => {
      await conv.receive();
      options.onOutdated?.(conv.remotePeer);
      await conv.send(encodeLegacyRefusal(UPDATE_TO_HELP));
    },
    {
      timeoutMs: CONVERSATION_TIMEOUT_MS.recoveryV1,
      admits: ['window'],
      onError: (err, peer) => options.log?.(`old recovery request from ${peer}: ${String(err)}`),
    },
  );
  const dial = async (peerId: string, addresses: string[]): Promise<void> => {
    if (options.remote !== true)
      throw new SessionDialError('A recovery session on the LAN does not dial out.');
    const pinned = peerIdFromString(peerId);
    const targets = pinnedTargets(peerId, addresses);
    if (targets.length === 0) throw new SessionDialError(`No usable address to reach ${peerId}.`);
    dialable.add(peerId);
    for (const relay of reservedRelays(targets)) dialable.add(relay);
    let last: unknown = null;
    for (const target of targets) {
      try {
        const conn = await node.dial(target, { signal: AbortSignal.timeout(10_000) });
        if (conn.remotePeer.equals(pinned)) return;
        await conn.close();
      } catch (err) {
        last = err;
      }
    }
    throw new SessionDialError(
      `Could not reach ${peerId} at any of its addresses (${last instanceof Error ? last.message : String(last)}).`,
    );
  };
  return {
    node,
    remote: options.remote === true,
    dial,
    connected: (peerId) =>
      pathOfConnections(node.getConnections(peerIdFromString(peerId))) as 'direct' | 'relayed' | null,
    addresses: () => usableAddresses(node.getMultiaddrs(), loopbackOnly),
    port: () => {
      for (const ma of node.getMultiaddrs()) {
        const tcp = ma.getComponents().find((c) => c.name === 'tcp');
        if (tcp?.value) return Number(tcp.value);
      }
      return null;
    },
    stop: async () => {
      await node.stop();
    },
  };
}
