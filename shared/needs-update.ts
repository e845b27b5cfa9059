/**
 * "NAME needs to update Tessera": what the evidence about a friend's device says it cannot do yet, and the sentence
 * the person is told, with what is waiting for the update (PROTOCOL §13.3). Pure: the mesh collects the evidence
 * (identify's protocol list, a failed negotiation, a recognised refusal), this classifies it, and the API, the
 * screens and the CLI show the result.
 *
 * It only changes what the person is told, never what is accepted: a friend who claims an older release still has
 * to compare codes before holding a piece (PROTOCOL §8.5), and a refusal is still a refusal (SECURITY.md).
 */
import { PROTOCOLS } from './protocol/protocols.ts';

/** What was seen of a friend's device, oldest first. */
export type UpdateEvidence =
  /** libp2p identify: the protocols the device serves, and its agent string (PROTOCOL §13.1). */
  | { kind: 'identify'; protocols: readonly string[]; agentVersion?: string }
  /** Negotiating this Tessera protocol id failed: the device does not speak it. */
  | { kind: 'unsupported-protocol'; protocol: string }
  /** The device refused with this reason (a custodian's `refused` frame, PROTOCOL §9.1). */
  | { kind: 'refusal'; reason: string; code?: string };

/** What a friend's device cannot do until it is updated. */
export type Lack =
  /** Compare codes (`/tessera/verify/1.0.0`, PROTOCOL §8.5), so it can neither hold a new piece nor have one. */
  | 'compare'
  /** Read a format this release writes (a version bump, PROTOCOL §13.2). */
  | 'format'
  /** The current recovery (`/tessera/recovery/2.0.0`, PROTOCOL §11). */
  | 'recovery';

/** What waits for the friend's update, in the words of the API (`needsUpdate.waiting`). */
export type Waiting =
  'comparing-codes' | 'holding-for-you' | 'holding-for-them' | 'backup-update' | 'recovery';

export const WAITING_PHRASES: Record<Waiting, string> = {
  'comparing-codes': 'comparing codes',
  'holding-for-you': 'keeping a piece of your backup',
  'holding-for-them': 'you keeping a piece of their backup',
  'backup-update': 'your backup’s latest version',
  recovery: 'helping with a recovery',
};

/**
 * The reason code a refusal carries when the refusing side cannot read what it was sent because it is older
 * (PROTOCOL §9.1, `refused`). Sent only to a device that wrote a newer version, which therefore reads it.
 */
export const OLDER_RELEASE_REFUSAL = 'needs-update';

/**
 * The refusal text of releases up to and including the first trust-ceremony release, for a format version they do
 * not read (shared/crypto/errors.ts, UnsupportedFormatError; PROTOCOL §13.3). Matched narrowly, whole and anchored:
 * it is the only such text those releases send, and no free text is guessed at beyond it.
 */
const OLDER_FORMAT_REFUSAL =
  /(?:^|: )[A-Za-z ]{1,40} uses format version \d{1,6}, which this version of Tessera does not support\. Update Tessera and try again\.$/;

/** This refusal says the refusing device is too old for what it was sent. */
export function isOlderReleaseRefusal(reason: string, code?: string): boolean {
  return code === OLDER_RELEASE_REFUSAL || OLDER_FORMAT_REFUSAL.test(reason);
}

function isTesseraDevice(protocols: readonly string[]): boolean {
  return protocols.includes(PROTOCOLS.pair);
}

/**
 * What the device cannot do, from the evidence in the order it was seen. A newer identify replaces what an older
 * one or a failed negotiation said about protocols (the friend updated); a refused format stays until the caller
 * drops it (a later delivery succeeded).
 */
export function classifyEvidence(evidence: readonly UpdateEvidence[]): Set<Lack> {
  const lacks = new Set<Lack>();
  for (const e of evidence) {
    if (e.kind === 'identify') {
      // A peer that serves no Tessera pairing is not a Tessera device we can judge (identify not finished, or
      // another program): say nothing rather than guess.
      if (!isTesseraDevice(e.protocols)) continue;
      // Only a new device's recovery session serves `/tessera/recovery/2.0.0` (PROTOCOL §11.3), so a friend's list
      // never shows it. Code comparison and the current recovery came in the same release (§8.5, §11): a device
      // without `/tessera/verify/1.0.0` predates both.
      if (e.protocols.includes(PROTOCOLS.verify)) {
        lacks.delete('compare');
        lacks.delete('recovery');
      } else {
        lacks.add('compare');
        lacks.add('recovery');
      }
    } else if (e.kind === 'unsupported-protocol') {
      if (e.protocol === PROTOCOLS.verify) lacks.add('compare');
      else if (e.protocol === PROTOCOLS.recovery) lacks.add('recovery');
    } else if (isOlderReleaseRefusal(e.reason, e.code)) lacks.add('format');
  }
  return lacks;
}

/** The API's `needsUpdate` field: the sentence and what waits for the update. */
export interface NeedsUpdate {
  message: string;
  waiting: Waiting[];
}

/** "NAME needs to update Tessera. Waiting for it: comparing codes, keeping a piece of your backup." */
export function needsUpdateMessage(name: string, waiting: readonly Waiting[]): string {
  const what = waiting.map((w) => WAITING_PHRASES[w]);
  return what.length === 0
    ? `${name} needs to update Tessera.`
    : `${name} needs to update Tessera. Waiting for it: ${what.join(', ')}.`;
}

export function needsUpdate(name: string, waiting: readonly Waiting[]): NeedsUpdate | undefined {
  if (waiting.length === 0) return undefined;
  const unique = [...new Set(waiting)];
  return { message: needsUpdateMessage(name, unique), waiting: unique };
}

const OLDER_CUSTODIAN_TAIL =
  ': their version cannot read the format of your backup’s latest version, so they still keep an older one. Ask them to update; the latest version is sent again after that.';

/**
 * The custodian's last error on the owner's side when they refused a version because their Tessera is older
 * (`isOlderReleaseRefusal`): said as who must update, never the refusal's own "Update Tessera", which told the
 * owner (already newer) to update (PROTOCOL §13.3).
 */
export function olderCustodianError(name: string): string {
  return `${name} needs to update Tessera${OLDER_CUSTODIAN_TAIL}`;
}

/**
 * A custodian's stored last error says their Tessera is too old for the latest version: the sentence above (the
 * only per-custodian record there is, written in one place), or a refusal of an older release stored as it came.
 */
export function isOlderCustodianError(lastError: string | null): boolean {
  return lastError !== null && (lastError.endsWith(OLDER_CUSTODIAN_TAIL) || isOlderReleaseRefusal(lastError));
}
