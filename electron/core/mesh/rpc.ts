/**
 * Conversations over libp2p streams: length-prefixed messages (lpStream, `maxDataLength` per protocol, so an
 * oversized length prefix is refused before anything is allocated), one AbortSignal deadline per conversation,
 * and a handler wrapper that re-checks the remote peer against the gate and always closes its stream.
 */
import { lpStream } from '@libp2p/utils';
import * as varint from 'uint8-varint';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Connection, Libp2p, Stream } from '@libp2p/interface';
import { TesseraError } from '../../../shared/errors.ts';
import { MESSAGE_CAPS, PROTOCOLS, STREAM_CAPS } from '../../../shared/protocol/protocols.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import type { GateReason, PeerGate } from './gater.ts';
import { admittedReasons, isAdmitted } from './admission.ts';

export const DEFAULT_RPC_TIMEOUT_MS = 15_000;

export class UnreachableError extends TesseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNREACHABLE', message, options);
  }
}

/** The node of this device is not running: it starts on the first unlock (it needs the identity's secret key). */
export class NetworkNotRunningError extends UnreachableError {
  constructor() {
    super('The network is not running yet. Unlock the vault first.');
  }
}

export class PeerTimeoutError extends TesseraError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/** A protocol violation by the remote side (malformed or unexpected message). */
export class ProtocolError extends TesseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_REQUEST', message, options);
  }
}

/** A frame whose length prefix exceeds what this step of the protocol allows; nothing of it was read. */
export class FrameTooLargeError extends ProtocolError {
  constructor(protocol: string, limit: number) {
    super(`A ${protocol} message from the peer exceeds ${limit} bytes (the most allowed at this step).`);
  }
}

export interface Conversation {
  readonly remotePeer: string;
  readonly signal: AbortSignal;
  send(message: Uint8Array): Promise<void>;
  /**
   * The next message; typed errors for end-of-stream, oversize, timeout. `maxBytes` lowers the protocol's message
   * cap for this one message (a first frame read before the peer proved anything), checked on the length prefix.
   */
  receive(maxBytes?: number): Promise<Uint8Array>;
  close(): Promise<void>;
  abort(reason: string): void;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'object' && err !== null && 'type' in err ? String(err.type) : String(err);
}

function conversation(
  stream: Stream,
  remotePeer: string,
  protocol: ProtocolName,
  signal: AbortSignal,
): Conversation {
  const cap = MESSAGE_CAPS[protocol];
  // Bytes received but not yet read are bounded too: one frame being read plus one more queued behind it (a sender
  // streaming many small frames, like backup chunks, stays far below this). Past it the stream is aborted.
  let limit = cap;
  const lp = lpStream(stream, {
    maxDataLength: cap,
    maxBufferSize: 2 * cap + 64 * 1024,
    // The length prefix is checked against this read's limit before any byte of the frame is awaited.
    lengthDecoder: (buf: Parameters<typeof varint.decode>[0]) => {
      const n = varint.decode(buf);
      if (n > limit) throw new FrameTooLargeError(protocol, limit);
      return n;
    },
  });
  return {
    remotePeer,
    signal,
    async send(message) {
      if (message.length > cap)
        throw new TesseraError('TOO_LARGE', `A ${protocol} message exceeds ${cap} bytes.`);
      await lp.write(message, { signal });
    },
    async receive(maxBytes) {
      limit = Math.min(cap, maxBytes ?? cap);
      try {
        const list = await lp.read({ signal });
        return list.subarray();
      } catch (err) {
        if (err instanceof FrameTooLargeError) throw err;
        if (signal.aborted) throw new PeerTimeoutError(`The friend did not answer in time (${protocol}).`);
        const name = err instanceof Error ? err.name : '';
        if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError')
          throw new ProtocolError(`A ${protocol} message from the peer exceeds ${cap} bytes.`, {
            cause: err,
          });
        throw new UnreachableError(`The conversation with the peer ended early (${describe(err)}).`, {
          cause: err,
        });
      }
    },
    async close() {
      try {
        await stream.close({ signal });
      } catch {
        stream.abort(new Error('close failed'));
      }
    },
    abort(reason) {
      stream.abort(new Error(reason));
    },
  };
}

/** Opens a conversation with `peerId` (the pinned ID: Noise fails if another key answers at its addresses). */
export async function openConversation(
  node: Libp2p,
  peerId: string,
  protocol: ProtocolName,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Conversation> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let stream: Stream;
  try {
    const peer = peerIdFromString(peerId);
    const open = node.getConnections(peer).filter((c) => c.status === 'open');
    // A peer behind NAT may be reachable only through a relay (a limited connection, relay.ts). libp2p's dial never
    // reuses a limited connection (it dials again), and a peer that dialed us through a relay may have no address
    // we could dial (a remote recovery's new device, PROTOCOL §11.7): with only limited connections open, the
    // conversation runs on the newest of them.
    const limitedOnly = open.length > 0 && open.every((c) => c.limits !== undefined);
    stream = limitedOnly
      ? await open[open.length - 1]!.newStream(PROTOCOLS[protocol], { signal, runOnLimitedConnection: true })
      : await node.dialProtocol(peer, PROTOCOLS[protocol], { signal, runOnLimitedConnection: true });
  } catch (err) {
    if (timeout.aborted) throw new PeerTimeoutError('The friend could not be reached in time.');
    // People see this message (a custodian's last error): no libp2p words. The cause keeps the details for logs.
    throw new UnreachableError(
      'Their device could not be reached: it may be offline, or no longer connected to you.',
      { cause: err },
    );
  }
  return conversation(stream, peerId, protocol, signal);
}

export type ConversationHandler = (conv: Conversation, connection: Connection) => Promise<void>;

/**
 * Serves `protocol`: refuses (aborts) a stream from any peer the gate does not admit for this protocol (a peer
 * still pairing may only pair, a recovery window opens only the recovery protocol) before the handler runs,
 * bounds the whole exchange by `timeoutMs`, and closes the stream after the handler returns.
 */
export async function serveProtocol(
  node: Pick<Libp2p, 'handle'>,
  gate: PeerGate,
  protocol: ProtocolName,
  handler: ConversationHandler,
  options: {
    timeoutMs?: number;
    onError?: (err: unknown, remotePeer: string) => void;
    /** Why a peer may use this protocol (default: admission.ts). The gate already refused everyone else. */
    admits?: readonly GateReason[];
  } = {},
): Promise<void> {
  const admits = options.admits ?? admittedReasons(protocol);
  await node.handle(
    PROTOCOLS[protocol],
    async (stream, connection) => {
      const remotePeer = connection.remotePeer.toString();
      const reason = gate.reason(remotePeer);
      if (!isAdmitted(reason, admits)) {
        options.onError?.(new Error(`not admitted (${reason ?? 'unknown peer'})`), remotePeer);
        stream.abort(new Error('not admitted'));
        return;
      }
      const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS);
      const conv = conversation(stream, remotePeer, protocol, signal);
      try {
        await handler(conv, connection);
        await conv.close();
      } catch (err) {
        options.onError?.(err, remotePeer);
        stream.abort(err instanceof Error ? err : new Error(describe(err)));
      }
    },
    {
      maxInboundStreams: STREAM_CAPS[protocol],
      maxOutboundStreams: STREAM_CAPS[protocol],
      // Friends may reach us over a friend relay (limited connection); the gate already admitted the peer.
      runOnLimitedConnection: true,
    },
  );
}
