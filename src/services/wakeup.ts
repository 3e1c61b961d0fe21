/**
 * A reusable wake-up signal: `wait(ms)` resolves after `ms`, or as soon as `wake()` is called.
 * A wake that arrives while nobody waits is remembered, so no signal is lost between checks.
 */
export class Wakeup {
  private pending = false;
  private resolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  wake(): void {
    if (this.resolve) this.finish();
    else this.pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.finish(), Math.max(0, ms));
    });
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    const resolve = this.resolve;
    this.resolve = null;
    this.timer = null;
    this.pending = false;
    resolve?.();
  }
}
