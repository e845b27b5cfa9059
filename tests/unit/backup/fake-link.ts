/**
 * A scripted far end for unit-testing one side of a backup conversation over the in-memory link of the mesh tests
 * (tests/unit/mesh/fake-link.ts): it answers each decoded message.
 */
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';
import { conversationPair } from '../mesh/fake-link.ts';
import { decodeBackupMessage, encodeBackupMessage } from '../../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';

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
        return; // the owner's end aborted
      }
      const msg = decodeBackupMessage(bytes);
      sent.push(msg);
      for (const reply of answer(msg))
        await custodian.send(reply instanceof Uint8Array ? reply : encodeBackupMessage(reply));
    }
  })();
  return { conv: owner, sent };
}
