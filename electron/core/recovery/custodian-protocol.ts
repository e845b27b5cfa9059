/**
 * The custodian's (dialer's) half of /tessera/recovery/2.0.0 (PROTOCOL §11.3): the hello whose SAS exchange gives
 * both screens the same six digits, and — only after the person approved — the delivery of the piece and the backup;
 * or, when the person declined or the approval expired, a withdraw that tells the new device so.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../../../shared/crypto/bytes.ts';
import { sasCode, sasCommitmentHolds, SAS_NONCE_BYTES } from '../../../shared/crypto/sas.ts';
import type { SasKeys } from '../../../shared/crypto/sas.ts';
import { RefusedError, TesseraError } from '../../../shared/errors.ts';
import {
  encodeRecoveryMessage,
  expectRecoveryMessage,
  RECOVERY_SAS_CONTEXT,
} from '../../../shared/protocol/recovery.ts';
import type { WithdrawReason } from '../../../shared/protocol/recovery.ts';
import type { Conversation } from '../mesh/rpc.ts';

/** The new device said no (wrong code, finished, a broken message); its reason is passed on. */
export class RecoveryRefusedError extends RefusedError {
  constructor(reason: string) {
    super(reason, { by: 'The new device' });
  }
}

/** The new device revealed a nonce other than the one it committed to: someone is tampering with the session. */
export class CommitmentMismatchError extends TesseraError {
  constructor() {
    super(
      'VERIFICATION_FAILED',
      'The new device did not keep to its commitment while the codes were made; nothing was sent. Start again, in person.',
    );
  }
}

/**
 * Says hello (nothing secret) and runs the SAS exchange as initiator. Returns the six digits both screens show.
 * `keys.initiator` is this custodian's identity key, `keys.responder` the session key pinned by the code.
 */
export async function sayHello(
  conv: Conversation,
  q: Uint8Array,
  name: string,
  keys: SasKeys,
): Promise<string> {
  await conv.send(encodeRecoveryMessage({ t: 'hello', q, name }));
  const commit = expectRecoveryMessage(await conv.receive(), 'commit');
  if (commit.t === 'refused') throw new RecoveryRefusedError(commit.reason);
  const nI = new Uint8Array(randomBytes(SAS_NONCE_BYTES));
  await conv.send(encodeRecoveryMessage({ t: 'nonce', n: nI }));
  const reveal = expectRecoveryMessage(await conv.receive(), 'reveal');
  if (reveal.t === 'refused') throw new RecoveryRefusedError(reveal.reason);
  if (!sasCommitmentHolds(RECOVERY_SAS_CONTEXT, keys, commit.c, reveal.n))
    throw new CommitmentMismatchError();
  return sasCode(RECOVERY_SAS_CONTEXT, keys, nI, reveal.n);
}

export interface Delivery {
  q: Uint8Array;
  /** The signed envelope sealed to the session's box key. */
  shard: Uint8Array;
  /** Newest signed manifest held (empty if none). */
  manifest: Uint8Array;
  chunk(idHex: string): Uint8Array | undefined;
}

/** Sends the piece, then the chunks the session asks for; returns the session's progress. */
export async function deliver(
  conv: Conversation,
  d: Delivery,
): Promise<{ have: number; need: number; missing: number }> {
  await conv.send(encodeRecoveryMessage({ t: 'knock', q: d.q }));
  const welcome = expectRecoveryMessage(await conv.receive(), 'welcome');
  if (welcome.t === 'refused') throw new RecoveryRefusedError(welcome.reason);
  await conv.send(encodeRecoveryMessage({ t: 'offer', shard: d.shard, manifest: d.manifest }));
  const need = expectRecoveryMessage(await conv.receive(), 'need');
  if (need.t === 'refused') throw new RecoveryRefusedError(need.reason);
  let missing = 0;
  for (const id of need.ids) {
    const data = d.chunk(toHex(id));
    if (!data) {
      missing += 1;
      continue;
    }
    await conv.send(encodeRecoveryMessage({ t: 'chunk', id, data }));
  }
  await conv.send(encodeRecoveryMessage({ t: 'done' }));
  const stored = expectRecoveryMessage(await conv.receive(), 'stored');
  if (stored.t === 'refused') throw new RecoveryRefusedError(stored.reason);
  return { have: stored.have, need: stored.need, missing };
}

/** Tells the new device that nothing will come of this hello (one unanswered first frame, PROTOCOL §11.3). */
export async function withdraw(conv: Conversation, q: Uint8Array, why: WithdrawReason): Promise<void> {
  await conv.send(encodeRecoveryMessage({ t: 'withdraw', q, why }));
}

/**
 * Remote recovery (PROTOCOL §11.7): tells the new device that this custodian approved and when its piece comes;
 * returns the names of the approvals that stand there.
 */
export async function tellWaiting(conv: Conversation, q: Uint8Array, until: number): Promise<string[]> {
  await conv.send(encodeRecoveryMessage({ t: 'waiting', q, until }));
  const standing = expectRecoveryMessage(await conv.receive(), 'standing');
  if (standing.t === 'refused') throw new RecoveryRefusedError(standing.reason);
  return standing.names;
}
