/**
 * Progress of a recovery session from the pieces received so far: which custodians sent a valid piece, which sent
 * a bad one (and why), and how many valid pieces the best split has against its threshold. The final word comes
 * from `combineShards` (commitment check), which may name further bad pieces.
 */
import { equalBytes, toHex } from '../../../shared/crypto/bytes.ts';
import { openSealed } from '../../../shared/crypto/box.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { RECOVERY_SHARD_CONTEXT } from '../../../shared/protocol/recovery.ts';
import { verifyShardEnvelope } from '../../../shared/shards/envelope.ts';
import type { ShardEnvelope } from '../../../shared/shards/envelope.ts';
import type { ShardRow } from './session-store.ts';

export interface OpenedPiece {
  row: ShardRow;
  /** The signed envelope, when the sealed piece opened. */
  signed: Uint8Array | null;
  envelope: ShardEnvelope | null;
  problem: string | null;
}

export interface Assessment {
  pieces: OpenedPiece[];
  /** The owner most valid pieces name (null before any valid piece). */
  owner: Uint8Array | null;
  have: number;
  /** Threshold of the best split; 0 while unknown. */
  need: number;
}

function why(err: unknown): string {
  return err instanceof TesseraError ? err.message : 'unreadable piece';
}

/** Opens every piece with the session's box key and checks its signature and addressing. */
export function openPieces(
  rows: ShardRow[],
  keys: Pick<IdentityKeys, 'boxSecret' | 'boxPublic'>,
): OpenedPiece[] {
  return rows.map((row) => {
    let signed: Uint8Array;
    try {
      signed = openSealed(keys.boxSecret, keys.boxPublic, row.sealed, RECOVERY_SHARD_CONTEXT, 'this piece');
    } catch (err) {
      return { row, signed: null, envelope: null, problem: why(err) };
    }
    try {
      const envelope = verifyShardEnvelope(signed);
      if (!equalBytes(envelope.custodian, signPublicFromPeerId(row.custodianPeerId)))
        return { row, signed, envelope: null, problem: 'sent a piece that was addressed to someone else' };
      return { row, signed, envelope, problem: null };
    } catch (err) {
      return { row, signed, envelope: null, problem: why(err) };
    }
  });
}

export function assess(pieces: OpenedPiece[]): Assessment {
  const counts = new Map<string, { key: Uint8Array; n: number }>();
  for (const p of pieces) {
    if (!p.envelope) continue;
    const k = toHex(p.envelope.owner);
    const c = counts.get(k);
    if (c) c.n += 1;
    else counts.set(k, { key: p.envelope.owner, n: 1 });
  }
  const owner = [...counts.values()].sort((a, b) => b.n - a.n)[0]?.key ?? null;
  const groups = new Map<string, { t: number; created: number; xs: Set<number> }>();
  const out = pieces.map((p): OpenedPiece => {
    if (!p.envelope || !owner) return p;
    if (!equalBytes(p.envelope.owner, owner))
      return { ...p, envelope: null, problem: 'sent a piece that belongs to a different person' };
    const e = p.envelope;
    const key = `${toHex(e.splitId)}/${toHex(e.commitment)}/${e.threshold}`;
    const g = groups.get(key) ?? { t: e.threshold, created: e.created, xs: new Set<number>() };
    g.xs.add(e.x);
    g.created = Math.max(g.created, e.created);
    groups.set(key, g);
    return p;
  });
  const best = [...groups.values()].sort((a, b) => b.created - a.created || b.xs.size - a.xs.size)[0];
  return { pieces: out, owner, have: best?.xs.size ?? 0, need: best?.t ?? 0 };
}

/** "2 of 3 pieces: ask 1 more friend." and the like. */
export function progressMessage(have: number, need: number, received: number): string {
  if (need === 0)
    return received === 0
      ? 'Waiting for your friends: ask them to approve with this code.'
      : 'No valid piece yet: ask another friend to approve with this code.';
  const more = Math.max(0, need - have);
  if (more === 0) return `${have} of ${need} pieces: restoring.`;
  return `${have} of ${need} pieces: ask ${more} more ${more === 1 ? 'friend' : 'friends'} to approve.`;
}
