/**
 * The custodian's (dialer's) half of /tessera/recovery: the hello that lets both screens show the comparison code,
 * and — only after the person approved — the delivery of the piece and the backup.
 */
import { toHex } from '../../../shared/crypto/bytes.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { encodeRecoveryMessage, expectRecoveryMessage } from '../../../shared/protocol/recovery.ts';
import type { Conversation } from '../../mesh/rpc.ts';

/** The new device said no (wrong code, finished, a broken message); its reason is passed on. */
export class RecoveryRefusedError extends TesseraError {
  constructor(reason: string) {
    super('CONFLICT', `The new device refused: ${reason}`);
  }
}

export async function sayHello(conv: Conversation, q: Uint8Array, name: string): Promise<void> {
  await conv.send(encodeRecoveryMessage({ t: 'hello', q, name }));
  const reply = expectRecoveryMessage(await conv.receive(), 'welcome');
  if (reply.t === 'refused') throw new RecoveryRefusedError(reply.reason);
}

export interface Delivery {
  q: Uint8Array;
  name: string;
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
  await conv.send(
    encodeRecoveryMessage({ t: 'offer', q: d.q, name: d.name, shard: d.shard, manifest: d.manifest }),
  );
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
