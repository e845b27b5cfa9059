/**
 * The new device's (listener's) half of /tessera/recovery/2.0.0 (PROTOCOL §11.3). Every conversation opens with a
 * small first frame (hello or knock, ≤ FIRST_FRAME_BYTES) carrying the code's possession proof, checked before any
 * larger frame is read. A hello runs the SAS exchange (the session commits first) and records the sender with the
 * code both screens now show. A knock from a sender that said hello starts a delivery: the piece and manifest,
 * then exactly the chunks asked for, each checked against that manifest's length and digest.
 */
import { randomBytes } from 'node:crypto';
import { equalBytes, fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { sasCode, sasCommit, SAS_NONCE_BYTES } from '../../../shared/crypto/sas.ts';
import { RefusedError, TesseraError } from '../../../shared/errors.ts';
import { chunkMatchesManifest, verifyManifest } from '../../../shared/formats/manifest.ts';
import type { BackupManifest, ChunkRef } from '../../../shared/formats/manifest.ts';
import {
  decodeRecoveryMessage,
  encodeRecoveryMessage,
  expectRecoveryMessage,
  FIRST_FRAME_BYTES,
  manifestClaimedOwner,
  RECOVERY_SAS_CONTEXT,
} from '../../../shared/protocol/recovery.ts';
import type { RecoveryMessage, WithdrawReason } from '../../../shared/protocol/recovery.ts';
import type { Conversation } from '../mesh/rpc.ts';
import type { IncomingChunk } from './session-store.ts';

export interface ReceivedDelivery {
  shard: Uint8Array;
  manifest: Uint8Array;
  chunks: IncomingChunk[];
}

export interface SessionEndpoint {
  proof(): Uint8Array;
  sessionKey(): Uint8Array;
  /** Null when the session takes messages, else the reason to refuse (e.g. already restored). */
  refuseReason(): string | null;
  /** Null when this peer may say hello (room, not rejected), else why not. */
  helloRefusal(peerId: string): string | null;
  onHello(peerId: string, name: string, code: string): boolean;
  /** The sender's person declined after the hello, or its approval expired: nothing will come from it. */
  onWithdraw(peerId: string, why: WithdrawReason): void;
  /**
   * Remote (PROTOCOL §11.7): the sender approved and its piece comes at `until`. Returns the names of the senders whose
   * approval stands, or the reason to refuse (a sender that did not say hello, or was rejected).
   */
  onWaiting(peerId: string, until: number): { names: string[] } | { refused: string };
  /** Null when this peer may deliver (it said hello, was not rejected), else why not. */
  deliveryRefusal(peerId: string): string | null;
  hasChunk(digest: Uint8Array): boolean;
  /** Null when `bytes` more from this sender fit the session's caps, else why not. */
  roomFor(peerId: string, bytes: number): string | null;
  /** Stores the delivery durably and returns the progress to report back. */
  onDelivery(peerId: string, delivery: ReceivedDelivery): Promise<{ have: number; need: number }>;
}

const SMALL_FRAME_BYTES = 128;

export async function serveRecoveryConversation(conv: Conversation, s: SessionEndpoint): Promise<void> {
  const refuse = (reason: string) =>
    conv.send(encodeRecoveryMessage({ t: 'refused', reason: reason.slice(0, 300) }));
  let first: RecoveryMessage;
  try {
    first = decodeRecoveryMessage(await conv.receive(FIRST_FRAME_BYTES));
    if (first.t !== 'hello' && first.t !== 'knock' && first.t !== 'withdraw' && first.t !== 'waiting')
      throw new RefusedError(`unexpected first message "${first.t}"`);
    if (!equalBytes(first.q, s.proof()))
      throw new RefusedError('the code does not match this recovery; scan it again');
    // Unanswered: the custodian does not wait for the new device, which records it only for a sender it knows.
    if (first.t === 'withdraw') {
      if (s.refuseReason() === null) s.onWithdraw(conv.remotePeer, first.why);
      return;
    }
    if (first.t === 'waiting') {
      const closed = s.refuseReason();
      if (closed) throw new RefusedError(closed);
      const answer = s.onWaiting(conv.remotePeer, first.until);
      if ('refused' in answer) throw new RefusedError(answer.refused);
      return conv.send(encodeRecoveryMessage({ t: 'standing', names: answer.names }));
    }
    const why =
      s.refuseReason() ??
      (first.t === 'hello' ? s.helloRefusal(conv.remotePeer) : s.deliveryRefusal(conv.remotePeer));
    if (why) throw new RefusedError(why);
  } catch (err) {
    return refuse(err instanceof RefusedError || err instanceof TesseraError ? err.message : 'bad message');
  }
  if (first.t === 'hello') return serveHello(conv, s, first.name);
  return serveDelivery(conv, s, refuse);
}

/** The SAS exchange (shared/crypto/sas.ts): the session is the responder and commits first. */
async function serveHello(conv: Conversation, s: SessionEndpoint, name: string): Promise<void> {
  const keys = { initiator: signPublicFromPeerId(conv.remotePeer), responder: s.sessionKey() };
  const nR = new Uint8Array(randomBytes(SAS_NONCE_BYTES));
  await conv.send(encodeRecoveryMessage({ t: 'commit', c: sasCommit(RECOVERY_SAS_CONTEXT, keys, nR) }));
  const nonce = expectRecoveryMessage(await conv.receive(SMALL_FRAME_BYTES), 'nonce');
  if (nonce.t === 'refused') return;
  await conv.send(encodeRecoveryMessage({ t: 'reveal', n: nR }));
  s.onHello(conv.remotePeer, name, sasCode(RECOVERY_SAS_CONTEXT, keys, nonce.n, nR));
}

async function serveDelivery(
  conv: Conversation,
  s: SessionEndpoint,
  refuse: (reason: string) => Promise<void>,
): Promise<void> {
  await conv.send(encodeRecoveryMessage({ t: 'welcome' }));
  const offer = expectRecoveryMessage(await conv.receive(), 'offer');
  if (offer.t === 'refused') return;
  let manifest: BackupManifest | null = null;
  try {
    if (offer.manifest.length > 0)
      manifest = verifyManifest(offer.manifest, manifestClaimedOwner(offer.manifest));
  } catch (err) {
    return refuse(
      `the backup manifest does not verify (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  // Chunks are asked for by the digest the manifest lists: bytes stored under a digest are those bytes, whoever sent
  // them, so a chunk one sender brought can stand in for another's only if it is identical (PROTOCOL §11.3).
  const wanted = new Map<string, ChunkRef>();
  const digests = new Set<string>();
  let bytes = 0;
  for (const c of manifest?.chunks ?? []) {
    const d = toHex(c.digest);
    if (digests.has(d) || s.hasChunk(c.digest)) continue;
    digests.add(d);
    wanted.set(c.id, c);
    bytes += c.length;
  }
  const room = s.roomFor(conv.remotePeer, bytes);
  if (room) return refuse(room);
  await conv.send(encodeRecoveryMessage({ t: 'need', ids: [...wanted.keys()].map((id) => fromHex(id)) }));
  const chunks: IncomingChunk[] = [];
  const got = new Set<string>();
  for (;;) {
    const msg = expectRecoveryMessage(await conv.receive(), 'chunk', 'done');
    if (msg.t === 'refused') return;
    if (msg.t === 'done') break;
    const id = toHex(msg.id);
    const ref = wanted.get(id);
    if (!ref || got.has(id)) return refuse('a chunk that was not asked for');
    if (!chunkMatchesManifest(ref, msg.data)) return refuse('a chunk does not match the manifest');
    got.add(id);
    chunks.push({ digest: ref.digest, data: msg.data });
  }
  const progress = await s.onDelivery(conv.remotePeer, {
    shard: offer.shard,
    manifest: offer.manifest,
    chunks,
  });
  await conv.send(
    encodeRecoveryMessage({
      t: 'stored',
      have: Math.min(255, progress.have),
      need: Math.min(255, progress.need),
    }),
  );
}
