/**
 * Encoded `chunks` frames, shared by the pushes that run at the same time. After a re-share every custodian needs
 * every chunk, in manifest order, so each push cuts the same frames; encoding each frame once rather than once per
 * custodian saves the owner a copy of the whole backup per custodian. A chunk id always names the same bytes (ids
 * are keyed hashes of the content, the encryption deterministic), so a frame is found by its ids alone.
 *
 * Holds at most `maxBytes`, oldest out first: a push that falls further behind than that encodes its own frames.
 */
export class SharedFrames {
  private readonly frames = new Map<string, Uint8Array>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The frame carrying these chunks (hex ids, in order): kept from another push, or `encode()`d now and kept. */
  frame(ids: readonly string[], encode: () => Uint8Array): Uint8Array {
    const key = ids.join('');
    const kept = this.frames.get(key);
    if (kept) return kept;
    const bytes = encode();
    if (bytes.length > this.maxBytes) return bytes;
    this.frames.set(key, bytes);
    this.bytes += bytes.length;
    for (const [oldest, frame] of this.frames) {
      if (this.bytes <= this.maxBytes) break;
      this.frames.delete(oldest);
      this.bytes -= frame.length;
    }
    return bytes;
  }

  clear(): void {
    this.frames.clear();
    this.bytes = 0;
  }
}
