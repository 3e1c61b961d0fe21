/**
 * Writes attempt results in batches. A flush waits one turn of the event loop before it
 * writes, and a batch still small waits a few milliseconds more, so finishes of jobs that end
 * together (and, under load, all that arrive while a write is under way) go out in one
 * statement; an idle worker records a job within those milliseconds. When the store is unavailable, the batch is kept and retried with backoff: a
 * job that finished while the database was away is recorded once it is back.
 */
import { StoreLostError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { backoffDelay } from '../core/retry.js';
import type { JobFinish, JobRecord } from '../core/types.js';
import type { Store } from '../store/contract.js';
import { Wakeup } from '../services/wakeup.js';

/** Most finishes written by one statement. */
const MAX_BATCH = 500;
/** A batch this large is written at once; a smaller one waits up to GATHER_MS for more. */
const FULL_BATCH = 200;
const GATHER_MS = 3;
const RETRY = { baseMs: 200, capMs: 5_000 };

/** A finish to write, with its job (for the log line about it: the trace id). */
export interface Finished {
  finish: JobFinish;
  job: JobRecord;
}

/** Writes finishes in batches, retrying with backoff while the store is away. */
export class Completer {
  private queue: Finished[] = [];
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private stopped = false;
  /** Interrupts the backoff sleep when the completer is stopped. */
  private readonly interrupt = new Wakeup();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly onWritten: (written: readonly Finished[], applied: Set<string>) => void,
    /** A failed write; a `StoreLostError` also stops the completer (retrying cannot help). */
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Jobs whose finish is waiting to be written (their leases must still be extended). */
  get waiting(): readonly Finished[] {
    return this.queue;
  }

  /** Cuts a backoff wait short: the store is known to be back. */
  retryNow(): void {
    if (this.failures > 0) this.interrupt.wake();
  }

  add(finish: JobFinish, job: JobRecord): void {
    if (this.stopped) return;
    this.queue.push({ finish, job });
    this.flushing ??= this.flushLoop();
  }

  /**
   * Waits until everything added so far is written, retrying while the store is away, for
   * at most `limitMs`; then stops for good and returns what could not be written.
   */
  async drain(limitMs: number): Promise<readonly Finished[]> {
    const deadline = new Wakeup();
    const drained = (async () => {
      while (this.flushing) await this.flushing;
      deadline.wake();
    })();
    await deadline.wait(limitMs);
    this.stopped = true;
    this.interrupt.wake();
    if (this.flushing) await this.flushing;
    await drained;
    const unwritten = this.queue;
    this.queue = [];
    return unwritten;
  }

  private async flushLoop(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve));
      // A small batch waits a millisecond for more: a write costs about the same for one
      // finish as for dozens (a transaction, a round trip), and a busy worker ends many per ms.
      if (this.queue.length < FULL_BATCH) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      while (this.queue.length > 0 && !this.stopped) await this.flushOnce();
    } finally {
      this.flushing = null;
    }
  }

  private async flushOnce(): Promise<void> {
    const batch = this.queue.slice(0, MAX_BATCH);
    try {
      const { applied } = await this.store.jobFinishMany({ finishes: batch.map((entry) => entry.finish) });
      this.queue = this.queue.slice(batch.length);
      if (this.failures > 0) this.logger.info({ waiting: this.queue.length }, 'store reachable again; results recorded');
      this.failures = 0;
      this.onWritten(batch, new Set(applied));
    } catch (err) {
      this.onError(err);
      if (err instanceof StoreLostError) {
        this.stopped = true;
        return;
      }
      this.failures++;
      const delay = backoffDelay(this.failures, RETRY);
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.logger.warn({ err: (err as Error).message, waiting: this.queue.length, retryInMs: delay }, 'could not record job results; retrying');
      }
      await this.interrupt.wait(delay);
    }
  }
}
