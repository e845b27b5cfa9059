/**
 * An in-memory link for unit-testing a conversation (electron/core/mesh/rpc.ts `Conversation`): two ends, each
 * receiving what the other sends, in order. Aborting one end ends the other's pending receive with an error, as a
 * reset stream does; closing is a no-op (nothing is buffered). No framing caps: the real ones are rpc.ts's.
 */
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';

/** Two ends of one conversation: the first talks to `bPeer`, the second to `aPeer`. */
export function conversationPair(aPeer: string, bPeer: string): [Conversation, Conversation] {
  const queues = [[], []] as Uint8Array[][];
  const waiting: (((m: Uint8Array | Error) => void) | null)[] = [null, null];
  const deliver = (to: number, m: Uint8Array | Error) => {
    const w = waiting[to];
    if (w) {
      waiting[to] = null;
      w(m);
    } else if (m instanceof Uint8Array) queues[to]!.push(m);
  };
  const end = (self: number, remotePeer: string): Conversation => ({
    remotePeer,
    signal: new AbortController().signal,
    send: async (m) => deliver(1 - self, m),
    receive: () =>
      new Promise((resolve, reject) => {
        const queued = queues[self]!.shift();
        if (queued) return resolve(queued);
        waiting[self] = (m) => (m instanceof Error ? reject(m) : resolve(m));
      }),
    close: async () => {},
    abort: (reason) => deliver(1 - self, new Error(`aborted: ${reason}`)),
  });
  return [end(0, bPeer), end(1, aPeer)];
}
