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
}

export interface ShardRow {
  custodianPeerId: string;
  name: string;
  /** The signed envelope sealed to the session's box key. */
  sealed: Uint8Array;
  /** The newest signed manifest the custodian holds (empty if none). */
  manifest: Uint8Array;
  receivedAt: number;
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
}

interface ShardDbRow {
  custodian_peer_id: string;
  name: string;
  sealed: Buffer;
  manifest: Buffer;
  received_at: number;
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
    };
  }

  insertSession(row: SessionRow): void {
    this.store.transaction(() => {
      prepared(
        this.store.db,
        `INSERT INTO recovery_session (id, sign_seed, box_public, box_sealed, key_wrap, secret, name, port, expires_at, created_at)
           VALUES (1, @seed, @boxPublic, @boxSealed, @wrap, @secret, @name, @port, @expires, @created)`,
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
      });
    });
  }

  updateSession(patch: { expiresAt?: number; port?: number | null; name?: string | null }): void {
    const db = this.store.db;
    this.store.transaction(() => {
      if (patch.expiresAt !== undefined)
        prepared(db, 'UPDATE recovery_session SET expires_at = ? WHERE id = 1').run(patch.expiresAt);
      if (patch.port !== undefined)
        prepared(db, 'UPDATE recovery_session SET port = ? WHERE id = 1').run(patch.port);
      if (patch.name !== undefined)
        prepared(db, 'UPDATE recovery_session SET name = ? WHERE id = 1').run(patch.name);
    });
  }

  shards(): ShardRow[] {
    return (
      prepared(this.store.db, 'SELECT * FROM recovery_shards ORDER BY received_at').all() as ShardDbRow[]
    ).map((r) => ({
      custodianPeerId: r.custodian_peer_id,
      name: r.name,
      sealed: new Uint8Array(r.sealed),
      manifest: new Uint8Array(r.manifest),
      receivedAt: r.received_at,
    }));
  }

  /** Ids (hex) of the chunks collected so far. */
  chunkIds(): Set<string> {
    const rows = prepared(this.store.db, 'SELECT id FROM recovery_chunks').all() as { id: Buffer }[];
    return new Set(rows.map((r) => r.id.toString('hex')));
  }

  chunk(idHex: string): Uint8Array | undefined {
    const row = prepared(this.store.db, 'SELECT data FROM recovery_chunks WHERE id = ?').get(
      Buffer.from(idHex, 'hex'),
    ) as { data: Buffer } | undefined;
    return row ? new Uint8Array(row.data) : undefined;
  }

  /** One delivery in one transaction: the custodian's piece (replacing an earlier one) and the chunks it brought. */
  commitDelivery(row: ShardRow, chunks: Map<string, Uint8Array>): void {
    const db = this.store.db;
    this.store.transaction(() => {
      prepared(
        db,
        `INSERT INTO recovery_shards (custodian_peer_id, name, sealed, manifest, received_at)
         VALUES (@peer, @name, @sealed, @manifest, @at)
         ON CONFLICT (custodian_peer_id) DO UPDATE SET name = excluded.name, sealed = excluded.sealed,
           manifest = excluded.manifest, received_at = excluded.received_at`,
      ).run({
        peer: row.custodianPeerId,
        name: row.name,
        sealed: row.sealed,
        manifest: row.manifest,
        at: row.receivedAt,
      });
      const insert = prepared(db, 'INSERT OR IGNORE INTO recovery_chunks (id, data) VALUES (?, ?)');
      for (const [id, data] of chunks) insert.run(Buffer.from(id, 'hex'), data);
    });
  }

  /** Forgets the session and everything it collected (call inside the restore transaction). */
  deleteAll(): void {
    // A transaction of its own, or a savepoint inside the restore transaction: all three go, or none.
    this.store.db.transaction(() => {
      this.store.db.exec(
        'DELETE FROM recovery_chunks; DELETE FROM recovery_shards; DELETE FROM recovery_session;',
      );
    })();
  }
}
