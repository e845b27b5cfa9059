/**
 * Recovery: combining the signed shard envelopes that custodians send back.
 *
 * combineShards() never trusts the Shamir library's output. It
 *   1. parses and signature-checks every envelope (a failure names the sender as a bad custodian),
 *   2. keeps only envelopes from the expected owner (or, if none is given, the owner most envelopes name),
 *   3. groups them by split (split id + commitment + threshold) so shares of two splits are never mixed,
 *   4. within a group requires x ≠ 0 and unique x, and at least t shares,
 *   5. interpolates exactly t shares and checks the result against the signed commitment; if that fails and more
 *      than t shares are present it tries other t-subsets, and once a consistent subset is found, tests every other
 *      share against it so the custodian who sent a bad share is named.
 * Groups are tried newest split first (by the signed `created` time); older splits' shards are reported as ignored.
 */
import { equalBytes, toHex } from '../crypto/bytes.ts';
import { NotEnoughShardsError, RecoveryFailedError } from '../crypto/errors.ts';
import { TesseraError } from '../errors.ts';
import { verifyShardEnvelope, type ShardEnvelope } from './envelope.ts';
import { interpolate, keyCommitment, type Share } from './split.ts';

export interface ReceivedShard {
  /** How the caller names the sender in messages (display name or peer ID). */
  from: string;
  /** The signed envelope the custodian sent (OpenedShard.signed on their side). */
  signed: Uint8Array;
  /** The sender's identity key as authenticated by the transport; if given it must match the envelope. */
  senderSignPublic?: Uint8Array;
}

/**
 * A share from a paper piece (PROTOCOL §4.4): unsigned, so it carries no owner, commitment or date. It joins the
 * group of signed envelopes with its split id and threshold, and the commitment they carry checks it like any share.
 */
export interface PaperShare {
  from: string;
  splitId: Uint8Array;
  threshold: number;
  x: number;
  y: Uint8Array;
}

export interface CombineOptions {
  /** The owner identity key we expect (if known). Otherwise the owner named by most valid envelopes is used. */
  owner?: Uint8Array;
  /** Paper pieces to use beside the envelopes (never alone: only envelopes name an owner and a commitment). */
  paper?: readonly PaperShare[];
}

export interface ShardProblem {
  from: string;
  reason: string;
}

export interface CombineResult {
  key: Uint8Array;
  splitId: Uint8Array;
  owner: Uint8Array;
  threshold: number;
  created: number;
  /** Senders whose shard was used in (or consistent with) the recovery. */
  goodCustodians: string[];
  /** Senders whose shard was invalid, forged, misaddressed or inconsistent. */
  badCustodians: string[];
  /** Why each bad custodian was rejected, plus ignored shards (older splits, duplicates). */
  problems: ShardProblem[];
}

const MAX_SUBSETS = 20_000; // C(16, 8) = 12 870 is the worst case allowed by MAX_SHARES.

interface Candidate {
  from: string;
  env: ShardEnvelope;
}

export async function combineShards(
  received: readonly ReceivedShard[],
  options: CombineOptions = {},
): Promise<CombineResult> {
  const problems: ShardProblem[] = [];
  const bad = new Set<string>();
  const reject = (from: string, reason: string) => {
    bad.add(from);
    problems.push({ from, reason });
  };

  // 1. Parse and verify.
  const valid: Candidate[] = [];
  for (const r of received) {
    let env: ShardEnvelope;
    try {
      env = verifyShardEnvelope(r.signed);
    } catch (err) {
      reject(r.from, err instanceof TesseraError ? err.message : 'unreadable shard');
      continue;
    }
    if (r.senderSignPublic && !equalBytes(r.senderSignPublic, env.custodian)) {
      reject(r.from, 'sent a shard that was addressed to someone else');
      continue;
    }
    valid.push({ from: r.from, env });
  }

  // 2. One owner.
  const owner = options.owner ?? mostCommonOwner(valid);
  const mine = valid.filter((c) => {
    if (owner && equalBytes(c.env.owner, owner)) return true;
    reject(c.from, 'sent a shard that belongs to a different person');
    return false;
  });

  // 3. Group by split.
  const groups = new Map<string, Candidate[]>();
  for (const c of mine) {
    const k = `${toHex(c.env.splitId)}/${toHex(c.env.commitment)}/${c.env.threshold}`;
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }

  // 3b. A paper share joins each group of its split and threshold, under that group's signed commitment: a forged
  // or mistaken one fails the commitment check below like a bad envelope (PROTOCOL §4.4).
  for (const p of options.paper ?? []) {
    let joined = false;
    for (const g of groups.values()) {
      const env = g[0]!.env;
      if (!equalBytes(env.splitId, p.splitId) || env.threshold !== p.threshold) continue;
      g.push({ from: p.from, env: { ...env, x: p.x, y: p.y } });
      joined = true;
    }
    if (!joined)
      problems.push({ from: p.from, reason: "no friend's piece is of the same backup as this paper piece" });
  }

  // 4. x ≠ 0, unique x.
  const cleaned: Candidate[][] = [];
  for (const g of groups.values()) {
    const byX = new Map<number, Candidate>();
    for (const c of g) {
      if (c.env.x === 0) {
        reject(c.from, 'sent a shard with x = 0');
        continue;
      }
      const prev = byX.get(c.env.x);
      if (!prev) byX.set(c.env.x, c);
      else if (equalBytes(prev.env.y, c.env.y))
        problems.push({ from: c.from, reason: 'duplicate of a shard already received' });
      else reject(c.from, 'sent a share that conflicts with another for the same x');
    }
    cleaned.push([...byX.values()]);
  }
  cleaned.sort((a, b) => b[0]!.env.created - a[0]!.env.created || b.length - a.length);

  // 5. Try each sufficiently large group, newest first.
  const failures: string[] = [];
  for (const g of cleaned) {
    const t = g[0]!.env.threshold;
    if (g.length < t) continue;
    const found = await findConsistentSubset(g, t);
    if (!found) {
      failures.push(
        `The shards from ${g.map((c) => c.from).join(', ')} do not fit together; at least one of them is bad.`,
      );
      continue;
    }
    const good = found.subset.map((c) => c.from);
    for (const c of g) {
      if (found.subset.includes(c)) continue;
      const probe = [...found.subset.slice(0, t - 1), c].map(shareOf);
      if (await matches(probe, c.env)) good.push(c.from);
      else reject(c.from, 'sent a share that does not match the others');
    }
    for (const other of cleaned)
      if (other !== g)
        for (const c of other)
          problems.push({ from: c.from, reason: 'shard of an older or different split' });
    const env = found.subset[0]!.env;
    return {
      key: found.key,
      splitId: env.splitId,
      owner: env.owner,
      threshold: t,
      created: env.created,
      goodCustodians: good,
      badCustodians: [...bad],
      problems,
    };
  }

  const badText = bad.size ? ` Rejected shards from: ${[...bad].join(', ')}.` : '';
  if (failures.length > 0)
    throw new RecoveryFailedError(`${failures.join(' ')} Ask another friend.${badText}`);
  const best = cleaned[0];
  const t = best?.[0]?.env.threshold;
  throw new NotEnoughShardsError(best?.length ?? 0, t, badText.trim());
}

function shareOf(c: Candidate): Share {
  return { x: c.env.x, y: c.env.y };
}

async function matches(shares: Share[], env: ShardEnvelope): Promise<Uint8Array | undefined> {
  const key = await interpolate(shares);
  return equalBytes(keyCommitment(env.splitId, key), env.commitment) ? key : undefined;
}

async function findConsistentSubset(g: Candidate[], t: number) {
  let tried = 0;
  for (const idx of combinations(g.length, t)) {
    if (++tried > MAX_SUBSETS) break;
    const subset = idx.map((i) => g[i]!);
    const key = await matches(subset.map(shareOf), subset[0]!.env);
    if (key) return { key, subset };
  }
  return undefined;
}

/** Index combinations of size k from 0..n-1 in lexicographic order (first = the first k). */
function* combinations(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield [...idx];
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

function mostCommonOwner(valid: Candidate[]): Uint8Array | undefined {
  const counts = new Map<string, { owner: Uint8Array; n: number }>();
  for (const c of valid) {
    const k = toHex(c.env.owner);
    const e = counts.get(k) ?? { owner: c.env.owner, n: 0 };
    e.n++;
    counts.set(k, e);
  }
  let best: { owner: Uint8Array; n: number } | undefined;
  for (const e of counts.values()) if (!best || e.n > best.n) best = e;
  return best?.owner;
}
