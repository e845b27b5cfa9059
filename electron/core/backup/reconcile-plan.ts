/**
 * The reconcile planner: what the owner owes each custodian now, worked out from plain data (the custodian rows, the
 * current version, the time) with no I/O, timers or services. The owner's coordinator runs the tasks (each peer's in
 * order, peers side by side); health checks are planned the same way when their timer fires.
 *
 * The work is level-triggered (docs/ARCHITECTURE.md, "Backup"): a task is planned again at every pass until the rows
 * say it is done, so nothing is kept in an outbox across restarts.
 */
import { toHex } from '../../../shared/crypto/bytes.ts';
import type { CustodianRow } from './owner-store.ts';
import { awaitingAnswer, isDelivered, owesVersion } from './custodian-standing.ts';
import type { CurrentVersion } from './custodian-standing.ts';

export interface PlanInput {
  now: number;
  /** The active split, or null before the first backup. */
  split: { splitId: Uint8Array; threshold: number } | null;
  /** Custodians of the active split. */
  custodians: readonly CustodianRow[];
  /** Custodians (of any split) still to be asked to delete their piece (state `removing`). */
  retiring: readonly CustodianRow[];
  current: CurrentVersion;
  /** Peer IDs that are still friends (a retiring custodian who is not is asked at once, and told why). */
  friends: ReadonlySet<string>;
  /** SHA-256 (hex) of the signed manifests an update can be sent as edits to (the owner's recent manifests). */
  deltaBases: ReadonlySet<string>;
  /** When each peer may be tried again (backoff after a failure, or a consent poll); absent: now. */
  notBefore: ReadonlyMap<string, number>;
}

export type ReconcileTask =
  /** Send the holding request (again: the friend may not have answered yet). */
  | { t: 'ask-consent'; peerId: string; row: CustodianRow }
  /** Send the current version as edits to the manifest the custodian holds (whole if the edits cannot be made). */
  | { t: 'send-delta'; peerId: string; row: CustodianRow }
  /** Send the current version's manifest whole (with the envelope if it was never delivered). */
  | { t: 'send-whole'; peerId: string; row: CustodianRow }
  /** Ask for the piece of a retired split to be deleted; `ended`: they are no longer a friend (PROTOCOL §9.2). */
  | { t: 'forget'; peerId: string; row: CustodianRow; ended: boolean }
  /**
   * Something is owed but not now: the peer is backing off (`until`), or an old piece must stay until the new split
   * can recover the vault on its own (`until` null).
   */
  | { t: 'wait'; peerId: string; until: number | null; owed: 'consent' | 'version' | 'deletion' };

export type HealthTask = { t: 'check-health'; peerId: string; row: CustodianRow; withChunks: boolean };

/** The tasks of one reconcile pass, in the order each peer's are to run. */
export function planReconcile(input: PlanInput): ReconcileTask[] {
  const { now, split, current } = input;
  const tasks: ReconcileTask[] = [];
  const add = (task: Exclude<ReconcileTask, { t: 'wait' }>, owed: 'consent' | 'version' | 'deletion') => {
    const until = input.notBefore.get(task.peerId);
    if (until !== undefined && until > now) tasks.push({ t: 'wait', peerId: task.peerId, until, owed });
    else tasks.push(task);
  };
  let delivered = 0;
  if (split) {
    for (const row of input.custodians) {
      if (isDelivered(row)) delivered++;
      // An expired request is not asked again (the friend could no longer answer it); a new backup asks anew.
      if (awaitingAnswer(row, now)) add({ t: 'ask-consent', peerId: row.peerId, row }, 'consent');
      else if (row.state === 'accepted' && owesVersion(row, current, split.splitId))
        add(
          { t: canSendDelta(row, input.deltaBases) ? 'send-delta' : 'send-whole', peerId: row.peerId, row },
          'version',
        );
    }
  }
  // Old pieces are deleted only once the new split can already recover the vault on its own; a friend this person
  // removed is asked at once, whatever the new split's progress (PROTOCOL §9.2, "Deletion").
  const canRetire = !split || delivered >= split.threshold;
  for (const row of input.retiring) {
    const ended = !input.friends.has(row.peerId);
    if (ended || canRetire) add({ t: 'forget', peerId: row.peerId, row, ended }, 'deletion');
    else tasks.push({ t: 'wait', peerId: row.peerId, until: null, owed: 'deletion' });
  }
  return tasks;
}

/** An update can go as edits only to a custodian that holds our envelope and a manifest we still have. */
function canSendDelta(row: CustodianRow, bases: ReadonlySet<string>): boolean {
  return row.envelopeDelivered && row.manifestHeld !== null && bases.has(toHex(row.manifestHeld));
}

/**
 * Health checks (PROTOCOL §9.2, "Health"): every custodian of the active split that accepted and holds our envelope.
 * Those that confirmed the current version are also asked to prove chunks of it.
 */
export function planHealthChecks(input: {
  custodians: readonly CustodianRow[];
  currentVersion: number;
}): HealthTask[] {
  return input.custodians
    .filter((row) => row.state === 'accepted' && row.envelopeDelivered)
    .map((row) => ({
      t: 'check-health',
      peerId: row.peerId,
      row,
      withChunks: row.versionHeld === input.currentVersion,
    }));
}

/**
 * Nothing more to push: every custodian of the active split holds the current version, declined, or let the request
 * expire (the chunks of a fresh build can then be let go from memory).
 */
export function pushesSettled(input: {
  now: number;
  split: { splitId: Uint8Array } | null;
  custodians: readonly CustodianRow[];
  current: CurrentVersion;
}): boolean {
  const { split } = input;
  if (!split) return true;
  return input.custodians.every((row) =>
    row.state === 'accepted'
      ? !owesVersion(row, input.current, split.splitId)
      : !awaitingAnswer(row, input.now),
  );
}
