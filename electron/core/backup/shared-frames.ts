/**
 * Encoded `chunks` frames, shared by the pushes that run at the same time. After a first backup or a re-share every
 * custodian needs every chunk, in manifest order, so each push cuts the same frames; encoding each frame once rather
 * than once per custodian saves the owner a copy of the whole backup per custodian. A chunk id always names the same
 * bytes (ids are keyed hashes of the content, the encryption deterministic), so a frame is found by its ids alone.
 *
 * A frame made while pushes are registered (`join`) is let go once each of them has taken it, so what is kept is
 * the distance between the fastest push and the slowest, not the backup; it holds at most `maxBytes`, oldest out
 * first: a push that falls further behind than that encodes its own frames.
 */
export class SharedFrames {
  private readonly frames = new Map<string, { bytes: Uint8Array; left: number }>();
  private bytes = 0;
  private readonly maxBytes: number;
  private pushes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** A push starts: frames made from now on wait for it too. Returns what ends its registration. */
  join(): () => void {
    this.pushes++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.pushes--;
    };
  }

  /** The frame carrying these chunks (hex ids, in order): kept from another push, or `encode()`d now and kept. */
  frame(ids: readonly string[], encode: () => Uint8Array): Uint8Array {
    const key = ids.join('');
    const kept = this.frames.get(key);
    if (kept) {
      // Every push that was running when it was made has taken it: no one else is expected to.
      if (--kept.left === 0) this.forget(key, kept.bytes);
      return kept.bytes;
    }
    const bytes = encode();
    // Without registered pushes nobody says how many will come: kept until pushed out or cleared.
    const left = this.pushes > 0 ? this.pushes - 1 : Infinity;
    if (left === 0 || bytes.length > this.maxBytes) return bytes;
    this.frames.set(key, { bytes, left });
    this.bytes += bytes.length;
    for (const [oldest, frame] of this.frames) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(oldest, frame.bytes);
    }
    return bytes;
  }

  private forget(key: string, bytes: Uint8Array): void {
    this.frames.delete(key);
    this.bytes -= bytes.length;
  }

  clear(): void {
    this.frames.clear();
    this.bytes = 0;
  }
}
