/**
 * An in-memory link for unit-testing one side of a backup conversation: two ends of a framed conversation (what one
 * sends, the other receives, in order), and a scripted far end that answers each decoded message.
 */
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';
import { decodeBackupMessage, encodeBackupMessage } from '../../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';

/** Two ends of an in-memory conversation; closing or aborting one side ends the other's pending receive. */
export function conversationPair(aPeer: string, bPeer: string): [Conversation, Conversation] {
  const queues = [[], []] as Uint8Array[][];
  const waiting: (((m: Uint8Array | Error) => void) | null)[] = [null, null];
  const ended: (Error | null)[] = [null, null];
  const deliver = (to: number, m: Uint8Array | Error) => {
    const w = waiting[to];
    if (w) {
      waiting[to] = null;
      w(m);
    } else if (m instanceof Uint8Array) queues[to]!.push(m);
    else ended[to] = m;
  };
  const end = (self: number, remotePeer: string): Conversation => ({
    remotePeer,
    signal: new AbortController().signal,
    send: async (m) => deliver(1 - self, m.slice()),
    receive: () =>
      new Promise((resolve, reject) => {
        const queued = queues[self]!.shift();
        if (queued) return resolve(queued);
        if (ended[self]) return reject(ended[self]);
        waiting[self] = (m) => (m instanceof Error ? reject(m) : resolve(m));
      }),
    close: async () => deliver(1 - self, new Error('the conversation ended')),
    abort: (reason) => deliver(1 - self, new Error(`aborted: ${reason}`)),
  });
  return [end(0, bPeer), end(1, aPeer)];
}

/**
 * The owner's end of a conversation whose far end is scripted: `answer` is called with each message the owner
 * sends and returns the replies (none, one or several; raw bytes are sent as they are). Everything the owner sent
 * is kept in `sent`, decoded.
 */
export function scriptedCustodian(
  peerId: string,
  answer: (msg: BackupMessage) => (BackupMessage | Uint8Array)[],
): { conv: Conversation; sent: BackupMessage[] } {
  const [owner, custodian] = conversationPair('owner', peerId);
  const sent: BackupMessage[] = [];
  void (async () => {
    for (;;) {
      let bytes: Uint8Array;
      try {
        bytes = await custodian.receive();
      } catch {
        return;
      }
      const msg = decodeBackupMessage(bytes);
      sent.push(msg);
      for (const reply of answer(msg))
        await custodian.send(reply instanceof Uint8Array ? reply : encodeBackupMessage(reply));
    }
  })();
  return { conv: owner, sent };
}
