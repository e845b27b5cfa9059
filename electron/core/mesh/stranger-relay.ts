/**
 * A friend relay's side of remote recovery (PROTOCOL §11.7): it answers friends' `/tessera/relay-admit/1.0.0`
 * announcements (kept in stranger-admission.ts, asked by the connection gate), and holds announced strangers to their
 * budget on the wire.
 *
 * Bytes. @libp2p/circuit-relay-v2's server has no per-source accounting: the limit it applies to a relayed
 * connection is the destination's reservation limit (relay.ts FRIEND_RELAY_LIMITS), per connection, and it emits no
 * events. What it does use is the registrar: every hop stream a peer opens on the relay passes through the stream
 * middleware of RELAY_V2_HOP_CODEC (libp2p `use`) before the relay's handler gets it, and a relayed connection is
 * that very stream piped to the destination (`createLimitedRelay(hopStream, stopStream)`). So every byte relayed for
 * a stranger crosses its hop stream: bytes from the stranger arrive as the stream's 'message' events, bytes to it
 * leave through the stream's `send`. The middleware counts both on the stranger's hop streams and, once the budget
 * is spent, aborts them (which ends every relayed connection the stranger has through here) and closes its
 * connection to the relay; from then on the gate refuses it. Counted bytes are the relayed payload (the destination's
 * Noise and yamux frames included) plus the few bytes of the hop request and answer.
 *
 * Time. When an admission ends, the stranger's connections to this relay are closed (a timer set to the next end):
 * its relayed connections end with them, and it may dial again only for what still stands.
 */
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2';
import type { Libp2p, Stream, StreamMiddleware } from '@libp2p/interface';
import { decodeRelayAdmitMessage, encodeRelayAdmitMessage } from '../../../shared/protocol/relay-admit.ts';
import type { PeerGate } from './gater.ts';
import { ProtocolError } from './rpc.ts';
import type { Conversation } from './rpc.ts';
import { StrangerAdmissions } from './stranger-admission.ts';
import type { StrangerLimits } from './stranger-admission.ts';

export const NOT_A_RELAY = 'This device does not relay for friends.';

export interface StrangerRelayDeps {
  gate: PeerGate;
  limits: Pick<StrangerLimits, 'maxMs' | 'maxBytes'>;
  now: () => number;
  log: (message: string) => void;
}

/** What the relay needs of the running node: its peer ID, stream middleware, and closing a peer's connections. */
export type RelayNode = Pick<Libp2p, 'peerId' | 'use' | 'unuse' | 'hangUp' | 'getConnections'>;

export class StrangerRelay {
  readonly book: StrangerAdmissions;
  private readonly deps: StrangerRelayDeps;
  private node: RelayNode | null = null;
  /** The hop streams each stranger has open on this relay (its relayed connections, and requests under way). */
  private readonly hops = new Map<string, Set<Stream>>();
  private timer: NodeJS.Timeout | null = null;
  /** The middleware chain handed to libp2p for the hop protocol (see trimChain). */
  private readonly chain: StreamMiddleware[] = [];

  constructor(deps: StrangerRelayDeps) {
    this.deps = deps;
    this.book = new StrangerAdmissions(deps.limits, deps.now);
  }

  /** This node relays for friends from now on: the gate asks the book, and hop streams are metered. */
  attach(node: RelayNode): void {
    this.node = node;
    this.deps.gate.setStrangers(this.book);
    this.chain.length = 0;
    this.chain.push(this.meter);
    node.use(RELAY_V2_HOP_CODEC, this.chain);
  }

  detach(): void {
    this.node?.unuse(RELAY_V2_HOP_CODEC);
    this.node = null;
    this.deps.gate.setStrangers(null);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Serves one `/tessera/relay-admit/1.0.0` request from a friend (the registry admits friends only). */
  async serve(conv: Conversation): Promise<void> {
    const msg = decodeRelayAdmitMessage(await conv.receive());
    if (msg.t !== 1) throw new ProtocolError('Expected an admission request.');
    const refuse = (reason: string) => conv.send(encodeRelayAdmitMessage({ t: 3, reason }));
    const node = this.node;
    if (!node) return refuse(NOT_A_RELAY);
    if (msg.peer === node.peerId.toString()) return refuse('This relay cannot be announced to itself.');
    for (const ended of this.book.prune()) void this.cut(ended, 'its admission ended');
    const outcome = this.book.admit(conv.remotePeer, msg.peer, msg.until);
    if (!outcome.ok) {
      this.deps.log(`refused to admit stranger ${msg.peer} for ${conv.remotePeer}: ${outcome.reason}`);
      return refuse(outcome.reason);
    }
    this.deps.log(
      `admitted stranger ${msg.peer} for ${conv.remotePeer} until ${new Date(outcome.until).toISOString()}, ` +
        `${outcome.bytes} bytes`,
    );
    this.schedule();
    await conv.send(encodeRelayAdmitMessage({ t: 2, until: outcome.until, bytes: outcome.bytes }));
  }

  /**
   * Hop-stream middleware: a stranger's hop stream is counted both ways. The 'message' listener is added only when
   * the relay first answers on the stream: by then the relay's own reader is attached (it has read the request), so
   * this listener only watches; added earlier, it would take the request from the relay.
   */
  private readonly meter: StreamMiddleware = (stream, connection, next) => {
    const stranger = connection.remotePeer.toString();
    this.trimChain(stream.direction);
    if (this.book.has(stranger) && !this.deps.gate.isFriend(stranger)) {
      const streams = this.hops.get(stranger) ?? new Set<Stream>();
      this.hops.set(stranger, streams.add(stream));
      const charge = (bytes: number): void => {
        if (!this.book.spend(stranger, bytes)) void this.cut(stranger, 'its relay budget is spent');
      };
      const send = stream.send.bind(stream);
      let watching = false;
      stream.send = (data) => {
        if (!watching) {
          watching = true;
          stream.addEventListener('message', (evt) => charge(evt.data.byteLength));
        }
        charge(data.byteLength);
        return send(data);
      };
      stream.addEventListener('close', () => streams.delete(stream), { once: true });
    }
    next(stream, connection);
  };

  /**
   * libp2p 3.3 keeps the array given to `use` and, for every inbound stream, pushes a wrapper of the protocol's
   * handler onto that same array before running it (registrar `getMiddleware` returns it, connection.js pushes): left
   * alone, the n-th hop stream would run the relay's handler n times (the second run reads the relayed bytes as a hop
   * request and resets the circuit), and an outbound hop stream would run it too. So the chain is trimmed back, as
   * this first middleware runs: to itself and this inbound stream's wrapper (the last one pushed; every wrapper calls
   * the same handler with the stream it is given), or to itself alone for an outbound stream. If libp2p copies the
   * array in a later release, this trims the copy and changes nothing.
   */
  private trimChain(direction: 'inbound' | 'outbound'): void {
    const keep = direction === 'inbound' ? 2 : 1;
    if (this.chain.length > keep) this.chain.splice(1, this.chain.length - keep);
  }

  /** Ends every relayed connection of `stranger` through here and its connections to this relay. */
  private async cut(stranger: string, why: string): Promise<void> {
    const streams = this.hops.get(stranger);
    this.hops.delete(stranger);
    if (streams) for (const s of streams) s.abort(new Error(`stranger ${why}`));
    const node = this.node;
    if (!node) return;
    const open = node.getConnections().filter((c) => c.remotePeer.toString() === stranger);
    if (open.length === 0 && !streams?.size) return;
    this.deps.log(`closing stranger ${stranger}'s connections: ${why}`);
    for (const c of open) await c.close().catch(() => c.abort(new Error(why)));
  }

  /** Sets the timer to the next end of an admission; then cuts the strangers whose admissions ended. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.book.nextEnd();
    if (next === null || !this.node) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        for (const stranger of this.book.prune()) void this.cut(stranger, 'its admission ended');
        this.schedule();
      },
      Math.max(0, next - this.deps.now()) + 10,
    );
    this.timer.unref();
  }
}
