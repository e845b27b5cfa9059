/**
 * The new device's (listener's) half of /tessera/recovery: checks the code's possession proof, records hellos,
 * and receives a delivery — the piece, the manifest (verified against the owner key it names; the real owner is
 * known only after combining), then exactly the chunks it asked for, each checked against that manifest.
 */
import { equalBytes, fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { chunkMatchesManifest, verifyManifest } from '../../../shared/formats/manifest.ts';
import type { BackupManifest } from '../../../shared/formats/manifest.ts';
import { missingChunks } from '../../../shared/formats/backup.ts';
import {
  decodeRecoveryMessage,
  encodeRecoveryMessage,
  expectRecoveryMessage,
  manifestClaimedOwner,
} from '../../../shared/protocol/recovery.ts';
import type { RecoveryMessage } from '../../../shared/protocol/recovery.ts';
import type { Conversation } from '../../mesh/rpc.ts';

export interface ReceivedDelivery {
  name: string;
  shard: Uint8Array;
  manifest: Uint8Array;
  chunks: Map<string, Uint8Array>;
}

export interface SessionEndpoint {
  proof(): Uint8Array;
  /** Null when offers are welcome, else the reason to refuse (e.g. already restored). */
  refuseReason(): string | null;
  onHello(peerId: string, name: string): void;
  /** Ids (hex) of the chunks this device already has. */
  chunkIds(): Set<string>;
  /** Stores the delivery durably and returns the progress to report back. */
  onDelivery(peerId: string, delivery: ReceivedDelivery): Promise<{ have: number; need: number }>;
}

class Refused extends Error {}

export async function serveRecoveryConversation(conv: Conversation, s: SessionEndpoint): Promise<void> {
  const refuse = (reason: string) =>
    conv.send(encodeRecoveryMessage({ t: 'refused', reason: reason.slice(0, 300) }));
  let first: RecoveryMessage;
  try {
    first = decodeRecoveryMessage(await conv.receive());
    if (first.t !== 'hello' && first.t !== 'offer')
      throw new Refused(`unexpected first message "${first.t}"`);
    if (!equalBytes(first.q, s.proof()))
      throw new Refused('the code does not match this recovery; scan it again');
    const why = s.refuseReason();
    if (why) throw new Refused(why);
  } catch (err) {
    return refuse(err instanceof Refused || err instanceof TesseraError ? err.message : 'bad message');
  }
  if (first.t === 'hello') {
    s.onHello(conv.remotePeer, first.name);
    return conv.send(encodeRecoveryMessage({ t: 'welcome' }));
  }
  let manifest: BackupManifest | null = null;
  try {
    if (first.manifest.length > 0)
      manifest = verifyManifest(first.manifest, manifestClaimedOwner(first.manifest));
  } catch (err) {
    return refuse(
      `the backup manifest does not verify (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const refs = new Map((manifest?.chunks ?? []).map((c) => [c.id, c]));
  const have = s.chunkIds();
  const need = manifest ? missingChunks(manifest, (id) => have.has(id)) : [];
  await conv.send(encodeRecoveryMessage({ t: 'need', ids: need.map((id) => fromHex(id)) }));
  const wanted = new Set(need);
  const chunks = new Map<string, Uint8Array>();
  for (;;) {
    const msg = expectRecoveryMessage(await conv.receive(), 'chunk', 'done');
    if (msg.t === 'refused') return;
    if (msg.t === 'done') break;
    const id = toHex(msg.id);
    const ref = refs.get(id);
    if (!ref || !wanted.has(id) || chunks.has(id)) return refuse('a chunk that was not asked for');
    if (!chunkMatchesManifest(ref, msg.data)) return refuse('a chunk does not match the manifest');
    chunks.set(id, msg.data);
  }
  const progress = await s.onDelivery(conv.remotePeer, {
    name: first.name,
    shard: first.shard,
    manifest: first.manifest,
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
