/**
 * The owner's holding request to one custodian (PROTOCOL §9.2, "Holding request"): hold-request → hold-reply. The
 * friend's answer may come now, or later in a hold-answer of their own (backup-protocol.ts); `pending` means they
 * have not decided yet.
 */
import { RefusedError } from '../../../shared/errors.ts';
import { encodeBackupMessage, expectBackupMessage } from '../../../shared/protocol/backup.ts';
import type { HoldState } from '../../../shared/protocol/backup.ts';
import type { Conversation } from '../mesh/rpc.ts';

export interface HoldRequest {
  threshold: number;
  /** How many custodians the split has (the friend is told "one of N pieces"). */
  custodians: number;
  nonce: Uint8Array;
  expires: number;
}

/** Asks `name`'s device to hold a piece; their state of consent, or RefusedError. */
export async function askToHold(conv: Conversation, request: HoldRequest, name: string): Promise<HoldState> {
  await conv.send(encodeBackupMessage({ t: 'hold-request', ...request }));
  const reply = expectBackupMessage(await conv.receive(), 'hold-reply');
  if (reply.t === 'refused') throw new RefusedError(reply.reason, { by: name });
  return reply.state;
}
