/**
 * Store and forward through mutual friends (/tessera/forward/1.0.0, docs/PROTOCOL.md §10.4). A parcel is sealed to
 * its final recipient and signed by its author; the carrier (a friend of both) sees only the header: who wrote it,
 * who it is for, its kind, size and expiry.
 *
 *   body   = canonical CBOR { v: 1, id: bytes16, kind: 1 (backup) | 2 (receipt), from: bytes32, to: bytes32,
 *                             created: ms, expires: ms, sealed: bytes (sealed box to `to`'s X25519 key, §3) }
 *   parcel = canonical CBOR { v: 1, body: bytes, sig: Ed25519(from, signingInput("tessera/parcel/v1", body)) }
 *
 * Messages (canonical CBOR { v: 1, t, … }, one length-prefixed frame each):
 *   put { parcel } → ok | refused { reason }                       author (or a recipient's reply) → carrier
 *   deliver { parcel } → accepted { reply? } | refused { reason }  carrier → recipient; `reply` is the recipient's
 *                                                                  signed answer parcel for the author (a receipt)
 */
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { Fields } from './fields.ts';
import { MalformedDataError, SignatureError, UnsupportedFormatError } from '../crypto/errors.ts';
import { signWithContext, verifyWithContext } from '../crypto/sign.ts';
import { openSealed, sealTo } from '../crypto/box.ts';
import { MAX_SEALED_ENVELOPE_BYTES } from '../shards/envelope.ts';
import { MAX_MANIFEST_BYTES } from '../formats/manifest.ts';
import { MAX_CHUNK_BYTES } from '../formats/chunk-crypto.ts';
import { MAX_RECEIPT_BYTES } from './receipts.ts';

export const PARCEL_CONTEXT = 'tessera/parcel/v1';
export const PARCEL_SEAL_CONTEXT = 'tessera/parcel-seal/v1';
export const PARCEL_ID_BYTES = 16;
/** The largest parcel a carrier accepts (a whole encrypted vault of moderate size). */
export const MAX_PARCEL_BYTES = 16 * 1024 * 1024;
export const MAX_FORWARD_MESSAGE_BYTES = MAX_PARCEL_BYTES + 1024;
/** A carrier keeps a parcel at most this long (the author's `expires` may be sooner). */
export const MAX_PARCEL_TTL_MS = 14 * 24 * 60 * 60_000;
/** Carrier quotas: bytes per author, bytes in all, and parcels per author and recipient. */
export const CARRIER_QUOTA_PER_AUTHOR = 64 * 1024 * 1024;
export const CARRIER_QUOTA_TOTAL = 256 * 1024 * 1024;
export const CARRIER_MAX_PARCELS_PER_PAIR = 4;

export type ParcelKind = 'backup' | 'receipt';
const KIND_CODES: Record<ParcelKind, number> = { backup: 1, receipt: 2 };

export interface ParcelHeader {
  id: Uint8Array;
  kind: ParcelKind;
  from: Uint8Array;
  to: Uint8Array;
  created: number;
  expires: number;
}

export interface Parcel extends ParcelHeader {
  sealed: Uint8Array;
  /** The signed bytes, as carried. */
  bytes: Uint8Array;
}

export function sealParcel(
  header: ParcelHeader,
  payload: Uint8Array,
  recipientBoxPublic: Uint8Array,
  authorSignSeed: Uint8Array,
): Uint8Array {
  const sealed = sealTo(recipientBoxPublic, payload, PARCEL_SEAL_CONTEXT);
  const body = encodeCanonical({
    v: 1,
    id: header.id,
    kind: KIND_CODES[header.kind],
    from: header.from,
    to: header.to,
    created: header.created,
    expires: header.expires,
    sealed,
  });
  const parcel = encodeCanonical({ v: 1, body, sig: signWithContext(PARCEL_CONTEXT, body, authorSignSeed) });
  if (parcel.length > MAX_PARCEL_BYTES)
    throw new MalformedDataError('Parcel', `larger than ${MAX_PARCEL_BYTES} bytes`);
  return parcel;
}

/** Parses a parcel and checks its author's signature (the carrier and the recipient both do). */
export function readParcel(bytes: Uint8Array): Parcel {
  const what = 'Parcel';
  const outer = new Fields(decodeCanonical(bytes, MAX_PARCEL_BYTES, what), what, ['v', 'body', 'sig']);
  if (outer.uint('v') !== 1) throw new UnsupportedFormatError(what, outer.uint('v'));
  const body = outer.bytesUpTo('body', MAX_PARCEL_BYTES);
  const sig = outer.bytes('sig', 64);
  const f = new Fields(decodeCanonical(body, MAX_PARCEL_BYTES, what), what, [
    'v',
    'id',
    'kind',
    'from',
    'to',
    'created',
    'expires',
    'sealed',
  ]);
  if (f.uint('v') !== 1) throw new UnsupportedFormatError(what, f.uint('v'));
  const code = f.uint('kind', 2);
  if (code === 0) throw new MalformedDataError(what, 'unknown kind');
  const parcel: Parcel = {
    id: f.bytes('id', PARCEL_ID_BYTES),
    kind: code === 1 ? 'backup' : 'receipt',
    from: f.bytes('from', 32),
    to: f.bytes('to', 32),
    created: f.uint('created'),
    expires: f.uint('expires'),
    sealed: f.bytesUpTo('sealed', MAX_PARCEL_BYTES),
    bytes,
  };
  if (!verifyWithContext(PARCEL_CONTEXT, body, sig, parcel.from)) throw new SignatureError('a parcel');
  return parcel;
}

export function openParcel(parcel: Parcel, boxSecret: Uint8Array, boxPublic: Uint8Array): Uint8Array {
  return openSealed(boxSecret, boxPublic, parcel.sealed, PARCEL_SEAL_CONTEXT, 'the parcel');
}

// ---- payloads ---------------------------------------------------------------------------------------------------

/** A whole backup for one custodian: what an offer and its chunks would carry, to verify and commit at once. */
export interface BackupBundle {
  split: Uint8Array;
  sealed: Uint8Array | null;
  manifest: Uint8Array;
  chunks: { id: Uint8Array; data: Uint8Array }[];
}

export function encodeBackupBundle(b: BackupBundle): Uint8Array {
  return encodeCanonical({
    v: 1,
    split: b.split,
    ...(b.sealed ? { sealed: b.sealed } : {}),
    manifest: b.manifest,
    chunks: b.chunks.map((c) => [c.id, c.data]),
  });
}

export function decodeBackupBundle(bytes: Uint8Array): BackupBundle {
  const what = 'Backup bundle';
  const f = new Fields(decodeCanonical(bytes, MAX_PARCEL_BYTES, what), what, [
    'v',
    'split',
    'sealed',
    'manifest',
    'chunks',
  ]);
  if (f.uint('v') !== 1) throw new UnsupportedFormatError(what, f.uint('v'));
  return {
    split: f.bytes('split', 16),
    sealed: f.has('sealed') ? f.bytesUpTo('sealed', MAX_SEALED_ENVELOPE_BYTES) : null,
    manifest: f.bytesUpTo('manifest', MAX_MANIFEST_BYTES),
    chunks: f.array('chunks', 1_000_000, (item) => {
      if (!Array.isArray(item) || item.length !== 2) throw new MalformedDataError(what, 'bad chunk');
      const [id, data] = item as unknown[];
      if (!(id instanceof Uint8Array) || id.length !== 32) throw new MalformedDataError(what, 'bad chunk id');
      if (!(data instanceof Uint8Array) || data.length > MAX_CHUNK_BYTES)
        throw new MalformedDataError(what, 'bad chunk data');
      return { id: Uint8Array.from(id), data: Uint8Array.from(data) };
    }),
  };
}

export function encodeReceiptPayload(receipt: Uint8Array): Uint8Array {
  return encodeCanonical({ v: 1, receipt });
}

export function decodeReceiptPayload(bytes: Uint8Array): Uint8Array {
  const what = 'Receipt payload';
  const f = new Fields(decodeCanonical(bytes, MAX_RECEIPT_BYTES + 64, what), what, ['v', 'receipt']);
  if (f.uint('v') !== 1) throw new UnsupportedFormatError(what, f.uint('v'));
  return f.bytesUpTo('receipt', MAX_RECEIPT_BYTES);
}

// ---- messages ---------------------------------------------------------------------------------------------------

export type ForwardMessage =
  | { t: 'put'; parcel: Uint8Array }
  | { t: 'ok' }
  | { t: 'deliver'; parcel: Uint8Array }
  | { t: 'accepted'; reply: Uint8Array | null }
  | { t: 'refused'; reason: string };

const T: Record<ForwardMessage['t'], number> = { put: 1, ok: 2, deliver: 3, accepted: 4, refused: 5 };

export function encodeForwardMessage(m: ForwardMessage): Uint8Array {
  const { t, ...rest } = m;
  const body: Record<string, unknown> = { v: 1, t: T[t] };
  for (const [k, v] of Object.entries(rest)) if (v !== null) body[k] = v;
  return encodeCanonical(body);
}

export function decodeForwardMessage(bytes: Uint8Array): ForwardMessage {
  const what = 'Forward message';
  const raw = decodeCanonical(bytes, MAX_FORWARD_MESSAGE_BYTES, what);
  const f = new Fields(raw, what, ['v', 't', 'parcel', 'reply', 'reason']);
  if (f.uint('v') !== 1) throw new UnsupportedFormatError(what, f.uint('v'));
  const t = f.uint('t', 5);
  const only = (...keys: string[]) => new Fields(raw, what, ['v', 't', ...keys]);
  switch (t) {
    case 1:
      return { t: 'put', parcel: only('parcel').bytesUpTo('parcel', MAX_PARCEL_BYTES) };
    case 2:
      only();
      return { t: 'ok' };
    case 3:
      return { t: 'deliver', parcel: only('parcel').bytesUpTo('parcel', MAX_PARCEL_BYTES) };
    case 4: {
      const g = only('reply');
      return { t: 'accepted', reply: g.has('reply') ? g.bytesUpTo('reply', MAX_PARCEL_BYTES) : null };
    }
    case 5:
      return { t: 'refused', reason: only('reason').text('reason', 300) };
    default:
      throw new MalformedDataError(what, 'unknown message type');
  }
}
