/**
 * The recovery protocol (/tessera/recovery/2.0.0, PROTOCOL §11): a custodian (dialer, C) and the owner's new device
 * running a recovery session (listener, S). Canonical CBOR `{ v: 2, t, … }` per length-prefixed frame. The first
 * frame of every conversation is small (≤ FIRST_FRAME_BYTES) and carries `q`, so a peer that does not hold the code
 * never makes the session read or buffer a large frame.
 *
 *   Codes (before approval, nothing secret):  C → S hello { q, name }    S → C commit { c }
 *                                             C → S nonce { n }          S → C reveal { n }
 *   Delivery (only after the person approved): C → S knock { q }         S → C welcome
 *                                             C → S offer { shard, manifest }
 *                                             S → C need { ids }         C → S chunk { id, data } × n, done
 *                                             S → C stored { have, need }
 *   Withdrawal (the person declined, or the approval expired, after the hello): C → S withdraw { q, why }
 *   Remote wait (PROTOCOL §11.7): C → S waiting { q, until }   S → C standing { names }
 *   Either side may answer refused { reason } instead.
 *
 * q = possessionProof(code) shows the custodian holds the code. commit/nonce/reveal are the SAS exchange of
 * shared/crypto/sas.ts (the session commits): both screens then show the same six digits, and the person at the new
 * device confirms them before the piece counts. `shard` is the owner's signed shard envelope sealed to the session's
 * box key (context "tessera/recovery-shard/v1"). `manifest` is the newest signed backup manifest the custodian holds
 * (empty if none); `need` lists the ids of that manifest's chunks the session lacks (compared by digest).
 * `withdraw` is a first frame of its own, unanswered: the custodian tells the new device that nothing will come of
 * its hello (`why` 1: the person declined or said the codes did not match; 2: the approval expired).
 */
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { SAS_COMMIT_BYTES, SAS_NONCE_BYTES } from '../crypto/sas.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { expectStep, readChunk, readChunkIds } from './message-fields.ts';
import { asMap, expectKeys, readBytes, readText, readUint } from '../formats/fields.ts';
import { MAX_MANIFEST_BYTES } from '../formats/manifest.ts';
import { SEALED_BOX_OVERHEAD } from '../crypto/box.ts';
import { MAX_SIGNED_ENVELOPE_BYTES } from '../shards/envelope.ts';

export const RECOVERY_PROTOCOL_VERSION = 2;
export const RECOVERY_SHARD_CONTEXT = 'tessera/recovery-shard/v1';
/** The SAS context of recovery (PROTOCOL §11.3); pairing uses its own. */
export const RECOVERY_SAS_CONTEXT = 'tessera/recovery-sas/v2';
/** A signed envelope sealed to the session's box key. */
export const MAX_RECOVERY_SHARD_BYTES = MAX_SIGNED_ENVELOPE_BYTES + SEALED_BOX_OVERHEAD;
/** The largest frame: an offer with a full manifest, or a `need` listing every chunk. */
export const MAX_RECOVERY_MESSAGE_BYTES = MAX_MANIFEST_BYTES + MAX_RECOVERY_SHARD_BYTES + 1024;
/** The first frame of a conversation (hello, knock or withdraw): read with this cap, before `q` is checked. */
export const FIRST_FRAME_BYTES = 512;
export const CUSTODIAN_NAME_MAX_CHARS = 64;
const REASON_MAX = 300;

/**
 * Why a custodian withdrew after its hello (PROTOCOL §11.2, §11.7): on the wire 1 declined, 2 expired, 3 withdrew
 * during the waiting period, 4 stopped by the owner's device.
 */
export type WithdrawReason = 'declined' | 'expired' | 'withdrew' | 'stopped';
const WITHDRAW_CODES: Record<WithdrawReason, number> = { declined: 1, expired: 2, withdrew: 3, stopped: 4 };
/** The most names a `standing` answer lists (the session keeps at most 32 senders). */
export const MAX_STANDING_NAMES = 32;

export type RecoveryMessage =
  | { t: 'hello'; q: Uint8Array; name: string }
  | { t: 'commit'; c: Uint8Array }
  | { t: 'nonce'; n: Uint8Array }
  | { t: 'reveal'; n: Uint8Array }
  | { t: 'knock'; q: Uint8Array }
  | { t: 'welcome' }
  | { t: 'offer'; shard: Uint8Array; manifest: Uint8Array }
  | { t: 'need'; ids: Uint8Array[] }
  | { t: 'chunk'; id: Uint8Array; data: Uint8Array }
  | { t: 'done' }
  | { t: 'stored'; have: number; need: number }
  | { t: 'refused'; reason: string }
  | { t: 'withdraw'; q: Uint8Array; why: WithdrawReason }
  | { t: 'waiting'; q: Uint8Array; until: number }
  | { t: 'standing'; names: string[] };

export type RecoveryMessageType = RecoveryMessage['t'];

const TYPE_CODES: Record<RecoveryMessageType, number> = {
  hello: 1,
  commit: 2,
  nonce: 3,
  reveal: 4,
  knock: 5,
  welcome: 6,
  offer: 7,
  need: 8,
  chunk: 9,
  done: 10,
  stored: 11,
  refused: 12,
  withdraw: 13,
  waiting: 14,
  standing: 15,
};
const TYPES_BY_CODE = new Map(
  Object.entries(TYPE_CODES).map(([name, code]) => [code, name as RecoveryMessageType]),
);

export function encodeRecoveryMessage(msg: RecoveryMessage): Uint8Array {
  if (msg.t === 'withdraw')
    return encodeCanonical({
      v: RECOVERY_PROTOCOL_VERSION,
      t: TYPE_CODES.withdraw,
      q: msg.q,
      why: WITHDRAW_CODES[msg.why],
    });
  const { t, ...fields } = msg;
  return encodeCanonical({ v: RECOVERY_PROTOCOL_VERSION, t: TYPE_CODES[t], ...fields });
}

/** Decodes one frame; any input that is not a valid message throws MalformedDataError or UnsupportedFormatError. */
export function decodeRecoveryMessage(bytes: Uint8Array): RecoveryMessage {
  const what = 'Recovery message';
  const map = asMap(decodeCanonical(bytes, MAX_RECOVERY_MESSAGE_BYTES, what), what);
  const v = map.v;
  if (v !== RECOVERY_PROTOCOL_VERSION) {
    if (typeof v === 'number') throw new UnsupportedFormatError(what, v);
    throw new MalformedDataError(what, 'missing version');
  }
  const t = TYPES_BY_CODE.get(readUint(map, 't', what, 255));
  if (!t) throw new MalformedDataError(what, 'unknown message type');
  const keys = (...names: string[]) => expectKeys(map, `${what} (${t})`, ['v', 't', ...names]);
  switch (t) {
    case 'hello':
      keys('q', 'name');
      return {
        t,
        q: readBytes(map, 'q', what, { exact: 32 }),
        name: readText(map, 'name', what, CUSTODIAN_NAME_MAX_CHARS),
      };
    case 'commit':
      keys('c');
      return { t, c: readBytes(map, 'c', what, { exact: SAS_COMMIT_BYTES }) };
    case 'nonce':
    case 'reveal':
      keys('n');
      return { t, n: readBytes(map, 'n', what, { exact: SAS_NONCE_BYTES }) };
    case 'knock':
      keys('q');
      return { t, q: readBytes(map, 'q', what, { exact: 32 }) };
    case 'welcome':
    case 'done':
      keys();
      return { t };
    case 'offer':
      keys('shard', 'manifest');
      return {
        t,
        shard: readBytes(map, 'shard', what, { max: MAX_RECOVERY_SHARD_BYTES }),
        manifest: readBytes(map, 'manifest', what, { max: MAX_MANIFEST_BYTES }),
      };
    case 'need':
      keys('ids');
      return { t, ids: readChunkIds(map, 'ids', what) };
    case 'chunk':
      keys('id', 'data');
      return { t, ...readChunk(map, what) };
    case 'stored':
      keys('have', 'need');
      return { t, have: readUint(map, 'have', what, 255), need: readUint(map, 'need', what, 255) };
    case 'refused':
      keys('reason');
      return { t, reason: readText(map, 'reason', what, REASON_MAX) };
    case 'withdraw': {
      keys('q', 'why');
      const q = readBytes(map, 'q', what, { exact: 32 });
      const code = readUint(map, 'why', what, 255);
      const why = (Object.keys(WITHDRAW_CODES) as WithdrawReason[]).find((r) => WITHDRAW_CODES[r] === code);
      if (!why) throw new MalformedDataError(what, 'unknown withdrawal reason');
      return { t, q, why };
    }
    case 'waiting':
      keys('q', 'until');
      return { t, q: readBytes(map, 'q', what, { exact: 32 }), until: readUint(map, 'until', what) };
    case 'standing': {
      keys('names');
      const names = map.names;
      if (!Array.isArray(names) || names.length > MAX_STANDING_NAMES)
        throw new MalformedDataError(what, `field "names" must be a list of at most ${MAX_STANDING_NAMES}`);
      return {
        t,
        names: names.map((n) => readText({ n }, 'n', what, CUSTODIAN_NAME_MAX_CHARS)),
      };
    }
  }
}

/** Decodes and insists on one of the expected types (a protocol step); `refused` is always allowed. */
export function expectRecoveryMessage<T extends RecoveryMessageType>(
  bytes: Uint8Array,
  ...types: T[]
): Extract<RecoveryMessage, { t: T }> | Extract<RecoveryMessage, { t: 'refused' }> {
  return expectStep(decodeRecoveryMessage(bytes), types, 'Recovery message');
}

/**
 * The owner key named inside a signed manifest, read without trusting it (the session learns the real owner only
 * from pieces the person confirmed). Callers then run `verifyManifest(bytes, owner)`.
 */
export function manifestClaimedOwner(signed: Uint8Array): Uint8Array {
  const what = 'Backup manifest';
  const outer = asMap(decodeCanonical(signed, MAX_MANIFEST_BYTES, what), what);
  const body = readBytes(outer, 'body', what, { max: MAX_MANIFEST_BYTES });
  const inner = asMap(decodeCanonical(body, MAX_MANIFEST_BYTES, what), what);
  return readBytes(inner, 'owner', what, { exact: 32 });
}

/**
 * The one message a new device sends on the previous recovery protocol (/tessera/recovery/1.0.0, whose frames are
 * `{ v: 1, t, … }` with `refused` = 8): a refusal the custodian's older Tessera shows to its person as it is.
 */
export function encodeLegacyRefusal(reason: string): Uint8Array {
  return encodeCanonical({ v: 1, t: 8, reason: [...reason].slice(0, REASON_MAX).join('') });
}

export const UPDATE_TO_HELP =
  'this new device uses a newer recovery with codes you confirm: update Tessera, then approve again';
