import { decodeBackupMessage, encodeBackupMessage } from '../../../shared/protocol/backup.ts';
import type { Conversation } from '../mesh/rpc.ts';
import type { OwnerBackupService } from './owner-service.ts';
import type { CustodianBackupService } from './custodian-service.ts';

/**
 * Serves one inbound conversation on /tessera/backup: a consent answer is for our owner role, everything else for
 * our custodian role. A malformed first frame throws, and the mesh aborts the stream.
 */
export async function serveBackupConversation(
  conv: Conversation,
  owner: OwnerBackupService,
  custodian: CustodianBackupService,
): Promise<void> {
  const first = decodeBackupMessage(await conv.receive());
  if (first.t === 'hold-answer') {
    // Acknowledge even a stale answer (an older request), so the friend stops re-sending it.
    owner.onHoldAnswer(conv.remotePeer, first.nonce, first.accepted);
    await conv.send(encodeBackupMessage({ t: 'ack' }));
    return;
  }
  await custodian.serve(conv, first);
}
