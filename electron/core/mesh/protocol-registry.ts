/**
 * The protocols this node serves (shared/protocol/protocols.ts): pairing and name notices for the mesh itself, and
 * whatever the other services register (code comparisons, backups, forwarding). Each is served only to the peers
 * admission.ts admits for it and bounded by its conversation timeout (CONVERSATION_TIMEOUT_MS). The node starts on
 * the first unlock, after the services registered: what is registered before is served when it starts, in the order
 * registered, and what is registered later at once.
 */
import type { Libp2p } from '@libp2p/interface';
import { CONVERSATION_TIMEOUT_MS } from '../../../shared/protocol/protocols.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import { admittedReasons } from './admission.ts';
import type { PeerGate } from './gater.ts';
import { serveProtocol } from './rpc.ts';
import type { Conversation } from './rpc.ts';

export type ProtocolHandler = (conv: Conversation) => Promise<void>;

/** What serving needs of a libp2p node: registering a stream handler. */
export type ServingNode = Pick<Libp2p, 'handle'>;

interface Registration {
  protocol: ProtocolName;
  handler: ProtocolHandler;
  /** How the log names a failed conversation ("pairing with <peer> failed: ..."). */
  label: string;
}

export class ProtocolRegistry {
  private readonly gate: PeerGate;
  private readonly log: (message: string) => void;
  private readonly registered: Registration[] = [];
  private node: ServingNode | null = null;

  constructor(gate: PeerGate, log: (message: string) => void = () => {}) {
    this.gate = gate;
    this.log = log;
  }

  /** Serves `protocol` with `handler`: now if a node is being served, else once one is (serveOn). */
  handle(protocol: ProtocolName, handler: ProtocolHandler, label: string = protocol): void {
    const registration = { protocol, handler, label };
    this.registered.push(registration);
    if (this.node) void this.serve(this.node, registration);
  }

  /** The protocols registered so far, in order. */
  protocols(): ProtocolName[] {
    return this.registered.map((r) => r.protocol);
  }

  /** A node started: serve every protocol registered on it, and those registered later until `detach`. */
  async serveOn(node: ServingNode): Promise<void> {
    // By index: a service may register while an earlier protocol is being served, and is served in this loop.
    for (let i = 0; i < this.registered.length; i++) await this.serve(node, this.registered[i]!);
    this.node = node;
  }

  /** The node stopped (or was never handed over): later registrations wait for the next serveOn. */
  detach(): void {
    this.node = null;
  }

  private serve(node: ServingNode, r: Registration): Promise<void> {
    return serveProtocol(node, this.gate, r.protocol, (conv) => r.handler(conv), {
      timeoutMs: CONVERSATION_TIMEOUT_MS[r.protocol],
      admits: admittedReasons(r.protocol),
      onError: (err, peer) => this.log(`${r.label} with ${peer} failed: ${String(err)}`),
    });
  }
}
