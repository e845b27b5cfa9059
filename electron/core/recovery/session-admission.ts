/**
 * Who the new device's session listens to, and how much it keeps (PROTOCOL §11.3): a rejected sender is refused at
 * its hello and its knock, a knock needs a hello first and no withdrawal since, and the chunks a delivery would add
 * must fit one sender's cap (one whole backup) and the session's (two). The senders table itself is capped by the
 * store (`putSender`, MAX_SENDERS). Pure decisions: each answers null (go on) or the reason the custodian's app shows.
 */
import { MAX_MANIFEST_CHUNKS } from '../../../shared/formats/manifest.ts';
import { CHUNK_OVERHEAD } from '../../../shared/formats/chunk-crypto.ts';
import { MAX_PADDED_BYTES } from '../../../shared/formats/padding.ts';
import type { SenderRow } from './session-store.ts';

/** How long a code (and the session's open window) lasts; renewed by every `recovery.start`. */
export const SESSION_TTL_MS = 24 * 60 * 60_000;
/** A remote session's code and window (PROTOCOL §11.7): the longest waiting period (30 days) and two days more. */
export const REMOTE_SESSION_TTL_MS = 32 * 24 * 60 * 60_000;
/** Peers that said hello a session keeps (the oldest silent, unconfirmed one makes room for a new one). */
export const MAX_SENDERS = 32;
/** The most chunk bytes one sender can bring: one whole backup at the largest size a manifest can list. */
export const MAX_SENDER_BYTES = MAX_PADDED_BYTES + MAX_MANIFEST_CHUNKS * CHUNK_OVERHEAD;
/** The most chunk bytes a session stores in all: two whole backups (PROTOCOL §11.3, caps). */
export const MAX_SESSION_BYTES = 2 * MAX_SENDER_BYTES;

const REJECTED = 'the person at the new device said your code did not match';

/** Null while the session takes messages; once the restore has begun, every conversation is thanked and ended. */
export function closedReason(restoring: boolean): string | null {
  return restoring ? 'this recovery is already complete, thank you' : null;
}

/** May this peer say hello? A sender the person rejected may not (room is the store's to decide). */
export function helloRefusal(sender: SenderRow | null): string | null {
  return sender && sender.rejectedAt !== null ? REJECTED : null;
}

/** May this peer deliver? Only a sender that said hello, was not rejected and has not withdrawn since. */
export function deliveryRefusal(sender: SenderRow | null): string | null {
  if (!sender) return 'say hello first: compare the codes before sending your piece';
  if (sender.rejectedAt !== null) return REJECTED;
  if (sender.ended !== null) return 'you withdrew after comparing codes: approve again to make a new code';
  return null;
}

/**
 * Do `bytes` more chunk bytes from a sender fit? `held` is what the session stores already: from this sender, and
 * in all. Checked before `need` is sent, so a refused delivery has sent no chunk.
 */
export function roomFor(held: { sender: number; session: number }, bytes: number): string | null {
  if (held.sender + bytes > MAX_SENDER_BYTES) return 'you sent more than one backup can hold';
  if (held.session + bytes > MAX_SESSION_BYTES)
    return 'this recovery has no room left: the person at the new device should reject the pieces they do not recognise';
  return null;
}
