/**
 * The owner asks a custodian to delete its piece of a retired split (PROTOCOL §9.2, "Deletion"): delete → deletion
 * receipt | refused. The request is signed and bound to that custodian; `ended` tells them this person removed them
 * as a friend.
 */
import { randomBytes } from 'node:crypto';
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import {
  deletionPayload,
  encodeBackupMessage,
  expectBackupMessage,
  NONCE_BYTES,
} from '../../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { SIGN_CONTEXTS, signWithContext } from '../../../shared/crypto/sign.ts';
import { verifyReceipt } from '../../../shared/protocol/receipts.ts';
import { RefusedError, TesseraError } from '../../../shared/errors.ts';
import type { Conversation } from '../mesh/rpc.ts';
import { nativeEd25519 } from '../crypto-native/native-backup-crypto.ts';

/** How long a deletion request stays valid. */
const DELETION_TTL_MS = 10 * 60_000;

export type DeleteMessage = Extract<BackupMessage, { t: 'delete' }>;

/**
 * A fresh deletion request for `custodian`'s piece of `split`. `signed: false` is the form a custodian that predates
 * signed requests understands (it closes the stream on the unknown fields): it then deletes without being told why.
 */
export function deletionRequest(
  input: { split: Uint8Array; custodian: string; ended: boolean; now: number; signed: boolean },
  keys: Pick<IdentityKeys, 'signSeed'>,
): DeleteMessage {
  const msg = {
    t: 'delete' as const,
    split: input.split,
    nonce: new Uint8Array(randomBytes(NONCE_BYTES)),
    expires: input.now + DELETION_TTL_MS,
  };
  if (!input.signed) return msg;
  const payload = deletionPayload({ ...msg, ended: input.ended }, signPublicFromPeerId(input.custodian));
  const sig = signWithContext(SIGN_CONTEXTS.deletion, payload, keys.signSeed, nativeEd25519);
  return { ...msg, ended: input.ended, sig };
}

/** Sends the request; the custodian's deletion receipt (unchecked: checkDeletionReceipt), or RefusedError. */
export async function askToDelete(
  conv: Conversation,
  request: DeleteMessage,
  name: string,
): Promise<Uint8Array> {
  await conv.send(encodeBackupMessage(request));
  const answer = expectBackupMessage(await conv.receive(), 'receipt');
  if (answer.t === 'refused') throw new RefusedError(answer.reason, { by: name });
  return answer.receipt;
}

/** Checks a deletion receipt's signature (the custodian's key) and contents; throws VERIFICATION_FAILED otherwise. */
export function checkDeletionReceipt(
  receiptBytes: Uint8Array,
  expected: { custodian: string; owner: Uint8Array; split: Uint8Array },
  name: string,
): void {
  const receipt = verifyReceipt(receiptBytes, signPublicFromPeerId(expected.custodian));
  if (
    receipt.kind !== 'deletion' ||
    !equalBytes(receipt.owner, expected.owner) ||
    !equalBytes(receipt.split, expected.split)
  ) {
    throw new TesseraError('VERIFICATION_FAILED', `${name} sent the wrong deletion receipt.`);
  }
}
