/**
 * Runs an async function every `intervalMs`, never overlapping itself, until stopped.
 * Failures are handed to `onError` and the ticker carries on: a periodic duty (heartbeat,
 * rescue) must survive a database that is briefly away.
 */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(options: { immediately?: boolean } = {}): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(options.immediately ? 0 : this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.execute().then(() => this.schedule(this.intervalMs));
    }, ms);
    this.timer.unref?.();
  }

  private async execute(): Promise<void> {
    this.running = (async () => {
      try {
        await this.tick();
      } catch (err) {
        this.onError(err);
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }
}
