/**
 * Bounds the chunk bytes of deposits in progress: received and not yet committed (in memory while a deposit's are
 * under 1 MiB, then in its pack file: deposit-chunks.ts). A backup may be 128 MiB; when many friends push at once (a
 * custodian back online after a while, or restored on a new device, is sent everything it lacks by every owner at
 * the same moment) that would add up to gigabytes of disk written ahead of commits, and as many transfers at once.
 *
 * A deposit asks for the bytes it still needs before it asks the owner for them; it waits (in arrival order) while
 * others use the budget. One deposit alone always proceeds, however large.
 */
export class DepositBudget {
  readonly limitBytes: number;
  private usedBytes = 0;
  private running = 0;
  private readonly waiting: { bytes: number; start(): void }[] = [];

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  /** Bytes reserved by the deposits under way. */
  get used(): number {
    return this.usedBytes;
  }

  /** Deposits waiting for room. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Whether reserve(bytes) would wait now. */
  wouldWait(bytes: number): boolean {
    return this.waiting.length > 0 || !this.fits(bytes);
  }

  /** Resolves, once there is room, with the function that gives the bytes back (call it exactly once). */
  async reserve(bytes: number): Promise<() => void> {
    if (this.wouldWait(bytes)) {
      await new Promise<void>((start) => this.waiting.push({ bytes, start }));
    } else {
      this.take(bytes);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.usedBytes -= bytes;
      this.running -= 1;
      this.admit();
    };
  }

  private fits(bytes: number): boolean {
    return this.running === 0 || this.usedBytes + bytes <= this.limitBytes;
  }

  private take(bytes: number): void {
    this.usedBytes += bytes;
    this.running += 1;
  }

  /** Starts waiting deposits in order while the first one fits. */
  private admit(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const next = this.waiting.shift()!;
      this.take(next.bytes);
      next.start();
    }
  }
}

/** The budget of `mib` MiB (TESSERA_DEPOSIT_BUDGET_MIB in the core's configuration, 256 by default). */
export function depositBudgetOfMib(mib: number): DepositBudget {
  return new DepositBudget(mib * 1024 * 1024);
}
