/** Calls `onIdle` once `ms` pass without `touch()`. Never keeps the process alive. */
export class IdleTimer {
  private timer: NodeJS.Timeout | null = null;
  private ms = 0;
  private readonly onIdle: () => void;

  constructor(onIdle: () => void) {
    this.onIdle = onIdle;
  }

  start(ms: number): void {
    this.ms = ms;
    this.touch();
  }

  /** Restarts the countdown if it is running. */
  touch(): void {
    if (this.ms <= 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stop();
      this.onIdle();
    }, this.ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ms = 0;
  }
}
