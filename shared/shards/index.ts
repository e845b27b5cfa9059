/**
 * Shard API (see docs/PROTOCOL.md §4).
 *
 * Owner, creating or rotating a backup key:
 *   const split = await splitKey(t, n)                        // fresh random K every time; 2 ≤ t ≤ n ≤ 16
 *   const sealed = createShardEnvelopes(split, ownerKeys, custodians, Date.now())
 *       // = for each custodian: signShardEnvelope(...) then sealShardEnvelope(signed, custodian)
 *   keep split.key (K) locally to encrypt future backup versions; send sealed[i] to custodians[i].
 *
 * Custodian, on receipt and on a recovery request:
 *   const { envelope, signed } = openShardEnvelope(sealed, myKeys, ownerSignPublic)
 *   store `sealed` as received; during recovery (after a human approves) send `signed`.
 *
 * Owner's new device, recovering:
 *   const { key, badCustodians, problems } = await combineShards(received, { owner? })
 *   throws NotEnoughShardsError (err.needed = how many more) or RecoveryFailedError.
 */
export {
  splitKey,
  keyCommitment,
  checkThreshold,
  type KeySplit,
  type Share,
  MAX_SHARES,
  MIN_THRESHOLD,
} from './split.ts';
export {
  createShardEnvelopes,
  signShardEnvelope,
  verifyShardEnvelope,
  sealShardEnvelope,
  openShardEnvelope,
  MAX_SIGNED_ENVELOPE_BYTES,
  MAX_SEALED_ENVELOPE_BYTES,
  type ShardEnvelope,
  type CustodianKeys,
  type OpenedShard,
} from './envelope.ts';
export {
  combineShards,
  type ReceivedShard,
  type CombineOptions,
  type PaperShare,
  type CombineResult,
  type ShardProblem,
} from './combine.ts';
