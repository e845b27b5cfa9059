import { OpenFailedError, open, rowAd, seal } from './aead.ts';
import { VaultDataCorruptError } from './errors.ts';

/**
 * The unlocked vault key. Other services seal and open their rows through it; it is wiped on lock, after which
 * every call throws.
 */
export class VaultSession {
  private key: Buffer;
  private wiped = false;

  constructor(key: Buffer) {
    this.key = key;
  }

  get active(): boolean {
    return !this.wiped;
  }

  private liveKey(): Buffer {
    if (this.wiped) throw new Error('This vault session was locked.');
    return this.key;
  }

  /** Encrypts `plaintext` for row `id` of `table` (the pair is the associated data). */
  sealRow(table: string, id: string, plaintext: Uint8Array): Buffer {
    return seal(this.liveKey(), plaintext, rowAd(table, id));
  }

  /** Decrypts a row sealed by `sealRow` for the same table and id; throws VaultDataCorruptError otherwise. */
  openRow(table: string, id: string, sealed: Uint8Array): Buffer {
    try {
      return open(this.liveKey(), sealed, rowAd(table, id));
    } catch (err) {
      if (err instanceof OpenFailedError) throw new VaultDataCorruptError(`${table} row ${id}`);
      throw err;
    }
  }

  /**
   * After a re-key has committed (docs/STORAGE.md, "Changing the passphrase"): the session goes on with `next`, and
   * the old key's bytes are wiped. Services holding this session keep working, now under the key the rows are
   * sealed with; nothing can still seal under the old key once this returns.
   */
  replaceKey(next: Buffer): void {
    const old = this.liveKey();
    if (next.length !== old.length)
      throw new Error('A replacement vault key must be as long as the old one.');
    this.key = next;
    old.fill(0);
  }

  /** The raw vault key, for re-wrapping it only. */
  exposeKeyForWrapping(): Buffer {
    return this.liveKey();
  }

  wipe(): void {
    this.key.fill(0);
    this.wiped = true;
  }
}
