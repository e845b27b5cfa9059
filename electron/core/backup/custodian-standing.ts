/**
 * What an owner's custodian row means, in the few predicates the reconcile planner, the status view and forwarding
 * share (pure: rows and numbers in, booleans out).
 */
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import type { CustodianRow } from './owner-store.ts';

/** The version the owner could send now: its number, the split it belongs to, and whether its manifest is stored. */
export interface CurrentVersion {
  version: number;
  splitId: Uint8Array | null;
  hasManifest: boolean;
}

/** A holding request that is still open: asked, not answered, not expired. */
export function awaitingAnswer(row: CustodianRow, now: number): boolean {
  return row.state === 'requested' && row.requestExpires > now;
}

/**
 * Confirmed holding with a signed receipt (PROTOCOL §9.3), and not failed a data proof since (§9.2, "Health"): a
 * custodian that failed one is not "delivered" until the version has been sent again.
 */
export function isDelivered(row: CustodianRow): boolean {
  return row.state === 'accepted' && row.envelopeDelivered && row.health !== 'mismatch';
}

/** The custodian lacks the envelope or the current version of this split (nothing is owed before a version exists). */
export function owesVersion(row: CustodianRow, current: CurrentVersion, splitId: Uint8Array): boolean {
  if (!current.hasManifest || !current.splitId || !equalBytes(current.splitId, splitId)) return false;
  return !row.envelopeDelivered || (row.versionHeld ?? 0) < current.version;
}
