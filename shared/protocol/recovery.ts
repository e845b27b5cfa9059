/**
 * The recovery protocol (/tessera/recovery/1.0.0): a custodian (dialer, C) and the owner's new device running a
 * recovery session (listener, S). Two conversations, each canonical CBOR `{ v: 1, t, … }` per length-prefixed frame:
 *
 *   Hello (before approval, nothing secret):   C → S hello { q, name }          S → C welcome
 *   Delivery (only after the person approved): C → S offer { q, name, shard, manifest }
 *                                              S → C need { ids }               C → S chunk { id, data } × n, done
 *                                              S → C stored { have, need }
 *   Either side may answer refused { reason } instead.
 *
 * q = possessionProof(code) shows the custodian holds the code. `shard` is the owner's signed shard envelope sealed
 * to the session's box key (context "tessera/recovery-shard/v1"). `manifest` is the newest signed backup manifest
 * the custodian holds (empty if none); `need` lists the chunk ids of that manifest the session still lacks.
 * `stored.have`/`stored.need` are the session's progress (need = 0 while the threshold is unknown).
 *
 * Both sides show comparisonCode(custodian key, session key, "tessera/recovery/v1"), derived from the two
 * Noise-authenticated identity keys.
 */
import { comparisonCode } from '../crypto/compare.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { expectStep, readChunk, readChunkIds } from './message-fields.ts';
import { asMap, expectKeys, readBytes, readText, readUint } from '../formats/fields.ts';
import { MAX_MANIFEST_BYTES } from '../formats/manifest.ts';
import { SEALED_BOX_OVERHEAD } from '../crypto/box.ts';
import { MAX_SIGNED_ENVELOPE_BYTES } from '../shards/envelope.ts';

export const RECOVERY_PROTOCOL_VERSION = 1;
export const RECOVERY_SHARD_CONTEXT = 'tessera/recovery-shard/v1';
export const RECOVERY_COMPARE_CONTEXT = 'tessera/recovery/v1';
/** A signed envelope sealed to the session's box key. */
export const MAX_RECOVERY_SHARD_BYTES = MAX_SIGNED_ENVELOPE_BYTES + SEALED_BOX_OVERHEAD;
/** The largest frame: an offer with a full manifest, or a `need` listing every chunk. */
export const MAX_RECOVERY_MESSAGE_BYTES = MAX_MANIFEST_BYTES + MAX_RECOVERY_SHARD_BYTES + 1024;
export const CUSTODIAN_NAME_MAX_CHARS = 64;
const REASON_MAX = 300;

export type RecoveryMessage =
  | { t: 'hello'; q: Uint8Array; name: string }
  | { t: 'welcome' }
  | { t: 'offer'; q: Uint8Array; name: string; shard: Uint8Array; manifest: Uint8Array }
  | { t: 'need'; ids: Uint8Array[] }
  | { t: 'chunk'; id: Uint8Array; data: Uint8Array }
  | { t: 'done' }
  | { t: 'stored'; have: number; need: number }
  | { t: 'refused'; reason: string };

export type RecoveryMessageType = RecoveryMessage['t'];

const TYPE_CODES: Record<RecoveryMessageType, number> = {
  hello: 1,
  welcome: 2,
  offer: 3,
  need: 4,
  chunk: 5,
  done: 6,
  stored: 7,
  refused: 8,
};
const TYPES_BY_CODE = new Map(
  Object.entries(TYPE_CODES).map(([name, code]) => [code, name as RecoveryMessageType]),
);

export function encodeRecoveryMessage(msg: RecoveryMessage): Uint8Array {
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
    case 'welcome':
    case 'done':
      keys();
      return { t };
    case 'offer':
      keys('q', 'name', 'shard', 'manifest');
      return {
        t,
        q: readBytes(map, 'q', what, { exact: 32 }),
        name: readText(map, 'name', what, CUSTODIAN_NAME_MAX_CHARS),
        shard: readBytes(map, 'shard', what, { max: MAX_RECOVERY_SHARD_BYTES }),
        manifest: readBytes(map, 'manifest', what, { max: MAX_MANIFEST_BYTES }),
      };
    case 'need': {
      keys('ids');
      return { t, ids: readChunkIds(map, 'ids', what) };
    }
    case 'chunk':
      keys('id', 'data');
      return { t, ...readChunk(map, what) };
    case 'stored':
      keys('have', 'need');
      return { t, have: readUint(map, 'have', what, 255), need: readUint(map, 'need', what, 255) };
    case 'refused':
      keys('reason');
      return { t, reason: readText(map, 'reason', what, REASON_MAX) };
  }
}

/** Decodes and insists on one of the expected types (a protocol step); `refused` is always allowed. */
export function expectRecoveryMessage<T extends RecoveryMessageType>(
  bytes: Uint8Array,
  ...types: T[]
): Extract<RecoveryMessage, { t: T }> | Extract<RecoveryMessage, { t: 'refused' }> {
  return expectStep(decodeRecoveryMessage(bytes), types, 'Recovery message');
}

/** The six-digit code both screens show: the custodian's and the session's identity keys, in either order. */
export function recoveryComparisonCode(custodianKey: Uint8Array, sessionKey: Uint8Array): string {
  return comparisonCode(custodianKey, sessionKey, RECOVERY_COMPARE_CONTEXT);
}

/**
 * The owner key named inside a signed manifest, read without trusting it (the session learns the real owner only
 * by combining shards). Callers then run `verifyManifest(bytes, owner)`, and check the owner again at restore.
 */
export function manifestClaimedOwner(signed: Uint8Array): Uint8Array {
  const what = 'Backup manifest';
  const outer = asMap(decodeCanonical(signed, MAX_MANIFEST_BYTES, what), what);
  const body = readBytes(outer, 'body', what, { max: MAX_MANIFEST_BYTES });
  const inner = asMap(decodeCanonical(body, MAX_MANIFEST_BYTES, what), what);
  return readBytes(inner, 'owner', what, { exact: 32 });
}
