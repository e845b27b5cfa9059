/**
 * Finding dead connections with yamux's ping frame instead of libp2p's connection monitor (docs/PERFORMANCE.md,
 * "Idle"). The monitor opens a new stream on every connection each round and negotiates a protocol on it (two round
 * trips of multistream-select, a yamux stream opened and reset); with 20 friends online that was most of an idle
 * custodian's CPU. A yamux ping is one 12-byte frame each way, which every yamux implementation must answer (yamux
 * spec, "Ping Type"), so peers of any release answer it, and their own monitor's streams still get the answer they
 * expect from us ("na": alive).
 *
 * js-yamux sends such pings on its own but never acts on a missing answer, so this keeps each muxer as libp2p creates
 * it, pings all of them together every `intervalMs`, and aborts the transport of one that has not answered within
 * `timeoutMs`: libp2p then closes the connection, and the friend shows offline. Each end pings, so a connection
 * carries traffic at least once a round, which keeps a NAT's mapping alive.
 */
import { yamux } from '@chainsafe/libp2p-yamux';
import type { YamuxMuxerInit } from '@chainsafe/libp2p-yamux';
import type { MessageStream, Startable, StreamMuxerFactory } from '@libp2p/interface';

type YamuxFactory = ReturnType<ReturnType<typeof yamux>>;
type YamuxMuxer = ReturnType<YamuxFactory['createStreamMuxer']>;

/** A connection's peer did not answer a keep-alive ping in time: the connection is closed as dead. */
export class KeepAliveTimeoutError extends Error {
  override readonly name = 'KeepAliveTimeoutError';
}

export interface KeepAliveOptions {
  /** How often every open connection is pinged. */
  intervalMs: number;
  /** How long an answer may take before the connection counts as dead. */
  timeoutMs: number;
}

export class ConnectionKeepAlive implements Startable {
  private readonly options: KeepAliveOptions;
  /** Each open muxer with the transport under it (what is aborted when the muxer stops answering). */
  private readonly muxers = new Map<YamuxMuxer, MessageStream>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: KeepAliveOptions) {
    this.options = options;
  }

  /** yamux as libp2p's stream muxer, each muxer it makes watched by this keep-alive. */
  muxer(init: YamuxMuxerInit): () => StreamMuxerFactory<YamuxMuxer> {
    const make = yamux(init);
    return () => {
      const factory = make();
      return {
        protocol: factory.protocol,
        createStreamMuxer: (transport: MessageStream): YamuxMuxer => {
          const muxer = factory.createStreamMuxer(transport);
          this.muxers.set(muxer, transport);
          transport.addEventListener('close', () => this.muxers.delete(muxer), { once: true });
          return muxer;
        },
      };
    };
  }

  /** How often open connections are pinged. */
  get intervalMs(): number {
    return this.options.intervalMs;
  }

  start(): void {
    // One timer for every connection, so an idle node wakes once a round however many friends are online.
    this.timer ??= setInterval(() => this.round(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private round(): void {
    for (const [muxer, transport] of this.muxers) {
      if (muxer.status !== 'open') {
        this.muxers.delete(muxer);
        continue;
      }
      muxer.ping({ signal: AbortSignal.timeout(this.options.timeoutMs) }).catch((err: unknown) => {
        if (muxer.status !== 'open') return; // closed meanwhile: nothing to find out
        const reason = err instanceof Error ? err.message : String(err);
        transport.abort(
          new KeepAliveTimeoutError(
            `The peer did not answer a keep-alive ping within ${this.options.timeoutMs} ms (${reason}); the connection is closed as dead.`,
          ),
        );
      });
    }
  }
}
