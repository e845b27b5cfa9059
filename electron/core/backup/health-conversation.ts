/**
 * Health check (PROTOCOL §9.2, "Health"), the owner's side with one custodian: challenge → proof. The custodian
 * proves it still holds the exact envelope we gave it (an HMAC keyed by a fresh nonce over the stored envelope) and,
 * when chunks are named, their bytes (an HMAC under the same nonce over them, which we recompute from our own copy).
 * `judgeProof` turns the proof into what the owner records: a lost envelope is deposited again; lost data marks the
 * custodian "mismatch" (no longer "delivered") and the version is sent again, which re-deposits what it lacks.
 */
import { RefusedError } from '../../../shared/errors.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { encodeBackupMessage, expectBackupMessage } from '../../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { healthDataProof } from '../../../shared/protocol/health-proof.ts';
import type { Conversation } from '../mesh/rpc.ts';
import type { CustodianPatch, CustodianRow } from './owner-store.ts';

export type Proof = Extract<BackupMessage, { t: 'proof' }>;

/** Chunks of the current version named in a challenge, with our bytes of them. */
export type HealthSample = readonly { id: Uint8Array; data: Uint8Array }[];

/** Sends one challenge (`chunks` named, or the envelope alone); the custodian's proof, or RefusedError. */
export async function askProof(
  conv: Conversation,
  nonce: Uint8Array,
  chunks: Uint8Array[] | undefined,
  name: string,
): Promise<Proof> {
  await conv.send(
    encodeBackupMessage(chunks ? { t: 'challenge', nonce, chunks } : { t: 'challenge', nonce }),
  );
  const proof = expectBackupMessage(await conv.receive(), 'proof');
  if (proof.t === 'refused') throw new RefusedError(proof.reason, { by: name });
  return proof;
}

/**
 * What a proof means for the custodian's row (null: nothing to record). `sample` is what was asked (null: the
 * envelope alone); `legacy`: the custodian predates data proofs and was asked again without chunks.
 */
export function judgeProof(
  row: Pick<CustodianRow, 'sealedEnvelope' | 'health'>,
  proof: Proof,
  asked: { nonce: Uint8Array; sample: HealthSample | null; legacy: boolean; name: string; now: number },
): CustodianPatch | null {
  const { nonce, sample, name } = asked;
  if (!proof.held || !equalBytes(proof.mac, hmac(sha256, nonce, row.sealedEnvelope))) {
    return {
      health: 'missing',
      envelopeDelivered: false,
      versionHeld: null,
      lastError: `${name} no longer holds your piece; sending it again.`,
    };
  }
  if (asked.legacy) {
    // The piece is there, but nothing about the data was proven: not "ok", and nothing to re-send that would help.
    return {
      health: null,
      versionHeld: proof.version,
      lastError:
        `${name} holds your piece but could not prove it holds your backup's data (their Tessera may be too old ` +
        'for this check); ask them to update.',
    };
  }
  if (sample && !(proof.data && equalBytes(proof.data, healthDataProof(nonce, sample)))) {
    // Sent again whole (no delta: the manifest they hold may be all that is left), and only what they lack moves.
    return {
      health: 'mismatch',
      versionHeld: null,
      manifestHeld: null,
      lastError:
        `${name} could not prove they still hold your backup's data (a check of ${sample.length} chunks ` +
        'failed); sending it again.',
    };
  }
  // Only a receipt for the version sent again clears a failed data proof: the envelope alone says nothing of it.
  if (!sample && row.health === 'mismatch') return null;
  return { health: 'ok', lastConfirmed: asked.now, versionHeld: proof.version, lastError: null };
}
