/**
 * What the friends store keeps, as the mesh uses it, and how each SQLite row (migrations 002 and 009) becomes one:
 * stored addresses are a JSON list, keys are BLOBs copied out of better-sqlite3's buffers.
 */
export interface FriendRecord {
  peerId: string;
  name: string;
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
  addresses: string[];
  ownInviteHash: Uint8Array;
  theirInviteHash: Uint8Array;
  addedAt: number;
  lastSeen: number | null;
  /** The last code compared with this friend (PROTOCOL §8.5) and when it was made; null before any. */
  sasCode?: string | null;
  sasAt?: number | null;
  /** When the person confirmed that both screens showed `sasCode` (null: not verified). */
  verifiedAt?: number | null;
  /** What this person calls the friend on this device (migration 009); null: the name the friend chose. */
  nickname?: string | null;
}

/** The name a person sees for a friend: their nickname here, else the name the friend chose. */
export const shownName = (f: Pick<FriendRecord, 'name' | 'nickname'>): string => f.nickname ?? f.name;

export interface PendingPairing {
  peerId: string;
  name: string;
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
  addresses: string[];
  inviteHash: Uint8Array;
  acceptedAt: number;
  giveUpAt: number;
}

export interface FriendRow {
  peer_id: string;
  name: string;
  sign_public: Buffer;
  box_public: Buffer;
  box_signature: Buffer;
  addresses: string;
  own_invite_hash: Buffer;
  their_invite_hash: Buffer;
  added_at: number;
  last_seen: number | null;
  sas_code: string | null;
  sas_at: number | null;
  verified_at: number | null;
  nickname: string | null;
}

export interface PendingRow {
  peer_id: string;
  name: string;
  sign_public: Buffer;
  box_public: Buffer;
  box_signature: Buffer;
  addresses: string;
  invite_hash: Buffer;
  accepted_at: number;
  give_up_at: number;
}

/** At most this many addresses are stored per friend or pending pairing. */
export const MAX_STORED_ADDRESSES = 16;

export function parseAddresses(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();

export function toFriend(r: FriendRow): FriendRecord {
  return {
    peerId: r.peer_id,
    name: r.name,
    signPublic: bytes(r.sign_public),
    boxPublic: bytes(r.box_public),
    boxSignature: bytes(r.box_signature),
    addresses: parseAddresses(r.addresses),
    ownInviteHash: bytes(r.own_invite_hash),
    theirInviteHash: bytes(r.their_invite_hash),
    addedAt: r.added_at,
    lastSeen: r.last_seen,
    sasCode: r.sas_code,
    sasAt: r.sas_at,
    verifiedAt: r.verified_at,
    nickname: r.nickname,
  };
}

export function toPending(r: PendingRow): PendingPairing {
  return {
    peerId: r.peer_id,
    name: r.name,
    signPublic: bytes(r.sign_public),
    boxPublic: bytes(r.box_public),
    boxSignature: bytes(r.box_signature),
    addresses: parseAddresses(r.addresses),
    inviteHash: bytes(r.invite_hash),
    acceptedAt: r.accepted_at,
    giveUpAt: r.give_up_at,
  };
}
