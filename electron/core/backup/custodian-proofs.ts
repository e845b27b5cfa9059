/**
 * The custodian's answer to a health check (PROTOCOL §9.2, "Health"): it proves the envelope it holds for the owner
 * and, when the owner names chunks, their bytes (shared/protocol/health-proof.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { chunkMatchesManifest, verifyManifest } from '../../../shared/formats/manifest.ts';
import type { ChunkRef } from '../../../shared/formats/manifest.ts';
import { toHex } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { healthDataProof } from '../../../shared/protocol/health-proof.ts';
import { nativeBackupCrypto, nativeEd25519 } from '../crypto-native/native-backup-crypto.ts';
import type { BackupContext } from './backup-context.ts';
import type { CustodianStore, HeldShardRow } from './custodian-store.ts';
import { HeldChunkDamagedError } from './held-packs.ts';

const ZERO32 = new Uint8Array(32);

export interface ProofDeps {
  ctx: BackupContext;
  store: CustodianStore;
  /** What this person calls the owner (for the log). */
  name(peerId: string): string;
}

/**
 * Health check (§9.2): proves the envelope, and when the owner names chunks, their bytes. Answering is also when we
 * look at what we hold for this owner: a pack file gone or cut short, or a named chunk that no longer matches its
 * manifest, is logged and forgotten (with the version it belonged to), so the owner, told by the failed proof,
 * sends it again rather than counting on data we no longer have.
 */
export function answerChallenge(
  deps: ProofDeps,
  from: string,
  msg: Extract<BackupMessage, { t: 'challenge' }>,
): BackupMessage {
  const held = deps.store.held(from);
  if (!held) return { t: 'proof', held: false, version: 0, mac: ZERO32 };
  const mac = hmac(sha256, msg.nonce, held.sealedEnvelope);
  if (!msg.chunks) return { t: 'proof', held: true, version: held.version, mac };
  const data = proveChunks(deps, from, held, msg.nonce, msg.chunks);
  // After damage was found the held version is 0: say so, the owner then knows what to send.
  const version = data ? held.version : (deps.store.held(from)?.version ?? 0);
  return { t: 'proof', held: true, version, mac, data: data ?? ZERO32 };
}

/** The data proof over the named chunks, or null when we cannot give it (not held, or found damaged). */
function proveChunks(
  deps: ProofDeps,
  from: string,
  held: HeldShardRow,
  nonce: Uint8Array,
  ids: readonly Uint8Array[],
): Uint8Array | null {
  if (held.version === 0) return null; // no complete version held (after damage, or a recovery: §5.1)
  let listed: Map<string, ChunkRef>;
  try {
    const manifest = verifyManifest(held.manifest, signPublicFromPeerId(from), nativeEd25519);
    listed = new Map(manifest.chunks.map((c) => [c.id, c]));
  } catch {
    return null;
  }
  const damagedPacks = deps.store.damagedPacks(from);
  const damaged: string[] = [];
  const chunks: { id: Uint8Array; data: Uint8Array }[] = [];
  let unknown = false;
  for (const id of ids) {
    const idHex = toHex(id);
    const ref = listed.get(idHex);
    if (!ref) {
      unknown = true; // of a version we do not hold: nothing to prove, nothing damaged
      continue;
    }
    let data: Uint8Array | undefined;
    try {
      data = deps.store.chunk(from, idHex);
    } catch (err) {
      if (!(err instanceof HeldChunkDamagedError)) throw err;
    }
    if (!data || !chunkMatchesManifest(ref, data, nativeBackupCrypto)) damaged.push(idHex);
    else chunks.push({ id, data });
  }
  if (damaged.length > 0 || damagedPacks.length > 0) {
    const dropped = deps.store.dropDamaged(from, damaged, damagedPacks, deps.ctx.now());
    deps.ctx.log(
      `backup: part of ${deps.name(from)}'s backup is damaged or missing here (${damagedPacks.length} pack file(s), ` +
        `${damaged.length} checked chunk(s)); dropped ${dropped} chunk(s) and version ${held.version}, ` +
        'which they will send again',
    );
    deps.ctx.events.changed('held');
    return null;
  }
  return unknown ? null : healthDataProof(nonce, chunks);
}

// ---- what the person sees and decides -------------------------------------------------------------------------
