/** SQL for the recovery session of a new device (tables from migration 004). Callers own the transactions. */
import type { Store } from '../store/store.ts';
import { prepared } from '../store/statements.ts';

export interface SessionRow {
  signSeed: Uint8Array;
  boxPublic: Uint8Array;
  /** The box secret sealed under the session key (AES-256-GCM, see session-keys.ts). */
  boxSealed: Uint8Array;
  /** JSON of the passphrase wrap of the session key. */
  keyWrap: string;
  secret: Uint8Array;
  name: string | null;
  port: number | null;
  expiresAt: number;
  createdAt: number;
  /** A remote recovery (PROTOCOL §11.7): the code says so, and the session node may dial the reply peers. */
  remote: boolean;
}

/** How an approval ended without a piece (PROTOCOL §11.3 "Withdraw", §11.7); a new hello clears it. */
export type SenderEnding = 'declined' | 'expired' | 'withdrew' | 'stopped';

/** A custodian whose reply code the person entered (PROTOCOL §11.7): this device dials it. */
export interface ReplyPeerRow {
  peerId: string;
  addresses: string[];
  addedAt: number;
}

/** A peer that said hello with the code (PROTOCOL §11.3): the code both screens show, and the person's verdict. */
export interface SenderRow {
  peerId: string;
  /** The name the sender's device gave (its owner's display name): a claim, shown beside the code. */
  name: string;
  sasCode: string;
  helloAt: number;
  confirmedAt: number | null;
  rejectedAt: number | null;
  /** Remote: when the custodian said its piece comes (it approved; the owner's waiting period runs). */
  releaseAt: number | null;
  ended: SenderEnding | null;
  /** How the sender was connected when it last spoke. */
  path: 'direct' | 'relayed' | null;
}

export interface PieceRow {
  sender: string;
  /** The signed envelope sealed to the session's box key. */
  sealed: Uint8Array;
  /** The newest signed manifest the sender holds (empty if none). */
  manifest: Uint8Array;
  receivedAt: number;
}

/** A chunk on its way in: the digest the sender's manifest lists for it (checked on receipt) and its bytes. */
export interface IncomingChunk {
  digest: Uint8Array;
  data: Uint8Array;
}

interface SenderDbRow {
  peer_id: string;
  name: string;
  sas_code: string;
  hello_at: number;
  confirmed_at: number | null;
  rejected_at: number | null;
  release_at: number | null;
  ended: SenderEnding | null;
  path: 'direct' | 'relayed' | null;
}

interface PieceDbRow {
  sender: string;
  sealed: Buffer;
  manifest: Buffer;
  received_at: number;
}

interface SessionDbRow {
  sign_seed: Buffer;
  box_public: Buffer;
  box_sealed: Buffer;
  key_wrap: string;
  secret: Buffer;
  name: string | null;
  port: number | null;
  expires_at: number;
  created_at: number;
  remote: number;
}

export class RecoverySessionStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  session(): SessionRow | null {
    const r = prepared(this.store.db, 'SELECT * FROM recovery_session WHERE id = 1').get() as
      SessionDbRow | undefined;
    if (!r) return null;
    return {
      signSeed: new Uint8Array(r.sign_seed),
      boxPublic: new Uint8Array(r.box_public),
      boxSealed: new Uint8Array(r.box_sealed),
      keyWrap: r.key_wrap,
      secret: new Uint8Array(r.secret),
      name: r.name,
      port: r.port,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
      remote: r.remote === 1,
    };
  }

  insertSession(row: SessionRow): void {
    this.store.transaction(() => {
      prepared(
        this.store.db,
        `INSERT INTO recovery_session (id, sign_seed, box_public, box_sealed, key_wrap, secret, name, port, expires_at, created_at, remote)
           VALUES (1, @seed, @boxPublic, @boxSealed, @wrap, @secret, @name, @port, @expires, @created, @remote)`,
      ).run({
        seed: row.signSeed,
        boxPublic: row.boxPublic,
        boxSealed: row.boxSealed,
        wrap: row.keyWrap,
        secret: row.secret,
        name: row.name,
        port: row.port,
        expires: row.expiresAt,
        created: row.createdAt,
        remote: row.remote ? 1 : 0,
      });
    });
  }

  updateSession(patch: {
    expiresAt?: number;
    port?: number | null;
    name?: string | null;
    remote?: boolean;
  }): void {
    const db = this.store.db;
    this.store.transaction(() => {
      if (patch.expiresAt !== undefined)
        prepared(db, 'UPDATE recovery_session SET expires_at = ? WHERE id = 1').run(patch.expiresAt);
      if (patch.port !== undefined)
        prepared(db, 'UPDATE recovery_session SET port = ? WHERE id = 1').run(patch.port);
      if (patch.name !== undefined)
        prepared(db, 'UPDATE recovery_session SET name = ? WHERE id = 1').run(patch.name);
      if (patch.remote !== undefined)
        prepared(db, 'UPDATE recovery_session SET remote = ? WHERE id = 1').run(patch.remote ? 1 : 0);
    });
  }

  senders(): SenderRow[] {
    return (
      prepared(
        this.store.db,
        'SELECT * FROM recovery_senders ORDER BY hello_at, peer_id',
      ).all() as SenderDbRow[]
    ).map(toSender);
  }

  sender(peerId: string): SenderRow | null {
    const r = prepared(this.store.db, 'SELECT * FROM recovery_senders WHERE peer_id = ?').get(peerId) as
      SenderDbRow | undefined;
    return r ? toSender(r) : null;
  }

  /**
   * Records a hello and its code (a new code replaces an earlier one and undoes its confirmation: the person
   * compares the code on screen now). When the table is full, the oldest sender the person has not confirmed and
   * that delivered nothing makes room; if there is none, the hello is refused (returns false).
   */
  putSender(row: { peerId: string; name: string; sasCode: string; helloAt: number }, cap: number): boolean {
    const db = this.store.db;
    return this.store.transaction(() => {
      const existing = prepared(db, 'SELECT rejected_at FROM recovery_senders WHERE peer_id = ?').get(
        row.peerId,
      ) as { rejected_at: number | null } | undefined;
      if (existing && existing.rejected_at !== null) return false;
      if (!existing) {
        const n = (prepared(db, 'SELECT count(*) AS n FROM recovery_senders').get() as { n: number }).n;
        if (n >= cap) {
          const evicted = prepared(
            db,
            `DELETE FROM recovery_senders WHERE peer_id = (
               SELECT s.peer_id FROM recovery_senders s
                 WHERE s.confirmed_at IS NULL AND s.rejected_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM recovery_pieces p WHERE p.sender = s.peer_id)
                 ORDER BY s.hello_at LIMIT 1)`,
          ).run().changes;
          if (evicted === 0) return false;
        }
      }
      prepared(
        db,
        `INSERT INTO recovery_senders (peer_id, name, sas_code, hello_at) VALUES (@peerId, @name, @sasCode, @helloAt)
           ON CONFLICT (peer_id) DO UPDATE SET name = excluded.name, sas_code = excluded.sas_code,
             hello_at = excluded.hello_at, confirmed_at = NULL, release_at = NULL, ended = NULL`,
      ).run(row);
      return true;
    });
  }

  /** The person compared the code: confirmed, or rejected (its piece and the chunks it brought are deleted). */
  judgeSender(peerId: string, verdict: 'confirmed' | 'rejected', at: number): boolean {
    const db = this.store.db;
    return this.store.transaction(() => {
      if (verdict === 'confirmed')
        return (
          prepared(
            db,
            'UPDATE recovery_senders SET confirmed_at = ? WHERE peer_id = ? AND rejected_at IS NULL',
          ).run(at, peerId).changes > 0
        );
      prepared(db, 'DELETE FROM recovery_chunks WHERE sender = ?').run(peerId);
      prepared(db, 'DELETE FROM recovery_pieces WHERE sender = ?').run(peerId);
      return (
        prepared(
          db,
          'UPDATE recovery_senders SET confirmed_at = NULL, rejected_at = ? WHERE peer_id = ?',
        ).run(at, peerId).changes > 0
      );
    });
  }

  /** A sender's approval ended without a piece (withdrawn, declined, expired, stopped by the owner). */
  endSender(peerId: string, ended: SenderEnding): void {
    prepared(
      this.store.db,
      'UPDATE recovery_senders SET ended = ? WHERE peer_id = ? AND rejected_at IS NULL',
    ).run(ended, peerId);
  }

  /** Remote: the sender approved; its piece comes at `releaseAt` (PROTOCOL §11.7). */
  senderWaiting(peerId: string, releaseAt: number): void {
    prepared(
      this.store.db,
      'UPDATE recovery_senders SET release_at = ? WHERE peer_id = ? AND rejected_at IS NULL AND ended IS NULL',
    ).run(releaseAt, peerId);
  }

  senderPath(peerId: string, path: 'direct' | 'relayed'): void {
    prepared(this.store.db, 'UPDATE recovery_senders SET path = ? WHERE peer_id = ?').run(path, peerId);
  }

  replyPeers(): ReplyPeerRow[] {
    return (
      prepared(this.store.db, 'SELECT * FROM recovery_reply_peers ORDER BY added_at, peer_id').all() as {
        peer_id: string;
        addresses: string;
        added_at: number;
      }[]
    ).map((r) => ({
      peerId: r.peer_id,
      addresses: JSON.parse(r.addresses) as string[],
      addedAt: r.added_at,
    }));
  }

  /** At most `cap` reply peers are kept: a new one replaces the oldest (a reply entered again moves up). */
  putReplyPeer(row: ReplyPeerRow, cap: number): void {
    const db = this.store.db;
    this.store.transaction(() => {
      prepared(
        db,
        `INSERT INTO recovery_reply_peers (peer_id, addresses, added_at) VALUES (?, ?, ?)
           ON CONFLICT (peer_id) DO UPDATE SET addresses = excluded.addresses, added_at = excluded.added_at`,
      ).run(row.peerId, JSON.stringify(row.addresses), row.addedAt);
      prepared(
        db,
        `DELETE FROM recovery_reply_peers WHERE peer_id NOT IN (
           SELECT peer_id FROM recovery_reply_peers ORDER BY added_at DESC LIMIT ?)`,
      ).run(cap);
    });
  }

  /** Who delivered a piece, without reading the pieces themselves (their manifests can be large). */
  pieceSenders(): Set<string> {
    return new Set(
      (prepared(this.store.db, 'SELECT sender FROM recovery_pieces').all() as { sender: string }[]).map(
        (r) => r.sender,
      ),
    );
  }

  pieces(): PieceRow[] {
    return (
      prepared(
        this.store.db,
        'SELECT * FROM recovery_pieces ORDER BY received_at, sender',
      ).all() as PieceDbRow[]
    ).map((r) => ({
      sender: r.sender,
      sealed: new Uint8Array(r.sealed),
      manifest: new Uint8Array(r.manifest),
      receivedAt: r.received_at,
    }));
  }

  /** Does the session hold a chunk with this digest (from anyone: the digest fixes the bytes)? */
  hasChunk(digest: Uint8Array): boolean {
    return (
      prepared(this.store.db, 'SELECT 1 FROM recovery_chunks WHERE digest = ?').get(digest) !== undefined
    );
  }

  chunk(digest: Uint8Array): Uint8Array | undefined {
    const row = prepared(this.store.db, 'SELECT data FROM recovery_chunks WHERE digest = ?').get(digest) as
      { data: Buffer } | undefined;
    return row ? new Uint8Array(row.data) : undefined;
  }

  /** Bytes of chunks stored so far, in all and from one sender (the session's disk caps, PROTOCOL §11.3). */
  chunkBytes(sender?: string): number {
    const row = (
      sender === undefined
        ? prepared(this.store.db, 'SELECT coalesce(sum(length(data)), 0) AS n FROM recovery_chunks').get()
        : prepared(
            this.store.db,
            'SELECT coalesce(sum(length(data)), 0) AS n FROM recovery_chunks WHERE sender = ?',
          ).get(sender)
    ) as { n: number };
    return row.n;
  }

  /** One delivery in one transaction: the sender's piece (replacing an earlier one) and the chunks it brought. */
  commitDelivery(row: PieceRow, chunks: IncomingChunk[]): void {
    const db = this.store.db;
    this.store.transaction(() => {
      prepared(
        db,
        `INSERT INTO recovery_pieces (sender, sealed, manifest, received_at)
         VALUES (@sender, @sealed, @manifest, @at)
         ON CONFLICT (sender) DO UPDATE SET sealed = excluded.sealed, manifest = excluded.manifest,
           received_at = excluded.received_at`,
      ).run({ sender: row.sender, sealed: row.sealed, manifest: row.manifest, at: row.receivedAt });
      const insert = prepared(
        db,
        'INSERT OR IGNORE INTO recovery_chunks (digest, sender, data) VALUES (?, ?, ?)',
      );
      for (const c of chunks) insert.run(c.digest, row.sender, c.data);
    });
  }

  /** Forgets the session and everything it collected (call inside the restore transaction). */
  deleteAll(): void {
    // A transaction of its own, or a savepoint inside the restore transaction: all of it goes, or none.
    this.store.db.transaction(() => {
      this.store.db.exec(
        'DELETE FROM recovery_chunks; DELETE FROM recovery_pieces; DELETE FROM recovery_senders; DELETE FROM recovery_reply_peers; DELETE FROM recovery_paper; DELETE FROM recovery_session;',
      );
    })();
  }
}

function toSender(r: SenderDbRow): SenderRow {
  return {
    peerId: r.peer_id,
    name: r.name,
    sasCode: r.sas_code,
    helloAt: r.hello_at,
    confirmedAt: r.confirmed_at,
    rejectedAt: r.rejected_at,
    releaseAt: r.release_at,
    ended: r.ended,
    path: r.path,
  };
}
