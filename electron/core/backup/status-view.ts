/**
 * What `backup.status` reports (shared/api/ops/backup.ts), worked out from the owner's rows and what this process
 * knows (progress of sends, bytes sent, the last build's problem): pure, no store or services. How a status reads to
 * a person (which pieces count) is shared/backup-summary.ts, the one rule; this only says where each custodian is.
 */
import type { BackupStatus, CustodianStatus } from '../../../shared/api/ops/backup.ts';
import type { CustodianRow } from './owner-store.ts';
import { awaitingAnswer, isDelivered } from './custodian-standing.ts';
import { isOlderCustodianError, needsUpdate } from '../../../shared/needs-update.ts';

export type SendingProgress = NonNullable<CustodianStatus['sending']>;

export interface StatusInput {
  now: number;
  /** The active split, or null before the first backup. */
  split: { threshold: number; createdAt: number; waitingPeriodMs?: number | null } | null;
  /** Custodians of the active split, then former ones (asked to delete, or done). */
  rows: readonly CustodianRow[];
  version: number;
  versionCreatedAt: number | null;
  versionReason: string | null;
  bytesSent: number;
  problem: string | null;
  /** What this person calls each custodian (never a peer ID; a former friend keeps the name they had). */
  names: ReadonlyMap<string, string>;
  /** Peer IDs that are still friends. */
  friends: ReadonlySet<string>;
  /** Sends under way, by custodian. */
  sending: ReadonlyMap<string, SendingProgress>;
  /**
   * Custodians whose device was seen (identify, this run) to lack the current recovery protocol: they would be asked
   * to update before they could help (PROTOCOL §11.2, §13.3). Absent: none known.
   */
  cannotRecover?: ReadonlySet<string>;
}

/** The name shown for a custodian whose name is not known (never a peer ID). */
export const UNNAMED_CUSTODIAN = 'A former friend';

export function backupStatusView(input: StatusInput): BackupStatus {
  return {
    configured: input.split !== null,
    version: input.version,
    threshold: input.split?.threshold ?? 0,
    createdAt: input.split?.createdAt ?? null,
    versionCreatedAt: input.versionCreatedAt,
    versionReason: input.versionReason,
    custodians: input.rows.map((row) => custodianStatusView(row, input)),
    bytesSent: input.bytesSent,
    problem: input.problem,
    ...(typeof input.split?.waitingPeriodMs === 'number'
      ? { waitingPeriodMs: input.split.waitingPeriodMs }
      : {}),
  };
}

export function custodianStatusView(
  row: CustodianRow,
  input: Pick<StatusInput, 'now' | 'names' | 'friends' | 'sending' | 'cannotRecover'>,
): CustodianStatus {
  const state: CustodianStatus['state'] = isDelivered(row)
    ? 'delivered'
    : row.state === 'requested' && !awaitingAnswer(row, input.now)
      ? 'expired'
      : row.state;
  const name = input.names.get(row.peerId) ?? UNNAMED_CUSTODIAN;
  // A version they refused because their Tessera is older, or helping with a recovery, waits for their update
  // (PROTOCOL §13.3). Former custodians are owed nothing but a deletion.
  const current = state !== 'removing' && state !== 'removed';
  const update = current
    ? needsUpdate(name, [
        ...(isOlderCustodianError(row.lastError) ? (['backup-update'] as const) : []),
        ...(input.cannotRecover?.has(row.peerId) ? (['recovery'] as const) : []),
      ])
    : undefined;
  return {
    peerId: row.peerId,
    name,
    friend: input.friends.has(row.peerId),
    state,
    versionHeld: row.versionHeld,
    lastConfirmed: row.lastConfirmed,
    health: row.health,
    lastError: row.lastError,
    sending: input.sending.get(row.peerId) ?? null,
    ...(update ? { needsUpdate: update } : {}),
  };
}
