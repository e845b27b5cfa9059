/**
 * The session's state machine (PROTOCOL §11.4, §11.6), pure: when a session may start beside what this data dir
 * holds, and what a new judging of the pieces does to what was opened. A backup is opened only from a complete split
 * of confirmed pieces naming one owner; a piece or a verdict that changes the chosen split, or a conflict, drops
 * what was opened so it is evaluated again.
 */
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { fingerprintOf } from '../../../shared/crypto/identity.ts';
import { VaultExistsError } from '../../../shared/errors.ts';
import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import type { PublicIdentity } from '../vault/vault-repo.ts';
import type { Assessment } from './assess.ts';

/** collecting → opening (combining, in memory) → ready → restoring → restored; a changed split goes back. */
export type Phase = 'collecting' | 'opening' | 'ready' | 'restoring' | 'restored';

/** A backup combined and opened from confirmed pieces, waiting for the person's last word. */
export interface Prepared {
  snapshot: Snapshot;
  owner: Uint8Array;
  delivered: string[];
  threshold: number;
  /** The senders whose pieces it came from, to notice when the evidence changes. */
  basis: string;
}

/**
 * Why `recovery.start` is refused here, or null: an open vault has nothing to recover, and a locked one is kept
 * aside only when the person said they forgot its passphrase (§11.6); a session that exists already goes on.
 */
export function startRefusal(
  vault: 'empty' | 'locked' | 'unlocked',
  sessionExists: boolean,
  forgot: boolean,
): VaultExistsError | null {
  if (vault === 'unlocked')
    return new VaultExistsError(
      'Your vault is open on this device, so there is nothing to recover. To choose a new passphrase, use Settings.',
    );
  if (vault === 'locked' && !sessionExists && !forgot)
    return new VaultExistsError(
      'A vault already exists here. If you forgot its passphrase, recover it with your friends ("Forgot your passphrase?" when unlocking, or `tessera recover start --forgot`): the vault is kept aside until they have restored it.',
    );
  return null;
}

/**
 * Beside a vault kept aside (forgotten passphrase, §11.6) only pieces of that same identity may be combined: why
 * not, when the confirmed pieces name another owner; null when they may (or no vault is kept).
 */
export function keptVaultMismatch(
  kept: Pick<PublicIdentity, 'name' | 'fingerprint' | 'signPublic'> | null,
  owner: Uint8Array,
): string | null {
  if (!kept || equalBytes(kept.signPublic, owner)) return null;
  return `The pieces you confirmed are for another vault (fingerprint ${fingerprintOf(owner)}), not ${kept.name}'s vault on this device (${kept.fingerprint}). Nothing will be restored: reject the pieces of anyone who is not your friend, or stop the recovery to keep this vault.`;
}

/** The chosen split's senders, as the basis a prepared backup remembers. */
export function basisOf(a: Assessment): string {
  return a.split.join(',');
}

/**
 * After the pieces were judged again: `drop` what was opened when its split is no longer the chosen one or the
 * owners conflict (the phase goes back to collecting), and `open` when the chosen split is complete, nothing is
 * opened or being opened, and the session is collecting.
 */
export function afterJudging(
  a: Assessment,
  now: { phase: Phase; preparedBasis: string | null; opening: boolean },
): { drop: boolean; phase: Phase; open: boolean } {
  const drop = now.preparedBasis !== null && (now.preparedBasis !== basisOf(a) || a.conflict !== null);
  const phase = drop && now.phase === 'ready' ? 'collecting' : now.phase;
  const prepared = now.preparedBasis !== null && !drop;
  const open =
    !a.conflict && a.need > 0 && a.have >= a.need && phase === 'collecting' && !now.opening && !prepared;
  return { drop, phase, open };
}
