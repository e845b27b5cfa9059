/**
 * Friends, own invites and pending pairings in SQLite (tables from migration 002). Synchronous: better-sqlite3
 * transactions cannot span an await, so callers do network work first and then one call here.
 */
import type { Database } from 'better-sqlite3';
import { TesseraError } from '../../../shared/errors.ts';
import { prepared } from '../store/statements.ts';
import { MAX_STORED_ADDRESSES, parseAddresses, shownName, toFriend, toPending } from './friend-records.ts';
import type { FriendRecord, FriendRow, PendingPairing, PendingRow } from './friend-records.ts';

// The records are defined with their rows (friend-records.ts); most of the core imports them from the store.
export { shownName } from './friend-records.ts';
export type { FriendRecord, PendingPairing } from './friend-records.ts';

/**
 * Someone tried to pair with an invite this device issued, after the expiry written in it (docs/PROTOCOL.md §8.3):
 * the issuer honours its own invites only until then, as the one who accepts one does.
 */
export class OwnInviteExpiredError extends TesseraError {
  readonly expiresAt: number;

  constructor(expiresAt: number) {
    const at = new Date(expiresAt).toISOString();
    super(
      'EXPIRED',
      `A friend tried to pair using an invite code of yours that expired at ${at}. Make a new invite code and ` +
        'have them accept it.',
    );
    this.expiresAt = expiresAt;
  }

  /** The refusal sent to the peer (at most 200 characters, docs/PROTOCOL.md §8.4), in the peer's words. */
  get peerReason(): string {
    return (
      `the invite code you accepted from me expired at ${new Date(this.expiresAt).toISOString()}; ` +
      'ask me for a new one and accept it'
    );
  }
}

export class FriendsStore {
  private readonly db: Database;
  private readonly now: () => number;

  /** `now` is the clock own invites expire by. */
  constructor(db: Database, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
  }

  listFriends(): FriendRecord[] {
    return (prepared(this.db, 'SELECT * FROM friends ORDER BY added_at, peer_id').all() as FriendRow[]).map(
      toFriend,
    );
  }

  /** Peer IDs of all friends, in the order listFriends() gives (cheap: no addresses or keys decoded). */
  friendIds(): string[] {
    return (
      prepared(this.db, 'SELECT peer_id FROM friends ORDER BY added_at, peer_id').all() as {
        peer_id: string;
      }[]
    ).map((r) => r.peer_id);
  }

  getFriend(peerId: string): FriendRecord | null {
    const row = prepared(this.db, 'SELECT * FROM friends WHERE peer_id = ?').get(peerId) as
      FriendRow | undefined;
    return row ? toFriend(row) : null;
  }

  countFriends(): number {
    return (prepared(this.db, 'SELECT count(*) AS n FROM friends').get() as { n: number }).n;
  }

  /** Adds (or refreshes) a friend and drops its pending pairing, in one transaction. */
  addFriend(friend: FriendRecord): void {
    this.db.transaction(() => {
      prepared(
        this.db,
        `INSERT INTO friends (peer_id, name, sign_public, box_public, box_signature, addresses,
             own_invite_hash, their_invite_hash, added_at, last_seen)
           VALUES (@peerId, @name, @signPublic, @boxPublic, @boxSignature, @addresses,
             @ownInviteHash, @theirInviteHash, @addedAt, @lastSeen)
           ON CONFLICT (peer_id) DO UPDATE SET name = excluded.name, box_public = excluded.box_public,
             box_signature = excluded.box_signature, addresses = excluded.addresses,
             own_invite_hash = excluded.own_invite_hash, their_invite_hash = excluded.their_invite_hash,
             last_seen = excluded.last_seen`,
      ).run({ ...friend, addresses: JSON.stringify(friend.addresses.slice(0, MAX_STORED_ADDRESSES)) });
      prepared(this.db, 'DELETE FROM pending_pairings WHERE peer_id = ?').run(friend.peerId);
      prepared(this.db, 'DELETE FROM former_friends WHERE peer_id = ?').run(friend.peerId);
    })();
  }

  /**
   * Removes a friend (or a pending pairing). A friend's name, as this person called them, is kept in
   * `former_friends` (migration 009) so that what still mentions them (a former custodian) shows a name.
   */
  removeFriend(peerId: string): boolean {
    return this.db.transaction(() => {
      const friend = this.getFriend(peerId);
      if (friend) {
        prepared(
          this.db,
          `INSERT INTO former_friends (peer_id, name, addresses, ended_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (peer_id) DO UPDATE SET name = excluded.name, addresses = excluded.addresses,
               ended_at = excluded.ended_at`,
        ).run(peerId, shownName(friend), JSON.stringify(friend.addresses), this.now());
      }
      const a = prepared(this.db, 'DELETE FROM friends WHERE peer_id = ?').run(peerId).changes;
      const b = prepared(this.db, 'DELETE FROM pending_pairings WHERE peer_id = ?').run(peerId).changes;
      return a + b > 0;
    })();
  }

  /** The name of a friend who was removed (as this person called them), or null. */
  formerName(peerId: string): string | null {
    const row = prepared(this.db, 'SELECT name FROM former_friends WHERE peer_id = ?').get(peerId) as
      { name: string } | undefined;
    return row?.name ?? null;
  }

  /** Where a removed friend was last seen (for the deletion request still owed to them), or []. */
  formerAddresses(peerId: string): string[] {
    const row = prepared(this.db, 'SELECT addresses FROM former_friends WHERE peer_id = ?').get(peerId) as
      { addresses: string } | undefined;
    return row ? parseAddresses(row.addresses) : [];
  }

  /**
   * The name a person sees for this peer: a friend's nickname or chosen name, else a former friend's, else null (a
   * peer this device never called anything).
   */
  nameOf(peerId: string): string | null {
    const friend = this.getFriend(peerId);
    return friend ? shownName(friend) : this.formerName(peerId);
  }

  /** Sets (or with null, clears) the nickname this person gives a friend; false when there is no such friend. */
  setNickname(peerId: string, nickname: string | null): boolean {
    return (
      prepared(this.db, 'UPDATE friends SET nickname = ? WHERE peer_id = ?').run(nickname, peerId).changes > 0
    );
  }

  // ---- names sent and received (PROTOCOL §8.6) ----------------------------------------------------------------
  // Kept as keys of the key-value `settings` table (`mesh.` keys, never read as vault or device settings), so this
  // needs no schema change: the own name last announced with its serial, and per friend the last serial accepted.

  private readSetting(key: string): unknown {
    const row = prepared(this.db, 'SELECT value FROM settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    if (!row) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return undefined;
    }
  }

  private writeSetting(key: string, value: unknown): void {
    prepared(
      this.db,
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, JSON.stringify(value));
  }

  /** The own name last announced to friends and its serial (0: never renamed since pairing), or null. */
  ownNameNotice(): { name: string; serial: number } | null {
    const v = this.readSetting('mesh.ownName');
    if (typeof v !== 'object' || v === null) return null;
    const { name, serial } = v as { name?: unknown; serial?: unknown };
    return typeof name === 'string' && typeof serial === 'number' && Number.isSafeInteger(serial)
      ? { name, serial }
      : null;
  }

  setOwnNameNotice(notice: { name: string; serial: number }): void {
    this.writeSetting('mesh.ownName', notice);
  }

  /** The last name serial accepted from a friend (kept after they are removed, so old names stay refused). */
  nameSerial(peerId: string): number | null {
    const v = this.readSetting(`mesh.friendNameSerial.${peerId}`);
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
  }

  /** A friend's new chosen name (their nickname here is untouched) and its serial, in one transaction. */
  acceptName(peerId: string, name: string, serial: number): boolean {
    return this.db.transaction(() => {
      const changed = prepared(this.db, 'UPDATE friends SET name = ? WHERE peer_id = ?').run(
        name,
        peerId,
      ).changes;
      if (changed === 0) return false;
      this.writeSetting(`mesh.friendNameSerial.${peerId}`, serial);
      return true;
    })();
  }

  /** Records that a friend was seen (and where, when `addresses` are given); true when the stored addresses changed. */
  touchFriend(peerId: string, now: number, addresses?: string[]): boolean {
    if (!addresses || addresses.length === 0) {
      prepared(this.db, 'UPDATE friends SET last_seen = ? WHERE peer_id = ?').run(now, peerId);
      return false;
    }
    const stored = JSON.stringify(addresses.slice(0, MAX_STORED_ADDRESSES));
    const before = prepared(this.db, 'SELECT addresses FROM friends WHERE peer_id = ?').get(peerId) as
      { addresses: string } | undefined;
    prepared(this.db, 'UPDATE friends SET last_seen = ?, addresses = ? WHERE peer_id = ?').run(
      now,
      stored,
      peerId,
    );
    return before !== undefined && before.addresses !== stored;
  }

  /** A fresh code from a comparison run: it replaces the last one and undoes a confirmation of that one. */
  setComparison(peerId: string, code: string, at: number): void {
    prepared(
      this.db,
      'UPDATE friends SET sas_code = ?, sas_at = ?, verified_at = NULL WHERE peer_id = ?',
    ).run(code, at, peerId);
  }

  /**
   * The person's verdict on the code on screen: confirmed (the friend is verified), or not matching (the code is
   * dropped and the friend stays unverified). Returns false when there was no code to judge.
   */
  judgeComparison(peerId: string, match: boolean, at: number): boolean {
    return (
      prepared(
        this.db,
        match
          ? 'UPDATE friends SET verified_at = @at WHERE peer_id = @peerId AND sas_code IS NOT NULL'
          : 'UPDATE friends SET verified_at = NULL, sas_code = NULL, sas_at = NULL WHERE peer_id = @peerId AND sas_code IS NOT NULL',
      ).run({ peerId, at }).changes > 0
    );
  }

  /** Marks a friend verified without a comparison run (restored from the owner's own backup, PROTOCOL §11.4). */
  markVerified(peerId: string, at: number): void {
    prepared(this.db, 'UPDATE friends SET verified_at = ? WHERE peer_id = ?').run(at, peerId);
  }

  isVerified(peerId: string): boolean {
    const row = prepared(this.db, 'SELECT verified_at FROM friends WHERE peer_id = ?').get(peerId) as
      { verified_at: number | null } | undefined;
    return (row?.verified_at ?? null) !== null;
  }

  addOwnInvite(hash: Uint8Array, createdAt: number, expiresAt: number): void {
    prepared(
      this.db,
      'INSERT OR IGNORE INTO own_invites (hash, created_at, expires_at) VALUES (?, ?, ?)',
    ).run(hash, createdAt, expiresAt);
  }

  /** Whether `hash` names an invite this device issued that has not expired yet (its expiry is the invite's `x`). */
  hasOwnInvite(hash: Uint8Array): boolean {
    return (
      prepared(this.db, 'SELECT 1 FROM own_invites WHERE hash = ? AND expires_at > ?').get(
        hash,
        this.now(),
      ) !== undefined
    );
  }

  /** The error to refuse a pairing with, when `hash` names an invite of ours that has expired; else null. */
  expiredOwnInvite(hash: Uint8Array): OwnInviteExpiredError | null {
    const row = prepared(
      this.db,
      'SELECT expires_at FROM own_invites WHERE hash = ? AND expires_at <= ?',
    ).get(hash, this.now()) as { expires_at: number } | undefined;
    return row ? new OwnInviteExpiredError(row.expires_at) : null;
  }

  /**
   * Deletes own invites that expired before `before`. Callers pass the expiry plus the time a pending pairing may
   * still retry (mesh-service.ts): until then an expired invite is kept only so its refusal can say why.
   */
  pruneOwnInvites(before: number): void {
    prepared(this.db, 'DELETE FROM own_invites WHERE expires_at < ?').run(before);
  }

  putPending(p: PendingPairing): void {
    prepared(
      this.db,
      `INSERT INTO pending_pairings (peer_id, name, sign_public, box_public, box_signature, addresses,
           invite_hash, accepted_at, give_up_at)
         VALUES (@peerId, @name, @signPublic, @boxPublic, @boxSignature, @addresses, @inviteHash, @acceptedAt,
           @giveUpAt)
         ON CONFLICT (peer_id) DO UPDATE SET name = excluded.name, sign_public = excluded.sign_public,
           box_public = excluded.box_public, box_signature = excluded.box_signature,
           addresses = excluded.addresses, invite_hash = excluded.invite_hash,
           accepted_at = excluded.accepted_at, give_up_at = excluded.give_up_at`,
    ).run({ ...p, addresses: JSON.stringify(p.addresses.slice(0, MAX_STORED_ADDRESSES)) });
  }

  getPending(peerId: string): PendingPairing | null {
    const row = prepared(this.db, 'SELECT * FROM pending_pairings WHERE peer_id = ?').get(peerId) as
      PendingRow | undefined;
    return row ? toPending(row) : null;
  }

  listPending(): PendingPairing[] {
    return (
      prepared(this.db, 'SELECT * FROM pending_pairings ORDER BY accepted_at').all() as PendingRow[]
    ).map(toPending);
  }

  prunePending(now: number): void {
    prepared(this.db, 'DELETE FROM pending_pairings WHERE give_up_at < ?').run(now);
  }
}
