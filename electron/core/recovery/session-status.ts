/**
 * What the person at the new device sees of the session (`recovery.status`, PROTOCOL §11.3–11.4), from what it
 * holds: each sender with its code, the person's verdict and the state of its piece; the state of the whole session
 * (`needs-passphrase` until the pieces can be opened, `conflict` when confirmed pieces name two owners, `ready` once
 * the backup is open, else `collecting`); and one sentence saying what to do next. Pure: the session gathers the
 * facts (session-service.ts) and this decides what they mean.
 */
import { fingerprintOf, peerIdOf } from '../../../shared/crypto/identity.ts';
import type {
  RecoveryCustodian,
  RecoveryStatus,
  RecoveryVaultSummary,
} from '../../../shared/api/ops/recovery.ts';
import type { PublicIdentity } from '../vault/vault-repo.ts';
import { progressMessage } from './assess.ts';
import type { Assessment } from './assess.ts';
import type { Phase, Prepared } from './session-state.ts';
import type { SenderRow, SessionRow } from './session-store.ts';

/** The facts a status is made of. */
export interface SessionFacts {
  /** The stored session, or null when there is none (never started, cancelled, or restored). */
  row: Pick<SessionRow, 'expiresAt' | 'remote'> | null;
  phase: Phase;
  /** The status kept when the restore completed (who helped, t of n). */
  restoredStatus: RecoveryStatus | null;
  /** The last judging of the pieces; null until the passphrase opened them. */
  assessment: Assessment | null;
  senders: readonly SenderRow[];
  /** The senders whose piece the session stores. */
  piecesFrom: ReadonlySet<string>;
  /** Problems combining found with confirmed pieces, by sender. */
  combineProblems: ReadonlyMap<string, string>;
  /** How each peer is connected to the session's node now (absent: not connected). */
  paths: ReadonlyMap<string, 'direct' | 'relayed'>;
  /** Reply peers entered here (remote recovery), by peer ID. */
  replies: readonly string[];
  /** The passphrase opened the session's keys (pieces can be checked). */
  unlocked: boolean;
  /** Peers on the previous release that tried to help. */
  outdated: number;
  lastError: string | undefined;
  prepared: Prepared | null;
  /** The vault kept aside on this device (forgotten passphrase, PROTOCOL §11.6). */
  kept: PublicIdentity | null;
  /** The code to show while the session listens, else null (read only when a session runs). */
  code(): string | null;
}

const NONE: RecoveryStatus = {
  state: 'none',
  have: 0,
  need: 0,
  custodians: [],
  code: null,
  expiresAt: null,
  vault: null,
  message: 'No recovery in progress.',
};

const RESTORED: RecoveryStatus = { ...NONE, state: 'restored', message: 'Your vault is restored.' };

/** Each sender as the person sees it: the code to compare, the verdict, and what became of its piece. */
export function custodiansOf(f: SessionFacts): RecoveryCustodian[] {
  const byPeer = new Map((f.assessment?.pieces ?? []).map((p) => [p.row.sender, p]));
  return f.senders.map((s) => {
    const piece = byPeer.get(s.peerId);
    const problem = f.combineProblems.get(s.peerId) ?? piece?.problem ?? undefined;
    const rejected = s.rejectedAt !== null;
    const state: RecoveryCustodian['state'] = rejected
      ? 'rejected'
      : !f.piecesFrom.has(s.peerId)
        ? (s.ended ?? (s.releaseAt !== null ? 'waiting' : 'connected'))
        : problem
          ? 'bad'
          : !f.unlocked
            ? 'received'
            : 'verified';
    return {
      name: s.name,
      peerId: s.peerId,
      comparisonCode: s.sasCode,
      state,
      confirmed: s.confirmedAt !== null,
      ...(problem && !rejected ? { problem: `${s.name}'s piece did not verify: ${problem}` } : {}),
      ...(s.releaseAt !== null && state === 'waiting' ? { releaseAt: s.releaseAt } : {}),
      ...(f.paths.has(s.peerId) ? { path: f.paths.get(s.peerId)! } : {}),
    };
  });
}

export function sessionStatus(f: SessionFacts): RecoveryStatus {
  const row = f.row;
  if (!row && f.phase !== 'restored') return { ...NONE, custodians: [] };
  if (f.phase === 'restored' && f.restoredStatus) return f.restoredStatus;
  if (f.phase === 'restored' || !row) return { ...RESTORED, custodians: [] };
  const a = f.assessment;
  const custodians = custodiansOf(f);
  const have = a?.have ?? 0;
  const need = a?.need ?? 0;
  const waiting = custodians.filter((c) => !c.confirmed && c.state === 'verified').length;
  const state: RecoveryStatus['state'] =
    f.phase === 'restoring'
      ? 'restoring'
      : !f.unlocked
        ? 'needs-passphrase'
        : a?.conflict
          ? 'conflict'
          : f.phase === 'ready'
            ? 'ready'
            : 'collecting';
  const bad = custodians.filter((c) => c.state === 'bad' && c.confirmed).map((c) => c.problem!);
  if (f.outdated > 0)
    bad.push(
      `${f.outdated === 1 ? 'A friend' : `${f.outdated} friends`} tried to help with an older Tessera and ${f.outdated === 1 ? 'was' : 'were'} asked to update it and approve again.`,
    );
  const error = f.lastError ?? (bad.length > 0 ? bad.join(' ') : undefined);
  const names = new Map(custodians.map((c) => [c.peerId, c.name]));
  const message =
    state === 'needs-passphrase'
      ? `${f.piecesFrom.size} piece(s) received. Enter your new passphrase to continue the recovery.`
      : state === 'conflict'
        ? `The pieces you confirmed belong to ${a!.conflict!.owners.length} different people (${a!
            .conflict!.owners.map((o) => o.senders.map((p) => names.get(p) ?? p).join(' and '))
            .join('; ')}). Nothing will be restored: reject the pieces of anyone who is not your friend.`
        : state === 'ready'
          ? 'Check whose vault this is, then restore it.'
          : progressMessage(have, need, waiting);
  const kept = f.kept;
  const stoppers = custodians.filter((c) => c.state === 'stopped').map((c) => c.name);
  const stopped =
    stoppers.length > 0
      ? `The recovery was stopped by the owner's device: ${stoppers.join(' and ')} ${stoppers.length === 1 ? 'says' : 'say'} the vault's own device stopped it, so no piece will be sent. If that device is yours and you still have it, you need no recovery.`
      : undefined;
  return {
    state,
    have,
    need,
    custodians,
    code: f.code(),
    expiresAt: row.expiresAt,
    vault: f.phase === 'ready' && f.prepared ? summarize(f.prepared) : null,
    message: stopped && state === 'collecting' ? stopped : message,
    ...(error ? { error } : {}),
    ...(row.remote ? { remote: true } : {}),
    ...(stopped ? { stopped } : {}),
    ...(f.replies.length > 0
      ? {
          replies: f.replies.map((peerId) => ({
            peerId,
            ...(f.paths.has(peerId) ? { path: f.paths.get(peerId)! } : {}),
          })),
        }
      : {}),
    ...(kept ? { keptVault: { name: kept.name, peerId: kept.peerId, fingerprint: kept.fingerprint } } : {}),
  };
}

/** Whose vault the prepared backup is, for the person's last look before `finish`. */
export function summarize(p: Prepared): RecoveryVaultSummary {
  return {
    name: p.snapshot.displayName,
    peerId: peerIdOf(p.owner),
    fingerprint: fingerprintOf(p.owner),
    friends: p.snapshot.contacts.map((c) => c.name),
    items: p.snapshot.items.length,
  };
}
