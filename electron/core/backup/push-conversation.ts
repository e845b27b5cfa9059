/**
 * The owner's deposit or update to one custodian (PROTOCOL §9.2, "Deposit / update"): offer (or offer-delta) → need
 * → chunks… → done → receipt. The custodian stores everything before it answers, and signs the holding receipt only
 * after COMMIT (§9.3); the receipt is checked here against what was sent.
 */
import { equalBytes, toHex } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import {
  encodeBackupMessage,
  expectBackupMessage,
  MAX_CHUNKS_PER_FRAME,
} from '../../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { verifyReceipt } from '../../../shared/protocol/receipts.ts';
import { RefusedError, TesseraError } from '../../../shared/errors.ts';
import type { Conversation } from '../mesh/rpc.ts';
import type { SendingProgress } from './status-view.ts';

/** Target size of a `chunks` frame. */
export const CHUNK_FRAME_BYTES = 1024 * 1024;

export type PushOffer = Extract<BackupMessage, { t: 'offer' } | { t: 'offer-delta' }>;

/** What a push reads and reports while it runs. */
export interface PushSource {
  /** A chunk of the version being sent (hex id), or undefined when it is not stored. */
  chunk(idHex: string): Uint8Array | undefined;
  /** The encoded frame for these chunks: shared with pushes running alongside (shared-frames.ts), or `encode()`d. */
  frame(ids: readonly string[], encode: () => Uint8Array): Uint8Array;
  /** The chunks asked for start to go (the object is updated in place as they are sent). */
  started(progress: SendingProgress): void;
  /** A frame went out; `allSent` when it was the last one. */
  advanced(progress: SendingProgress, allSent: boolean): void;
  /** The exchange ended, with a receipt or not. */
  ended(): void;
}

/** The receipt's bytes, or the custodian's refusal of the offer itself (before any chunk was sent). */
export type PushReply =
  { t: 'receipt'; receipt: Uint8Array } | { t: 'offer-refused'; reason: string; code?: string };

/** A chunk the custodian asked for is not stored here: the version cannot be sent until it is rebuilt. */
export class MissingChunkError extends TesseraError {
  constructor(idHex: string) {
    super('INTERNAL', `Backup chunk ${idHex.slice(0, 12)}… is missing locally.`);
  }
}

/** Runs one deposit or update; a refusal after the chunks throws RefusedError (`name` says who). */
export async function pushVersion(
  conv: Conversation,
  offer: PushOffer,
  source: PushSource,
  name: string,
): Promise<PushReply> {
  await conv.send(encodeBackupMessage(offer));
  const need = expectBackupMessage(await conv.receive(), 'need');
  if (need.t === 'refused')
    return need.code === undefined
      ? { t: 'offer-refused', reason: need.reason }
      : { t: 'offer-refused', reason: need.reason, code: need.code };
  // Chunks go in frames of ~1 MiB: per-frame costs (yamux, Noise, and the custodian's decode and write per frame)
  // dominate small frames.
  let batch: { id: Uint8Array; data: Uint8Array }[] = [];
  let batchIds: string[] = [];
  let batchBytes = 0;
  const progress: SendingProgress = { sentChunks: 0, totalChunks: need.ids.length, sentBytes: 0 };
  const flush = async () => {
    if (batch.length > 0) {
      const items = batch;
      await conv.send(source.frame(batchIds, () => encodeBackupMessage({ t: 'chunks', items })));
    }
    progress.sentChunks += batch.length;
    progress.sentBytes += batchBytes;
    source.advanced(progress, progress.sentChunks === progress.totalChunks);
    batch = [];
    batchIds = [];
    batchBytes = 0;
  };
  source.started(progress);
  try {
    for (const id of need.ids) {
      const idHex = toHex(id);
      const data = source.chunk(idHex);
      if (!data) throw new MissingChunkError(idHex);
      batch.push({ id, data });
      batchIds.push(idHex);
      batchBytes += data.length;
      if (batchBytes >= CHUNK_FRAME_BYTES || batch.length >= MAX_CHUNKS_PER_FRAME) await flush();
    }
    await flush();
    await conv.send(encodeBackupMessage({ t: 'done' }));
    const answer = expectBackupMessage(await conv.receive(), 'receipt');
    if (answer.t === 'refused') throw new RefusedError(answer.reason, { by: name, reasonCode: answer.code });
    return { t: 'receipt', receipt: answer.receipt };
  } finally {
    source.ended();
  }
}

/** What a holding receipt must say: this owner, this split, the version and manifest that were sent. */
export interface ExpectedHolding {
  custodian: string;
  owner: Uint8Array;
  split: Uint8Array;
  version: number;
  manifestHash: Uint8Array;
}

/** Checks a holding receipt's signature (the custodian's key) and contents; throws VERIFICATION_FAILED otherwise. */
export function checkHoldingReceipt(receiptBytes: Uint8Array, expected: ExpectedHolding, name: string): void {
  const receipt = verifyReceipt(receiptBytes, signPublicFromPeerId(expected.custodian));
  if (
    receipt.kind !== 'holding' ||
    !equalBytes(receipt.owner, expected.owner) ||
    !equalBytes(receipt.split, expected.split) ||
    receipt.version !== expected.version ||
    !equalBytes(receipt.manifest, expected.manifestHash)
  ) {
    throw new TesseraError('VERIFICATION_FAILED', `${name} sent a receipt for something else.`);
  }
}
