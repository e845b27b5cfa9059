/**
 * How the owner's parts reach a custodian and report on one: a conversation on the backup protocol (what it sends
 * counts towards `bytesSent`, shown in backup.status), the name to use in messages, and a failure recorded as the
 * custodian's last error.
 */
import type { Conversation } from '../mesh/rpc.ts';
import type { BackupContext } from './backup-context.ts';
import type { OwnerStore } from './owner-store.ts';
import { UNNAMED_CUSTODIAN } from './status-view.ts';

export class CustodianChannel {
  private readonly ctx: BackupContext;
  private readonly store: OwnerStore;
  /** Backup bytes sent to custodians by this process (messages on the wire, before framing and encryption). */
  bytesSent = 0;

  constructor(ctx: BackupContext, store: OwnerStore) {
    this.ctx = ctx;
    this.store = store;
  }

  /** Runs `fn` over a conversation with `peerId`, closed afterwards whatever happens. */
  async converse<T>(peerId: string, fn: (conv: Conversation) => Promise<T>): Promise<T> {
    const conv = await this.ctx.link.open(peerId);
    const counted: Conversation = {
      remotePeer: conv.remotePeer,
      signal: conv.signal,
      send: (bytes) => {
        this.bytesSent += bytes.length;
        return conv.send(bytes);
      },
      receive: (maxBytes) => conv.receive(maxBytes),
      close: () => conv.close(),
      abort: (reason) => conv.abort(reason),
    };
    try {
      return await fn(counted);
    } finally {
      await conv.close();
    }
  }

  /** Never a peer ID: a friend's name, a former friend's (kept when they were removed), else a plain phrase. */
  name(peerId: string): string {
    return this.ctx.friends.nameOf(peerId) ?? UNNAMED_CUSTODIAN;
  }

  /** Shown as the custodian's last error, when they are a custodian of the active split. */
  recordError(peerId: string, message: string): void {
    const split = this.store.activeSplit();
    if (split && this.store.custodian(split.splitId, peerId)) {
      this.store.updateCustodian(split.splitId, peerId, { lastError: message }, this.ctx.now());
      this.ctx.events.changed('backup');
    }
  }
}
