import { OpenFailedError, open, rowAd, seal } from './aead.ts';
import { VaultDataCorruptError } from './errors.ts';

/**
 * The unlocked vault key. Other services seal and open their rows through it; it is wiped on lock, after which
 * every call throws.
 */
export class VaultSession {
  private readonly key: Buffer;
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

  /** The raw vault key, for re-wrapping it only. */
  exposeKeyForWrapping(): Buffer {
    return this.liveKey();
  }

  wipe(): void {
    this.key.fill(0);
    this.wiped = true;
  }
}
