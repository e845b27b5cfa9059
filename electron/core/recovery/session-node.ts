/**
 * The libp2p node of a recovery session: the session's ephemeral identity (not the vault's, which does not exist
 * yet), serving only /tessera/recovery. While the session's window is open it admits inbound connections from any
 * peer (a custodian proves it holds the code inside the protocol); it never dials out, and once the window has
 * closed every connection is refused after Noise.
 */
import { createMeshNode, DEFAULT_LISTEN } from '../mesh/node.ts';
import type { MeshNode } from '../mesh/node.ts';
import { connectionGater, PeerGate } from '../mesh/gater.ts';
import type { GateReason } from '../mesh/gater.ts';
import { isLoopbackOnly, usableAddresses } from '../mesh/addresses.ts';
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
  /** A custodian on the previous release tried to help (it was told to update). */
  onOutdated?: (peerId: string) => void;
  now?: () => number;
  log?: (message: string) => void;
}

export interface SessionNode {
  node: MeshNode;
  addresses(): string[];
  port(): number | null;
  stop(): Promise<void>;
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
  const gater = {
    ...inner,
    denyDialPeer: () => true,
    denyOutboundEncryptedConnection: () => true,
    denyOutboundUpgradedConnection: () => true,
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
  return {
    node,
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
