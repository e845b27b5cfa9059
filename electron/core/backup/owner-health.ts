/**
 * The owner's health round (PROTOCOL §9.2, "Health"): every custodian planned by `planHealthChecks` is challenged
 * (health-conversation.ts), those that confirmed the current version also on HEALTH_CHUNKS of its chunks picked at
 * random, and what each proof means is recorded on its row. The reconcile loop then re-sends what was lost.
 */
import { RefusedError } from '../../../shared/errors.ts';
import { randomBytes } from 'node:crypto';
import { equalBytes, fromHex } from '../../../shared/crypto/bytes.ts';
import { verifyManifest } from '../../../shared/formats/manifest.ts';
import { NONCE_BYTES } from '../../../shared/protocol/backup.ts';
import { HEALTH_CHUNKS, sampleIndexes } from '../../../shared/protocol/health-proof.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { nativeEd25519 } from '../crypto-native/native-backup-crypto.ts';
import type { CurrentBackup, CustodianRow, OwnerStore, SplitRow } from './owner-store.ts';
import type { CustodianChannel } from './custodian-channel.ts';
import { askProof, judgeProof } from './health-conversation.ts';
import type { HealthSample, Proof } from './health-conversation.ts';
import { planHealthChecks } from './reconcile-plan.ts';

export interface HealthRound {
  store: OwnerStore;
  channel: CustodianChannel;
  keys: IdentityKeys | null;
  /** A chunk of the current version (hex id): from the last build in memory, else SQLite. */
  chunk(idHex: string): Uint8Array | undefined;
  now(): number;
}

/** Checks every custodian of `split` that holds our envelope; a failure is that custodian's last error. */
export async function checkCustodians(round: HealthRound, split: SplitRow): Promise<void> {
  const current = round.store.current();
  const sample = healthSample(round, split, current);
  const checks = planHealthChecks({
    custodians: round.store.custodians(split.splitId),
    currentVersion: current.version,
  });
  await Promise.all(
    checks.map(async ({ row, withChunks }) => {
      try {
        await checkOne(round, split, row, withChunks ? sample : null);
      } catch (err) {
        round.channel.recordError(row.peerId, err instanceof Error ? err.message : String(err));
      }
    }),
  );
}

/**
 * Chunks of the current version to name in this round's challenges, drawn uniformly (each custodian gets its own
 * nonce, so one set serves them all), with our bytes of them; null when there is no version of this split yet.
 */
function healthSample(round: HealthRound, split: SplitRow, current: CurrentBackup): HealthSample | null {
  if (!current.manifest || !current.splitId || !equalBytes(current.splitId, split.splitId)) return null;
  if (!round.keys) return null;
  const refs = verifyManifest(current.manifest, round.keys.signPublic, nativeEd25519).chunks;
  const picked = sampleIndexes(refs.length, HEALTH_CHUNKS).map((i) => refs[i]!);
  const sample = picked.map((ref) => ({ id: fromHex(ref.id), data: round.chunk(ref.id) }));
  // Every chunk of the current version is kept with it (saveVersion); one missing here cannot be sent either.
  if (sample.some((c) => !c.data)) return null;
  return sample.length > 0 ? (sample as HealthSample) : null;
}

async function checkOne(
  round: HealthRound,
  split: SplitRow,
  row: CustodianRow,
  sample: HealthSample | null,
): Promise<void> {
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const name = round.channel.name(row.peerId);
  const ask = (chunks: Uint8Array[] | undefined) =>
    round.channel.converse(row.peerId, (conv) => askProof(conv, nonce, chunks, name));
  let proof: Proof;
  let legacy = false;
  try {
    proof = await ask(sample?.map((c) => c.id));
  } catch (err) {
    if (!sample || err instanceof RefusedError) throw err;
    // A custodian that predates data proofs refuses a challenge with `chunks` (its decoder knows no such field) and
    // resets the stream: ask as it understands, which still proves the envelope (PROTOCOL §9.2).
    try {
      proof = await ask(undefined);
    } catch (second) {
      // Refusing the older form is their answer; any other failure, the first error says more.
      throw second instanceof RefusedError ? second : err;
    }
    legacy = true;
  }
  const now = round.now();
  const patch = judgeProof(row, proof, { nonce, sample, legacy, name, now });
  if (patch) round.store.updateCustodian(split.splitId, row.peerId, patch, now);
}
