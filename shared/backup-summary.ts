/**
 * One rule for what a backup's status means to a person, used by the Backup screen (summary, bar, table), the
 * friend-removal dialog and `tessera backup status`, so that they can never disagree.
 *
 * A piece counts ("kept") only when its friend is still a friend, confirmed holding it with a signed receipt
 * (`delivered`, PROTOCOL §9.3) and has not failed a health check since (PROTOCOL §9.2, "Health"). Custodians of the
 * current split who are being asked to delete, or have deleted, their piece (a re-share, a removed friend) are
 * former custodians: listed apart, never counted.
 */
import type { BackupStatus, CustodianStatus } from './api/ops/backup.ts';

export type PieceTone = 'ok' | 'waiting' | 'trouble' | 'former';

/** How one custodian's piece stands: whether it counts, the words on its badge, and its tone. */
export interface PieceView {
  custodian: CustodianStatus;
  counted: boolean;
  label: string;
  tone: PieceTone;
}

export interface BackupSummary {
  configured: boolean;
  threshold: number;
  /** Custodians of the current backup (not asked to delete). */
  current: PieceView[];
  /** Former custodians: asked to delete their piece, or done. */
  former: PieceView[];
  /** Pieces that count (the bar's value; its maximum is `current.length`). */
  kept: number;
  /** `kept >= threshold`: friends could restore the vault today. */
  restorable: boolean;
  /** Current custodians whose piece cannot be counted on now (declined, expired, removed, failed a check). */
  trouble: PieceView[];
  /** One or two sentences for the top of the Backup screen and the CLI. */
  headline: string;
}

const FORMER_STATES: ReadonlySet<string> = new Set<CustodianStatus['state']>(['removing', 'removed']);

/**
 * The one rule for who belongs to the current backup: every custodian not asked to delete their piece. It reads
 * only the state, so the CLI applies it to its `--json` shape (shared/api/cli-output.ts) as well.
 */
export function isCurrentCustodian(c: { state: string }): boolean {
  return !FORMER_STATES.has(c.state);
}

/** The custodians of the current backup, in their order (what a new backup starts from, what "of N" counts). */
export function currentCustodians<C extends { state: string }>(custodians: readonly C[]): C[] {
  return custodians.filter(isCurrentCustodian);
}

/** The one rule: does this piece count towards restoring the vault now? */
export function pieceCounts(c: CustodianStatus): boolean {
  return (
    c.friend &&
    c.state === 'delivered' &&
    c.health !== 'missing' &&
    c.health !== 'mismatch' &&
    // A custodian who needs to update keeps an older version at best: not "backed up" (PROTOCOL §13.3).
    c.needsUpdate === undefined
  );
}

export function viewPiece(c: CustodianStatus): PieceView {
  const counted = pieceCounts(c);
  const [label, tone]: [string, PieceTone] = !c.friend
    ? c.state === 'removed'
      ? ['No longer a friend; their piece was deleted', 'former']
      : c.state === 'removing'
        ? ['No longer a friend; asked to delete their piece', 'former']
        : ['No longer a friend; not counted', 'trouble']
    : c.needsUpdate && c.state !== 'removing' && c.state !== 'removed'
      ? [`${c.name} needs to update Tessera`, 'trouble']
      : c.state === 'removing'
        ? ['Asked to delete an old piece', 'former']
        : c.state === 'removed'
          ? ['Old piece deleted', 'former']
          : c.health === 'missing'
            ? ['Their piece is missing; sending it again', 'trouble']
            : c.health === 'mismatch'
              ? ['Could not prove it holds your backup; sending it again', 'trouble']
              : c.state === 'delivered'
                ? ['Keeping your piece', 'ok']
                : c.state === 'accepted'
                  ? ['Accepted; sending their piece', 'waiting']
                  : c.state === 'requested'
                    ? ['Waiting for their consent', 'waiting']
                    : c.state === 'expired'
                      ? ['Did not answer in time', 'trouble']
                      : ['Declined', 'trouble'];
  return { custodian: c, counted, label, tone };
}

export function summarizeBackup(status: BackupStatus): BackupSummary {
  const views = status.custodians.map(viewPiece);
  const current = views.filter((v) => isCurrentCustodian(v.custodian));
  const former = views.filter((v) => !isCurrentCustodian(v.custodian));
  const kept = current.filter((v) => v.counted).length;
  const threshold = status.threshold;
  const restorable = status.configured && kept >= threshold;
  const trouble = current.filter((v) => v.tone === 'trouble');
  const n = current.length;
  let headline: string;
  if (!status.configured) headline = 'No backup yet.';
  else if (kept === n && n > 0)
    headline = `Any ${threshold} of ${n} friends can restore your vault. Every friend is keeping their piece.`;
  else if (restorable)
    headline = `Any ${threshold} of ${n} friends can restore your vault. ${kept} of ${n} are keeping their piece so far.`;
  else
    headline =
      `Your friends cannot restore your vault yet: ${threshold} pieces are needed and ${kept} of ${n} ` +
      `${kept === 1 ? 'is' : 'are'} kept.`;
  return { configured: status.configured, threshold, current, former, kept, restorable, trouble, headline };
}

/** What removing one friend does to the backup, said before they are removed (the friend-removal dialog). */
export interface RemovalImpact {
  /** They keep a piece of the current backup (or were asked to). */
  holdsPiece: boolean;
  /** Pieces of the current backup, and how many are needed. */
  pieces: number;
  threshold: number;
  /** Pieces that would still count without them. */
  keptAfter: number;
  /** The sentences for the dialog (with `name` as this person calls the friend). */
  text: string;
}

export function removalImpact(status: BackupStatus, peerId: string, name: string): RemovalImpact {
  const summary = summarizeBackup(status);
  const theirs = summary.current.find((v) => v.custodian.peerId === peerId);
  const pieces = summary.current.length;
  const threshold = summary.threshold;
  const keptAfter = summary.current.filter((v) => v.counted && v.custodian.peerId !== peerId).length;
  if (!summary.configured || !theirs) {
    return {
      holdsPiece: false,
      pieces,
      threshold,
      keptAfter,
      text: `${name} does not keep a piece of your backup.`,
    };
  }
  const one = `${name} ${theirs.counted ? 'holds' : 'was asked to hold'} one of your ${pieces} pieces; any ${threshold} restore your vault.`;
  const after =
    keptAfter >= threshold
      ? `After removing ${name}, ${keptAfter} pieces remain with your friends: still enough, but with less room to lose one.`
      : `After removing ${name}, only ${keptAfter} of the ${threshold} pieces needed remain with your friends: your vault could not be restored until you make a new backup.`;
  return {
    holdsPiece: true,
    pieces,
    threshold,
    keptAfter,
    text: `${one} ${after} ${name} will be asked to delete their piece.`,
  };
}

export interface PaperView {
  number: number;
  state: 'current' | 'void';
  /** One sentence for the Backup screen and the CLI. */
  text: string;
}

/**
 * The paper pieces printed (PROTOCOL §4.4): the current split's pages count as pieces; pages of a replaced split are
 * void and the person is told to destroy them, with the date printed on them so they can find which.
 */
export function paperViews(status: BackupStatus): PaperView[] {
  return (status.paper ?? []).map((p) => {
    const date = new Date(p.createdAt).toISOString().slice(0, 10);
    return {
      number: p.number,
      state: p.state,
      text:
        p.state === 'current'
          ? `Paper piece ${p.number}, printed on ${date}: one of the pieces; keep it safe.`
          : `The page printed on ${date} (paper piece ${p.number}) no longer works: destroy it.`,
    };
  });
}
