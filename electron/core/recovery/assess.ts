/**
 * Where a recovery session stands (PROTOCOL §11.4), from the pieces received and the person's verdicts on each
 * sender's code. The session never chooses an owner by counting: identities are free to mint, so only pieces
 * whose sender's code the person confirmed count, and they must all name one owner (else the session stops and
 * shows the conflict). Pieces from senders not confirmed yet are opened and checked, so that the person sees which
 * are valid, but wait apart.
 */
import { equalBytes, toHex } from '../../../shared/crypto/bytes.ts';
import { openSealed } from '../../../shared/crypto/box.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { RECOVERY_SHARD_CONTEXT } from '../../../shared/protocol/recovery.ts';
import { verifyShardEnvelope } from '../../../shared/shards/envelope.ts';
import type { ShardEnvelope } from '../../../shared/shards/envelope.ts';
import type { PieceRow } from './session-store.ts';
import type { OpenedPaper } from './session-paper.ts';

export interface OpenedPiece {
  row: PieceRow;
  /** The person confirmed this sender's code. */
  confirmed: boolean;
  /** The signed envelope, when the sealed piece opened. */
  signed: Uint8Array | null;
  envelope: ShardEnvelope | null;
  problem: string | null;
}

export interface Conflict {
  /** Owner keys (hex) named by confirmed pieces, each with the senders (peer IDs) whose pieces name it. */
  owners: { owner: string; senders: string[] }[];
}

export interface Assessment {
  pieces: OpenedPiece[];
  /** The one owner every confirmed valid piece names (null before any, or on a conflict). */
  owner: Uint8Array | null;
  conflict: Conflict | null;
  /** Confirmed valid pieces of the chosen split (distinct shares) and its threshold (0 while unknown). */
  have: number;
  need: number;
  /** The senders whose pieces form the chosen split, then the ids of the paper pieces that join it. */
  split: string[];
  /** Paper pieces typed into the session (PROTOCOL §11.8). */
  paper: OpenedPaper[];
}

function why(err: unknown): string {
  return err instanceof TesseraError ? err.message : 'unreadable piece';
}

/** Opens every piece with the session's box key and checks its signature and addressing. */
export function openPieces(
  rows: PieceRow[],
  confirmed: ReadonlySet<string>,
  keys: Pick<IdentityKeys, 'boxSecret' | 'boxPublic'>,
): OpenedPiece[] {
  return rows.map((row) => {
    const base = { row, confirmed: confirmed.has(row.sender) };
    let signed: Uint8Array;
    try {
      signed = openSealed(keys.boxSecret, keys.boxPublic, row.sealed, RECOVERY_SHARD_CONTEXT, 'this piece');
    } catch (err) {
      return { ...base, signed: null, envelope: null, problem: why(err) };
    }
    try {
      const envelope = verifyShardEnvelope(signed);
      if (!equalBytes(envelope.custodian, signPublicFromPeerId(row.sender)))
        return {
          ...base,
          signed,
          envelope: null,
          problem: 'sent a piece that was addressed to someone else',
        };
      return { ...base, signed, envelope, problem: null };
    } catch (err) {
      return { ...base, signed, envelope: null, problem: why(err) };
    }
  });
}

export function assess(pieces: OpenedPiece[], paper: OpenedPaper[] = []): Assessment {
  const owners = new Map<string, { key: Uint8Array; senders: string[] }>();
  for (const p of pieces) {
    if (!p.confirmed || !p.envelope) continue;
    const k = toHex(p.envelope.owner);
    const o = owners.get(k) ?? { key: p.envelope.owner, senders: [] };
    o.senders.push(p.row.sender);
    owners.set(k, o);
  }
  if (owners.size > 1) {
    return {
      pieces,
      owner: null,
      conflict: { owners: [...owners].map(([owner, o]) => ({ owner, senders: o.senders })) },
      have: 0,
      need: 0,
      split: [],
      paper,
    };
  }
  const owner = [...owners.values()][0]?.key ?? null;
  // Splits of the one owner, from confirmed pieces only. `created` is signed by that owner, so it may order them.
  const groups = new Map<
    string,
    { split: string; t: number; created: number; xs: Set<number>; senders: string[] }
  >();
  for (const p of pieces) {
    if (!p.confirmed || !p.envelope || !owner) continue;
    const e = p.envelope;
    const key = `${toHex(e.splitId)}/${toHex(e.commitment)}/${e.threshold}`;
    const g = groups.get(key) ?? {
      split: toHex(e.splitId),
      t: e.threshold,
      created: e.created,
      xs: new Set<number>(),
      senders: [],
    };
    if (!g.xs.has(e.x)) {
      g.xs.add(e.x);
      g.senders.push(p.row.sender);
    }
    groups.set(key, g);
  }
  // A confirmed paper piece counts in the split of its split id and threshold; only friends' signed pieces make a
  // split known (its owner and commitment), so a paper piece alone waits for one of them (PROTOCOL §11.8).
  for (const p of paper) {
    if (!p.confirmed || !p.piece) continue;
    for (const g of groups.values())
      if (g.split === toHex(p.piece.splitId) && g.t === p.piece.threshold && !g.xs.has(p.piece.x)) {
        g.xs.add(p.piece.x);
        g.senders.push(p.id);
      }
  }
  const ranked = [...groups.values()].sort(
    (a, b) =>
      Number(b.xs.size >= b.t) - Number(a.xs.size >= a.t) || b.created - a.created || b.xs.size - a.xs.size,
  );
  const best = ranked[0];
  return {
    pieces,
    owner,
    conflict: null,
    have: best?.xs.size ?? 0,
    need: best?.t ?? 0,
    split: best?.senders ?? [],
    paper,
  };
}

/** "2 of 3 pieces: ask 1 more friend." and the like. */
export function progressMessage(have: number, need: number, waiting: number): string {
  const compare =
    waiting === 0
      ? ''
      : ` ${waiting} ${waiting === 1 ? 'piece waits' : 'pieces wait'} for you to compare ${waiting === 1 ? 'its' : 'their'} code.`;
  if (need === 0) return `Waiting for your friends: ask them to approve with this code.${compare}`;
  const more = Math.max(0, need - have);
  if (more === 0) return `${have} of ${need} confirmed pieces.`;
  return `${have} of ${need} confirmed pieces: ${more} more needed.${compare}`;
}
