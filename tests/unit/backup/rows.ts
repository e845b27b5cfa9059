/** Custodian rows as the owner stores them (owner-store.ts), built for the planner and status-view tests. */
import type { CustodianRow } from '../../../electron/core/backup/owner-store.ts';

export const SPLIT = new Uint8Array(16).fill(1);
export const OLD_SPLIT = new Uint8Array(16).fill(2);
export const NOW = 1_700_000_000_000;

/** A custodian of SPLIT that accepted and confirmed version 3 (override what a case is about). */
export function custodian(peerId: string, patch: Partial<CustodianRow> = {}): CustodianRow {
  return {
    splitId: SPLIT,
    peerId,
    state: 'accepted',
    requestNonce: new Uint8Array(32).fill(7),
    requestExpires: NOW + 60_000,
    sealedEnvelope: new Uint8Array([1, 2, 3]),
    envelopeDelivered: true,
    versionHeld: 3,
    manifestHeld: new Uint8Array(32).fill(3),
    receipt: new Uint8Array([9]),
    deletionReceipt: null,
    lastConfirmed: NOW - 1_000,
    health: 'ok',
    lastError: null,
    updatedAt: NOW - 1_000,
    ...patch,
  };
}
