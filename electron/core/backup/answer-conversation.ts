/**
 * The custodian tells an owner its answer to a holding request (PROTOCOL §9.2, "Consent answer"): hold-answer →
 * ack. Answers are kept until the owner acknowledges one, so a friend offline when the person decided hears it later.
 */
import { RefusedError } from '../../../shared/errors.ts';
import { encodeBackupMessage, expectBackupMessage } from '../../../shared/protocol/backup.ts';
import type { Conversation } from '../mesh/rpc.ts';

/** Sends the answer to the request `nonce` named; resolves once the owner acknowledged it, else RefusedError. */
export async function tellAnswer(
  conv: Conversation,
  answer: { accepted: boolean; nonce: Uint8Array },
): Promise<void> {
  await conv.send(encodeBackupMessage({ t: 'hold-answer', accepted: answer.accepted, nonce: answer.nonce }));
  const ack = expectBackupMessage(await conv.receive(), 'ack');
  if (ack.t === 'refused') throw new RefusedError(ack.reason);
}
