import type { Database } from 'better-sqlite3';
import type { PassphraseWrap } from './key-wrap.ts';
import { prepared } from '../store/statements.ts';

/** Public half of the identity: readable while locked, so `app.status` can show who this is. */
export interface PublicIdentity {
  name: string;
  peerId: string;
  fingerprint: string;
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
}

export interface ProtectedKey {
  name: string;
  bytes: Buffer;
}

interface VaultRow {
  format: number;
  kdf: string;
  kdf_log_n: number;
  kdf_r: number;
  kdf_p: number;
  kdf_salt: Buffer;
  wrapped_key: Buffer;
  protector_name: string | null;
  protected_key: Buffer | null;
}

interface IdentityRow {
  name: string;
  peer_id: string;
  fingerprint: string;
  sign_public: Buffer;
  box_public: Buffer;
  box_signature: Buffer;
  sealed_secrets: Buffer;
}

/** SQL for the single-row `vault` and `identity` tables. Callers own the transactions. */
export class VaultRepo {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  exists(): boolean {
    return prepared(this.db, 'SELECT 1 FROM vault WHERE id = 1').get() !== undefined;
  }

  private row(): VaultRow | undefined {
    return prepared(this.db, 'SELECT * FROM vault WHERE id = 1').get() as VaultRow | undefined;
  }

  passphraseWrap(): PassphraseWrap | null {
    const row = this.row();
    if (!row) return null;
    return {
      format: row.format,
      kdf: row.kdf as 'scrypt',
      params: { logN: row.kdf_log_n, r: row.kdf_r, p: row.kdf_p },
      salt: row.kdf_salt,
      wrapped: row.wrapped_key,
    };
  }

  protectedKey(): ProtectedKey | null {
    const row = this.row();
    if (!row || row.protector_name === null || row.protected_key === null) return null;
    return { name: row.protector_name, bytes: row.protected_key };
  }

  insertVault(wrap: PassphraseWrap, now: number): void {
    prepared(
      this.db,
      `INSERT INTO vault (id, format, kdf, kdf_log_n, kdf_r, kdf_p, kdf_salt, wrapped_key, created_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      wrap.format,
      wrap.kdf,
      wrap.params.logN,
      wrap.params.r,
      wrap.params.p,
      wrap.salt,
      wrap.wrapped,
      now,
    );
  }

  /** Replaces the passphrase wrap only if it is still `previous` (returns false if someone changed it meanwhile). */
  replacePassphraseWrap(previous: PassphraseWrap, next: PassphraseWrap): boolean {
    const result = prepared(
      this.db,
      `UPDATE vault SET format = ?, kdf = ?, kdf_log_n = ?, kdf_r = ?, kdf_p = ?, kdf_salt = ?, wrapped_key = ?
         WHERE id = 1 AND wrapped_key = ?`,
    ).run(
      next.format,
      next.kdf,
      next.params.logN,
      next.params.r,
      next.params.p,
      next.salt,
      next.wrapped,
      previous.wrapped,
    );
    return result.changes === 1;
  }

  /** The name this vault's owner goes by (shown to friends they pair with from now on, and kept in backups). */
  setIdentityName(name: string): void {
    prepared(this.db, 'UPDATE identity SET name = ? WHERE id = 1').run(name);
  }

  setProtectedKey(value: ProtectedKey | null): void {
    prepared(this.db, 'UPDATE vault SET protector_name = ?, protected_key = ? WHERE id = 1').run(
      value?.name ?? null,
      value?.bytes ?? null,
    );
  }

  insertIdentity(identity: PublicIdentity, sealedSecrets: Buffer, now: number): void {
    prepared(
      this.db,
      `INSERT INTO identity (id, name, peer_id, fingerprint, sign_public, box_public, box_signature,
           sealed_secrets, created_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      identity.name,
      identity.peerId,
      identity.fingerprint,
      identity.signPublic,
      identity.boxPublic,
      identity.boxSignature,
      sealedSecrets,
      now,
    );
  }

  identity(): { identity: PublicIdentity; sealedSecrets: Buffer } | null {
    const row = prepared(this.db, 'SELECT * FROM identity WHERE id = 1').get() as IdentityRow | undefined;
    if (!row) return null;
    return {
      identity: {
        name: row.name,
        peerId: row.peer_id,
        fingerprint: row.fingerprint,
        signPublic: new Uint8Array(row.sign_public),
        boxPublic: new Uint8Array(row.box_public),
        boxSignature: new Uint8Array(row.box_signature),
      },
      sealedSecrets: row.sealed_secrets,
    };
  }

  /**
   * Deletes the vault key's wrap, the identity row, the items and their attachments (a forgotten vault replaced by
   * a restore, inside the restore's transaction; secure_delete zeroes the cells).
   */
  deleteVault(): void {
    this.db.exec(
      'DELETE FROM item_history; DELETE FROM attachments; DELETE FROM items; DELETE FROM identity; DELETE FROM vault;',
    );
  }
}
