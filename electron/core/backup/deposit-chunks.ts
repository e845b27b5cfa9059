import type { PackDirectory, PackWriter } from './held-packs.ts';

/**
 * A deposit of this many chunk bytes or more goes into a pack file (held-packs.ts); a smaller one (most updates
 * are a few chunks) into SQLite rows with the version. Until then the chunks wait in memory.
 */
export const PACK_THRESHOLD_BYTES = 1024 * 1024;

export interface PackedChunk {
  offset: number;
  length: number;
}

/**
 * The verified chunks of one deposit, kept until the commit that records the version (CustodianStore.commitHolding):
 * in memory while they are under PACK_THRESHOLD_BYTES, then written to a new pack file as they arrive, so a large
 * deposit is not held in memory. persist() makes the pack durable before the commit names it; discard() deletes it
 * if the deposit does not commit.
 */
export class DepositChunks {
  private readonly packs: PackDirectory;
  private readonly ids = new Set<string>();
  private waiting: { id: string; data: Uint8Array }[] = [];
  private waitingBytes = 0;
  private writer: PackWriter | null = null;
  private persisted = false;
  private committed = false;
  /** Chunks in the pack file, by hex id. */
  readonly packed = new Map<string, PackedChunk>();

  constructor(packs: PackDirectory) {
    this.packs = packs;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The hex ids of every chunk kept. */
  chunkIds(): Iterable<string> {
    return this.ids;
  }

  /** Keeps verified chunks (hex ids). */
  add(chunks: { id: string; data: Uint8Array }[]): void {
    if (this.persisted) throw new Error('This deposit is already persisted.');
    for (const c of chunks) {
      this.ids.add(c.id);
      this.waiting.push(c);
      this.waitingBytes += c.data.length;
    }
    if (this.writer || this.waitingBytes >= PACK_THRESHOLD_BYTES) this.writeWaiting();
  }

  private writeWaiting(): void {
    if (this.waiting.length === 0) return;
    this.writer ??= this.packs.create();
    let at = this.writer.append(this.waiting.map((c) => c.data));
    for (const c of this.waiting) {
      this.packed.set(c.id, { offset: at, length: c.data.length });
      at += c.data.length;
    }
    this.waiting = [];
    this.waitingBytes = 0;
  }

  /** Makes the pack (if any) durable; call before the commit. */
  async persist(): Promise<void> {
    if (this.persisted) return;
    await this.writer?.persist();
    this.persisted = true;
  }

  /** persist(), blocking (for small deposits outside a conversation: parcels, compaction). */
  persistNow(): void {
    if (this.persisted) return;
    this.writer?.persistNow();
    this.persisted = true;
  }

  /** The pack file and its size once persisted, or null when every chunk goes into SQLite rows. */
  pack(): { id: string; bytes: number } | null {
    if (!this.persisted) throw new Error('Persist the deposit before committing it.');
    return this.writer ? { id: this.writer.id, bytes: this.writer.size } : null;
  }

  /** The chunks that go into SQLite rows (those not in the pack). */
  inline(): readonly { id: string; data: Uint8Array }[] {
    return this.waiting;
  }

  /** The commit that names the pack is done: discard() keeps it from now on. */
  markCommitted(): void {
    this.committed = true;
  }

  /** Deletes the pack file unless the deposit committed. */
  discard(): void {
    if (this.committed) return;
    this.writer?.discard();
    this.writer = null;
  }
}
