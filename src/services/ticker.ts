/**
 * Runs an async function every `intervalMs`, never overlapping itself, until stopped.
 * Failures are handed to `onError` and the ticker carries on: a periodic duty (heartbeat,
 * election, rescue) must survive a database that is briefly away. Each tick is told how
 * late its timer fired, so a duty can notice that the process was frozen (a blocked event
 * loop, a suspended machine) and be careful afterwards.
 */
export type Tick = (lateMs: number) => Promise<void>;

/** A periodic duty that never overlaps itself and survives its failures. */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private dueAt = 0;
  /** Delay of the next tick when `runSoon` was asked during a tick. */
  private soon: number | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: Tick,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(options: { immediately?: boolean } = {}): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(options.immediately ? 0 : this.intervalMs);
  }

  /** Runs the next tick after `delayMs` (counted from the end of the current tick, if any). */
  runSoon(delayMs = 0): void {
    if (this.stopped) return;
    if (this.running) {
      this.soon = Math.min(this.soon ?? delayMs, delayMs);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      const lateMs = Math.max(0, Date.now() - this.dueAt);
      void this.execute(lateMs).then(() => {
        const next = this.soon ?? this.intervalMs;
        this.soon = null;
        if (!this.timer) this.schedule(next);
      });
    }, ms);
    this.timer.unref?.();
  }

  private async execute(lateMs: number): Promise<void> {
    this.running = (async () => {
      try {
        await this.tick(lateMs);
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
