/**
 * The backup protocol (/tessera/backup/1.0.0) between an owner and a custodian. One conversation per exchange; the
 * first message says which. Every message is canonical CBOR `{ v: 1, t, … }` inside one length-prefixed frame.
 *
 *   Holding request (owner → custodian):      hold-request → hold-reply { state }
 *   Consent answer (custodian → owner):       hold-answer  → ack
 *   Deposit / update (owner → custodian):     offer { split, sealed?, manifest } → need { ids }
 *                                             chunk { id, data } × |ids| → done → receipt | refused
 *                                             (chunks may also come batched: chunks { items: [[id, data] …] })
 *   Update by delta (owner → custodian):      offer-delta { split, base, version, size, sig, edits } → as offer
 *                                             (or refused, then the owner sends a whole offer)
 *   Deletion (owner → custodian):             delete { split, nonce, expires, ended?, sig? } → deletion receipt | refused
 *                                             (`ended`: the owner removed the custodian as a friend; `sig`: the
 *                                             owner's signature over the request, deletionPayload)
 *   Health check (owner → custodian):         challenge { nonce, chunks? } → proof { held, version, mac, data? }
 *                                             (`chunks` names chunks to prove, `data` proves them: health-proof.ts)
 *
 * `offer` carries the sealed shard envelope only when the custodian must store a new one (first deposit, re-share);
 * updates send just the signed manifest and the chunks the custodian says it lacks.
 */
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { CHUNK_ID_BYTES, expectStep, readChunk, readChunkIds } from './message-fields.ts';
import { CborCursor, CborWriter, cborKey } from '../formats/cbor-cursor.ts';
import { asMap, expectKeys, readArray, readBytes, readText, readUint } from '../formats/fields.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { MAX_SEALED_ENVELOPE_BYTES } from '../shards/envelope.ts';
import { MAX_MANIFEST_BYTES, MAX_MANIFEST_CHUNKS } from '../formats/manifest.ts';
import { MAX_CHUNK_BYTES } from '../formats/chunk-crypto.ts';
import { MAX_RECEIPT_BYTES } from './receipts.ts';
import { editsFromCbor, editsToCbor } from '../formats/manifest-delta.ts';
import type { ManifestEdit } from '../formats/manifest-delta.ts';
import { MAX_HEALTH_CHUNKS } from './health-proof.ts';

export const BACKUP_PROTOCOL_VERSION = 1;
/** The largest frame: an offer with a full manifest and an envelope, or a `need` listing every chunk. */
export const MAX_BACKUP_MESSAGE_BYTES = MAX_MANIFEST_BYTES + MAX_SEALED_ENVELOPE_BYTES + 1024;
export const SPLIT_ID_BYTES = 16;
export const NONCE_BYTES = 32;
const REASON_MAX = 300;

export const HOLD_STATES = ['pending', 'accepted', 'declined'] as const;
export type HoldState = (typeof HOLD_STATES)[number];

export type BackupMessage =
  | { t: 'hold-request'; threshold: number; custodians: number; nonce: Uint8Array; expires: number }
  | { t: 'hold-reply'; state: HoldState }
  | { t: 'hold-answer'; accepted: boolean; nonce: Uint8Array }
  | { t: 'ack' }
  | { t: 'offer'; split: Uint8Array; sealed: Uint8Array | null; manifest: Uint8Array }
  | {
      t: 'offer-delta';
      split: Uint8Array;
      /** SHA-256 of the signed manifest the custodian holds (the base of the edits). */
      base: Uint8Array;
      version: number;
      size: number;
      sig: Uint8Array;
      edits: ManifestEdit[];
    }
  | { t: 'need'; ids: Uint8Array[] }
  | { t: 'chunk'; id: Uint8Array; data: Uint8Array }
  /** Several chunks in one frame: fewer, larger frames move bulk data at a multiple of the speed of small ones. */
  | { t: 'chunks'; items: { id: Uint8Array; data: Uint8Array }[] }
  | { t: 'done' }
  | { t: 'receipt'; receipt: Uint8Array }
  /**
   * `ended` says the owner removed the custodian as a friend (PROTOCOL §9.2, "Deletion"); `sig` signs the request
   * (deletionPayload) and is required with `ended`. Both absent in requests from owners that predate them.
   */
  | {
      t: 'delete';
      split: Uint8Array;
      nonce: Uint8Array;
      expires: number;
      ended?: boolean;
      sig?: Uint8Array;
    }
  /**
   * `chunks` (ids of chunks of the version the custodian should hold, chosen at random by the owner) asks for a proof
   * of their bytes as well as of the envelope. Absent in challenges from owners that predate it (PROTOCOL §9.2).
   */
  | { t: 'challenge'; nonce: Uint8Array; chunks?: Uint8Array[] }
  /** `data` answers a challenge's `chunks` (32 zero bytes when the custodian cannot); absent when none were named. */
  | { t: 'proof'; held: boolean; version: number; mac: Uint8Array; data?: Uint8Array }
  /**
   * `code`: why, for the program (PROTOCOL §9.1): `needs-update` when the refusing device is older than what it was
   * sent. Read since the release after the trust ceremony; sent only to a device that wrote a newer version, since
   * releases before it refuse a `refused` with any field beyond `reason` (their decoder takes exact keys).
   */
  | { t: 'refused'; reason: string; code?: string };

export type BackupMessageType = BackupMessage['t'];

const TYPE_CODES: Record<BackupMessageType, number> = {
  'hold-request': 1,
  'hold-reply': 2,
  'hold-answer': 3,
  ack: 4,
  offer: 5,
  need: 6,
  chunk: 7,
  done: 8,
  receipt: 9,
  delete: 10,
  challenge: 11,
  proof: 12,
  refused: 13,
  'offer-delta': 14,
  chunks: 15,
};
/** The longest refusal code (a short word, PROTOCOL §9.1). */
const REFUSAL_CODE_MAX = 32;
/** Most chunks in one `chunks` frame (the frame cap bounds the bytes). */
export const MAX_CHUNKS_PER_FRAME = 256;
const TYPES_BY_CODE = new Map(
  Object.entries(TYPE_CODES).map(([name, code]) => [code, name as BackupMessageType]),
);

/**
 * A `need` frame's bytes before its list: { t: need, v: 1, ids: … } in canonical key order (t, v, ids). The list is
 * written and read here directly (cbor-cursor.ts): after a first backup it names every chunk, some 13,000 ids per
 * 100 MiB, and the general encoder and decoder cost both sides an object or a copy for each.
 */
const NEED_PREFIX = Uint8Array.of(
  0xa3,
  ...cborKey('t'),
  TYPE_CODES.need,
  ...cborKey('v'),
  BACKUP_PROTOCOL_VERSION,
  ...cborKey('ids'),
);

/** A `need` of `count` ids, the i-th `lengthOf(i)` bytes long, written by `write(w, i, length)` after its head. */
function needFrame(
  count: number,
  lengthOf: (i: number) => number,
  write: (w: CborWriter, i: number, length: number) => void,
): Uint8Array {
  let size = NEED_PREFIX.length + CborWriter.headSize(count);
  for (let i = 0; i < count; i++) size += CborWriter.headSize(lengthOf(i)) + lengthOf(i);
  const w = new CborWriter(size);
  w.raw(NEED_PREFIX);
  w.arrayHead(count);
  for (let i = 0; i < count; i++) {
    const length = lengthOf(i);
    w.bytesHead(length);
    write(w, i, length);
  }
  return w.done();
}

/** encodeBackupMessage({ t: 'need', ids }) for ids in hex, as the custodian keeps them: the same bytes. */
export function encodeNeed(idsHex: readonly string[]): Uint8Array {
  return needFrame(
    idsHex.length,
    (i) => idsHex[i]!.length / 2,
    (w, i, length) => w.hex(idsHex[i]!, length),
  );
}

/**
 * decodeBackupMessage for a `need` exactly as needFrame writes it with 32-byte ids; null for anything else (then read
 * the general way). The ids are views of one copy of the list.
 */
export function readNeedShortcut(bytes: Uint8Array): Extract<BackupMessage, { t: 'need' }> | null {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_BACKUP_MESSAGE_BYTES) return null;
  const c = new CborCursor(bytes);
  if (!c.literal(NEED_PREFIX)) return null;
  const count = c.arrayHead();
  if (count < 0 || count > MAX_MANIFEST_CHUNKS) return null;
  const start = c.at;
  for (let i = 0; i < count; i++) if (!c.bytes(CHUNK_ID_BYTES)) return null;
  if (!c.atEnd) return null;
  const list = bytes.slice(start);
  const ids = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) ids[i] = list.subarray(i * 34 + 2, i * 34 + 34);
  return { t: 'need', ids };
}

export function encodeBackupMessage(msg: BackupMessage): Uint8Array {
  if (msg.t === 'need')
    return needFrame(
      msg.ids.length,
      (i) => msg.ids[i]!.length,
      (w, i) => w.raw(msg.ids[i]!),
    );
  const { t, ...fields } = msg;
  const body: Record<string, unknown> = { v: BACKUP_PROTOCOL_VERSION, t: TYPE_CODES[t] };
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'boolean') body[key] = value ? 1 : 0;
    else if (value === null || value === undefined)
      continue; // absent optional field
    else if (key === 'state') body[key] = HOLD_STATES.indexOf(value as HoldState);
    else if (key === 'edits') body[key] = editsToCbor(value as ManifestEdit[]);
    else if (key === 'items')
      body[key] = (value as { id: Uint8Array; data: Uint8Array }[]).map((c) => [c.id, c.data]);
    else body[key] = value;
  }
  return encodeCanonical(body);
}

/** Decodes one frame; any input that is not a valid message throws MalformedDataError or UnsupportedFormatError. */
export function decodeBackupMessage(bytes: Uint8Array): BackupMessage {
  return readNeedShortcut(bytes) ?? decodeBackupMessageGenerally(bytes);
}

/** decodeBackupMessage through decodeCanonical: every message, and the error that names what is wrong with others. */
export function decodeBackupMessageGenerally(bytes: Uint8Array): BackupMessage {
  const what = 'Backup message';
  // Byte strings as views of the message: a frame of chunks is written to disk and dropped, never copied.
  const map = asMap(decodeCanonical(bytes, MAX_BACKUP_MESSAGE_BYTES, what, { views: true }), what);
  const v = map.v;
  if (v !== BACKUP_PROTOCOL_VERSION) {
    if (typeof v === 'number') throw new UnsupportedFormatError(what, v);
    throw new MalformedDataError(what, 'missing version');
  }
  const t = TYPES_BY_CODE.get(readUint(map, 't', what, 255));
  if (!t) throw new MalformedDataError(what, 'unknown message type');
  const keys = (...names: string[]) => expectKeys(map, `${what} (${t})`, ['v', 't', ...names]);
  const flag = (key: string) => {
    const n = readUint(map, key, what, 1);
    return n === 1;
  };
  switch (t) {
    case 'hold-request':
      keys('threshold', 'custodians', 'nonce', 'expires');
      return {
        t,
        threshold: readUint(map, 'threshold', what, 16, 2),
        custodians: readUint(map, 'custodians', what, 16, 2),
        nonce: readBytes(map, 'nonce', what, { exact: NONCE_BYTES }),
        expires: readUint(map, 'expires', what),
      };
    case 'hold-reply': {
      keys('state');
      const state = HOLD_STATES[readUint(map, 'state', what, HOLD_STATES.length - 1)] as HoldState;
      return { t, state };
    }
    case 'hold-answer':
      keys('accepted', 'nonce');
      return { t, accepted: flag('accepted'), nonce: readBytes(map, 'nonce', what, { exact: NONCE_BYTES }) };
    case 'ack':
    case 'done':
      keys();
      return { t };
    case 'offer': {
      expectKeys(map, `${what} (offer)`, ['v', 't', 'split', 'manifest'], ['sealed']);
      return {
        t,
        split: readBytes(map, 'split', what, { exact: SPLIT_ID_BYTES }),
        sealed: 'sealed' in map ? readBytes(map, 'sealed', what, { max: MAX_SEALED_ENVELOPE_BYTES }) : null,
        manifest: readBytes(map, 'manifest', what, { max: MAX_MANIFEST_BYTES }),
      };
    }
    case 'offer-delta':
      keys('split', 'base', 'version', 'size', 'sig', 'edits');
      return {
        t,
        split: readBytes(map, 'split', what, { exact: SPLIT_ID_BYTES }),
        base: readBytes(map, 'base', what, { exact: 32 }),
        version: readUint(map, 'version', what, Number.MAX_SAFE_INTEGER, 1),
        size: readUint(map, 'size', what),
        sig: readBytes(map, 'sig', what, { exact: 64 }),
        edits: editsFromCbor(map.edits),
      };
    case 'need': {
      keys('ids');
      return { t, ids: readChunkIds(map, 'ids', what) };
    }
    case 'chunk':
      keys('id', 'data');
      return { t, ...readChunk(map, what) };
    case 'chunks': {
      keys('items');
      const items = readArray(map, 'items', what, MAX_CHUNKS_PER_FRAME).map((item) => {
        if (!Array.isArray(item) || item.length !== 2) throw new MalformedDataError(what, 'bad chunk item');
        const [id, data] = item as unknown[];
        if (!(id instanceof Uint8Array) || id.length !== 32)
          throw new MalformedDataError(what, 'bad chunk id');
        if (!(data instanceof Uint8Array) || data.length > MAX_CHUNK_BYTES)
          throw new MalformedDataError(what, 'bad chunk data');
        return { id, data };
      });
      if (items.length === 0) throw new MalformedDataError(what, 'no chunks');
      return { t, items };
    }
    case 'receipt':
      keys('receipt');
      return { t, receipt: readBytes(map, 'receipt', what, { max: MAX_RECEIPT_BYTES }) };
    case 'delete': {
      expectKeys(map, `${what} (delete)`, ['v', 't', 'split', 'nonce', 'expires'], ['ended', 'sig']);
      const base = {
        t,
        split: readBytes(map, 'split', what, { exact: SPLIT_ID_BYTES }),
        nonce: readBytes(map, 'nonce', what, { exact: NONCE_BYTES }),
        expires: readUint(map, 'expires', what),
      } as const;
      if (!('ended' in map) && !('sig' in map)) return base;
      if (!('sig' in map)) throw new MalformedDataError(what, 'a friendship ended without a signature');
      const ended = 'ended' in map ? readUint(map, 'ended', what, 1) === 1 : false;
      return { ...base, ended, sig: Uint8Array.from(readBytes(map, 'sig', what, { exact: 64 })) };
    }
    case 'challenge': {
      expectKeys(map, `${what} (challenge)`, ['v', 't', 'nonce'], ['chunks']);
      const nonce = readBytes(map, 'nonce', what, { exact: NONCE_BYTES });
      if (!('chunks' in map)) return { t, nonce };
      const chunks = readArray(map, 'chunks', what, MAX_HEALTH_CHUNKS).map((id) => {
        if (!(id instanceof Uint8Array) || id.length !== 32)
          throw new MalformedDataError(what, 'bad chunk id');
        return Uint8Array.from(id); // the frame's bytes are views; an id outlives it
      });
      if (chunks.length === 0) throw new MalformedDataError(what, 'no chunks');
      return { t, nonce, chunks };
    }
    case 'proof': {
      expectKeys(map, `${what} (proof)`, ['v', 't', 'held', 'version', 'mac'], ['data']);
      const proof = {
        t,
        held: flag('held'),
        version: readUint(map, 'version', what),
        mac: readBytes(map, 'mac', what, { exact: 32 }),
      };
      return 'data' in map ? { ...proof, data: readBytes(map, 'data', what, { exact: 32 }) } : proof;
    }
    case 'refused': {
      expectKeys(map, `${what} (refused)`, ['v', 't', 'reason'], ['code']);
      const reason = readText(map, 'reason', what, REASON_MAX);
      return 'code' in map
        ? { t, reason, code: readText(map, 'code', what, REFUSAL_CODE_MAX) }
        : { t, reason };
    }
  }
}

/** Decodes and insists on one of the expected types (a protocol step). */
export function expectBackupMessage<T extends BackupMessageType>(
  bytes: Uint8Array,
  ...types: T[]
): Extract<BackupMessage, { t: T }> | Extract<BackupMessage, { t: 'refused' }> {
  return expectStep(decodeBackupMessage(bytes), types, 'Backup message');
}

/**
 * The bytes an owner signs in a `delete` request (context "tessera/delete/v1", PROTOCOL §1.1): canonical CBOR
 * { split, nonce, expires, ended: 0/1, custodian } with the custodian's identity key, so a request is bound to the
 * one custodian it was made for.
 */
export function deletionPayload(
  msg: { split: Uint8Array; nonce: Uint8Array; expires: number; ended: boolean },
  custodianSignPublic: Uint8Array,
): Uint8Array {
  return encodeCanonical({
    split: msg.split,
    nonce: msg.nonce,
    expires: msg.expires,
    ended: msg.ended ? 1 : 0,
    custodian: custodianSignPublic,
  });
}
