/**
 * Backup snapshot: everything needed to come back on a fresh device, as versioned canonical CBOR.
 *
 *   { v: 1,
 *     identity: { sign: bytes32 (Ed25519 seed), box: bytes32 (X25519 secret) },
 *     name:     text,
 *     contacts: [ { name: text, peer: text (libp2p peer ID), boxPub: bytes32, boxSig: bytes64, addrs: [text] } ],
 *     items:    [ { id: text, title: text, secret: text, notes: text, tags: [text],
 *                   files: [ { name: text, type: text, data: bytes } ], created: uint, updated: uint,
 *                   history?: [ { secret: text, at: uint } ],
 *                   kind?: "login" | "totp" | "seed" | "note", user?: text, urls?: [text] } ],
 *     held:     [ { owner: text (peer ID), envelope: bytes (sealed shard as received), version: uint,
 *                   manifest?: bytes (owner's latest signed manifest) } ],
 *     settings: { text: text } }
 *
 * `history` (an item's previous secrets, newest first, each with when it was replaced) is left out when empty, so a
 * vault without previous secrets encodes exactly as before it existed (PROTOCOL §5.1). Likewise `kind` is left out for
 * the free-form kind (`secret`), and a login's `user` and `urls` when empty (shared/items/kinds.ts).
 *
 * Public identity keys and the box-key signature are recomputed from the two secrets on decode. Times are ms since
 * the Unix epoch. Limits (MAX_*) are enforced on decode and, because encodeSnapshot() decodes its own output, on
 * encode too: we never produce a snapshot we could not read back.
 */
import { signPublicFromPeerId, identityFromSecrets, type IdentityKeys } from '../crypto/identity.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import {
  decodeCanonical,
  encodeCanonical,
  encodeCanonicalInto,
  encodeCanonicalMapInto,
  readBack,
} from './cbor.ts';
import { paddedSize, padInPlace } from './padding.ts';
import {
  asMap,
  expectKeys,
  readArray,
  readBytes,
  readText,
  readTextArray,
  readUint,
  type CborMap,
} from './fields.ts';
import { MAX_SEALED_ENVELOPE_BYTES } from '../shards/envelope.ts';
import { MAX_URL_CHARS, MAX_URLS, MAX_USERNAME_CHARS, type ItemKind } from '../items/kinds.ts';
import { ITEM_KIND_KEYS, itemKindFromCbor, itemKindToCbor } from './item-kind-fields.ts';

export const SNAPSHOT_VERSION = 1;

export const SNAPSHOT_LIMITS = {
  /** A vault of documents (scans, photos of papers) fits; every custodian stores this much per friend at most. */
  bytes: 128 * 1024 * 1024,
  nameChars: 256,
  /** A custodian holding for many friends has them all as contacts (docs/PERFORMANCE.md, "Custodian scale"). */
  contacts: 16_384,
  addresses: 32,
  addressChars: 1024,
  items: 100_000,
  idChars: 128,
  titleChars: 1024,
  secretChars: 65_536,
  notesChars: 1_048_576,
  tags: 64,
  tagChars: 128,
  attachments: 64,
  /** Previous secrets per item (MAX_PREVIOUS_SECRETS in shared/api/ops/items.ts). */
  history: 10,
  usernameChars: MAX_USERNAME_CHARS,
  urls: MAX_URLS,
  urlChars: MAX_URL_CHARS,
  attachmentBytes: 16 * 1024 * 1024,
  mediaTypeChars: 256,
  heldShards: 16_384,
  /** The backup operation allows at most 16 custodians. */
  custodians: 16,
  manifestBytes: 2 * 1024 * 1024,
  settings: 1000,
  settingKeyChars: 256,
  settingValueChars: 65_536,
} as const;

export interface Contact {
  name: string;
  peerId: string;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
  addresses: string[];
}

export interface Attachment {
  name: string;
  mediaType: string;
  data: Uint8Array;
}

/** A secret an item had before, and when it was replaced (ms since the Unix epoch). */
export interface PreviousSecret {
  secret: string;
  replacedAt: number;
}

export interface VaultItem {
  id: string;
  title: string;
  secret: string;
  notes: string;
  tags: string[];
  attachments: Attachment[];
  createdAt: number;
  updatedAt: number;
  /** Previous secrets, newest first; absent or empty when the secret was never replaced. */
  history?: PreviousSecret[];
  /** The item's kind (shared/items/kinds.ts); absent for the free-form `secret`. */
  kind?: ItemKind;
  /** A login's user name; absent when empty. */
  username?: string;
  /** A login's web addresses; absent when none. */
  urls?: string[];
}

export interface HeldShard {
  ownerPeerId: string;
  /** The sealed shard envelope exactly as received from the owner. */
  envelope: Uint8Array;
  /** Version of the owner's latest backup manifest we hold (0 if none yet). */
  latestVersion: number;
  /** The owner's latest signed backup manifest, if any. */
  manifest?: Uint8Array;
}

export interface Snapshot {
  identity: IdentityKeys;
  displayName: string;
  contacts: Contact[];
  items: VaultItem[];
  heldShards: HeldShard[];
  settings: Record<string, string>;
  /**
   * Peer IDs of the friends chosen to hold this backup's key (absent when none). Envelopes never list the other
   * custodians, so this is how a recovered device knows whom to give the new key, online or not.
   */
  custodians?: string[];
}

function toCbor(s: Snapshot): Record<string, unknown> {
  return {
    v: SNAPSHOT_VERSION,
    identity: { sign: s.identity.signSeed, box: s.identity.boxSecret },
    name: s.displayName,
    contacts: s.contacts.map((c) => ({
      name: c.name,
      peer: c.peerId,
      boxPub: c.boxPublic,
      boxSig: c.boxSignature,
      addrs: c.addresses,
    })),
    items: s.items.map((i) => ({
      id: i.id,
      title: i.title,
      secret: i.secret,
      notes: i.notes,
      tags: i.tags,
      files: i.attachments.map((a) => ({ name: a.name, type: a.mediaType, data: a.data })),
      created: i.createdAt,
      updated: i.updatedAt,
      ...(i.history?.length
        ? { history: i.history.map((h) => ({ secret: h.secret, at: h.replacedAt })) }
        : {}),
      ...itemKindToCbor(i),
    })),
    ...(s.custodians?.length ? { custodians: s.custodians } : {}),
    held: s.heldShards.map((h) => ({
      owner: h.ownerPeerId,
      envelope: h.envelope,
      version: h.latestVersion,
      ...(h.manifest === undefined ? {} : { manifest: h.manifest }),
    })),
    settings: { ...s.settings },
  };
}

/** Encodes a snapshot. Throws MalformedDataError if it breaks a limit or holds an invalid peer ID. */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = encodeCanonical(toCbor(snapshot));
  } catch (err) {
    throw new MalformedDataError('Snapshot', 'cannot be encoded', { cause: err });
  }
  // Refuse to write what we could not read back: parse the bytes and check every field and limit as decodeSnapshot
  // does. The canonical-form check is left out here only: these bytes come straight from the canonical encoder.
  snapshotFromCbor(readBack(bytes, L.bytes, SNAPSHOT_WHAT));
  return bytes;
}

/** encodeSnapshot's bytes, already padded (padding.ts) in the memory they were encoded into. */
export interface PaddedSnapshot {
  /** What encodeSnapshot returns: a view of `padded`, from its byte 4. */
  bytes: Uint8Array;
  padded: Uint8Array;
}

/**
 * encodeSnapshot written straight into its padded form, in memory from `allocate`, which must return `n` zero bytes:
 * a large vault's snapshot is then neither concatenated from pieces nor copied again to be padded (docs/PERFORMANCE.md,
 * "Bulk encryption"). `allocate` is asked for
 * room for the largest snapshot (129 MiB); memory that is never written, like a fresh SharedArrayBuffer's, costs
 * address space only. Same bytes and checks as encodeSnapshot.
 *
 * `progress(end)`, if given, is told as the encoding goes (after each contact, item, held shard…) that the padded
 * bytes before `end` are written, except the length in bytes 0..4, which is written last: a caller can cut and seal
 * them meanwhile (cbor.ts encodeCanonicalMapInto). It must not throw.
 */
export function encodeSnapshotPadded(
  snapshot: Snapshot,
  allocate: (n: number) => Uint8Array,
  progress?: (end: number) => void,
): PaddedSnapshot {
  const space = allocate(paddedSize(L.bytes + 4));
  // Room for one byte past the limit: a snapshot that long is refused by the read-back check below, a longer one
  // overflows the room and is refused in the catch, either way with encodeSnapshot's message.
  const room = space.subarray(4, 4 + L.bytes + 1);
  let written: number;
  try {
    written = progress
      ? encodeCanonicalMapInto(toCbor(snapshot), room, (n) => progress(4 + n))
      : encodeCanonicalInto(toCbor(snapshot), room);
  } catch {
    // Too large for the room, or not encodable: encodeSnapshot says which, in its own words.
    const bytes = encodeSnapshot(snapshot);
    throw new MalformedDataError('Snapshot', `cannot be encoded in place (${bytes.length} bytes)`);
  }
  const bytes = space.subarray(4, 4 + written);
  snapshotFromCbor(readBack(bytes, L.bytes, SNAPSHOT_WHAT));
  return { bytes, padded: padInPlace(space, written) };
}

const L = SNAPSHOT_LIMITS;
const SNAPSHOT_WHAT = 'Backup snapshot';

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  return snapshotFromCbor(decodeCanonical(bytes, L.bytes, SNAPSHOT_WHAT));
}

function snapshotFromCbor(value: unknown): Snapshot {
  const what = SNAPSHOT_WHAT;
  const m = asMap(value, what);
  if (m.v !== SNAPSHOT_VERSION) throw new UnsupportedFormatError('This backup', m.v);
  expectKeys(m, what, ['v', 'identity', 'name', 'contacts', 'items', 'held', 'settings'], ['custodians']);
  const idMap = asMap(m.identity, 'Snapshot identity');
  expectKeys(idMap, 'Snapshot identity', ['sign', 'box']);
  const identity = identityFromSecrets(
    readBytes(idMap, 'sign', 'Snapshot identity', { exact: 32 }),
    readBytes(idMap, 'box', 'Snapshot identity', { exact: 32 }),
  );
  return {
    identity,
    displayName: readText(m, 'name', what, L.nameChars),
    contacts: readArray(m, 'contacts', what, L.contacts).map(decodeContact),
    items: readArray(m, 'items', what, L.items).map(decodeItem),
    heldShards: readArray(m, 'held', what, L.heldShards).map(decodeHeld),
    settings: decodeSettings(m.settings),
    ...(Object.hasOwn(m, 'custodians') ? { custodians: decodeCustodians(m) } : {}),
  };
}

function decodeCustodians(m: CborMap): string[] {
  const what = 'Snapshot custodians';
  const ids = readTextArray(m, 'custodians', what, L.custodians, 128).map((p) => checkPeerId(p, what));
  if (ids.length === 0) throw new MalformedDataError(what, 'is present but empty');
  if (new Set(ids).size !== ids.length) throw new MalformedDataError(what, 'lists a friend twice');
  return ids;
}

function checkPeerId(peerId: string, what: string): string {
  try {
    signPublicFromPeerId(peerId);
  } catch {
    throw new MalformedDataError(what, 'has an invalid peer ID');
  }
  return peerId;
}

function decodeContact(value: unknown): Contact {
  const what = 'Snapshot contact';
  const c = asMap(value, what);
  expectKeys(c, what, ['name', 'peer', 'boxPub', 'boxSig', 'addrs']);
  return {
    name: readText(c, 'name', what, L.nameChars),
    peerId: checkPeerId(readText(c, 'peer', what, 128), what),
    boxPublic: readBytes(c, 'boxPub', what, { exact: 32 }),
    boxSignature: readBytes(c, 'boxSig', what, { exact: 64 }),
    addresses: readTextArray(c, 'addrs', what, L.addresses, L.addressChars),
  };
}

function decodeItem(value: unknown): VaultItem {
  const what = 'Snapshot item';
  const i = asMap(value, what);
  expectKeys(
    i,
    what,
    ['id', 'title', 'secret', 'notes', 'tags', 'files', 'created', 'updated'],
    ['history', ...ITEM_KIND_KEYS],
  );
  const item: VaultItem = {
    id: readText(i, 'id', what, L.idChars),
    title: readText(i, 'title', what, L.titleChars),
    secret: readText(i, 'secret', what, L.secretChars),
    notes: readText(i, 'notes', what, L.notesChars),
    tags: readTextArray(i, 'tags', what, L.tags, L.tagChars),
    attachments: readArray(i, 'files', what, L.attachments).map(decodeAttachment),
    createdAt: readUint(i, 'created', what),
    updatedAt: readUint(i, 'updated', what),
  };
  if (Object.hasOwn(i, 'history')) {
    const history = readArray(i, 'history', what, L.history).map(decodePreviousSecret);
    if (history.length === 0) throw new MalformedDataError(what, 'field "history" is present but empty');
    item.history = history;
  }
  return { ...item, ...itemKindFromCbor(i, what) };
}

function decodePreviousSecret(value: unknown): PreviousSecret {
  const what = 'Snapshot previous secret';
  const h = asMap(value, what);
  expectKeys(h, what, ['secret', 'at']);
  return { secret: readText(h, 'secret', what, L.secretChars), replacedAt: readUint(h, 'at', what) };
}

function decodeAttachment(value: unknown): Attachment {
  const what = 'Snapshot attachment';
  const a = asMap(value, what);
  expectKeys(a, what, ['name', 'type', 'data']);
  return {
    name: readText(a, 'name', what, L.titleChars),
    mediaType: readText(a, 'type', what, L.mediaTypeChars),
    data: readBytes(a, 'data', what, { max: L.attachmentBytes }),
  };
}

function decodeHeld(value: unknown): HeldShard {
  const what = 'Snapshot held shard';
  const h: CborMap = asMap(value, what);
  expectKeys(h, what, ['owner', 'envelope', 'version'], ['manifest']);
  const held: HeldShard = {
    ownerPeerId: checkPeerId(readText(h, 'owner', what, 128), what),
    envelope: readBytes(h, 'envelope', what, { max: MAX_SEALED_ENVELOPE_BYTES }),
    latestVersion: readUint(h, 'version', what),
  };
  if (Object.hasOwn(h, 'manifest')) held.manifest = readBytes(h, 'manifest', what, { max: L.manifestBytes });
  return held;
}

function decodeSettings(value: unknown): Record<string, string> {
  const what = 'Snapshot settings';
  const s = asMap(value, what);
  const entries = Object.entries(s);
  if (entries.length > L.settings) throw new MalformedDataError(what, `more than ${L.settings} entries`);
  for (const [k, v] of entries) {
    if (k.length > L.settingKeyChars) throw new MalformedDataError(what, 'a key is too long');
    if (typeof v !== 'string' || v.length > L.settingValueChars)
      throw new MalformedDataError(
        what,
        `value of "${k}" must be text of at most ${L.settingValueChars} characters`,
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
