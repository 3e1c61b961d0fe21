/**
 * Writes attempt results in batches. Finishes that arrive while a write is under way are
 * gathered and written together by the next one, so under load one statement records many
 * jobs and an idle worker still records a job as soon as it ends (no timer to wait for).
 * When the store is unavailable, the batch is kept and retried with backoff: a job that
 * finished while the database was away is recorded once it is back.
 */
import type { Logger } from '../core/logger.js';
import { backoffDelay } from '../core/retry.js';
import type { JobFinish } from '../core/types.js';
import type { Store } from '../store/contract.js';
import { sleep } from './wakeup.js';

/** Most finishes written by one statement. */
const MAX_BATCH = 500;
const RETRY = { baseMs: 200, capMs: 5_000 };

export class Completer {
  private queue: JobFinish[] = [];
  private flushing: Promise<void> | null = null;
  private failures = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly onWritten: (finishes: JobFinish[], applied: Set<string>) => void,
  ) {}

  /** Jobs whose finish is waiting to be written (their leases must still be extended). */
  get waiting(): JobFinish[] {
    return this.queue;
  }

  add(finish: JobFinish): void {
    this.queue.push(finish);
    this.flushing ??= this.flushLoop();
  }

  /** Resolves when everything added so far is written (retrying while the store is away). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, MAX_BATCH);
        try {
          const { applied } = await this.store.jobFinishMany({ finishes: batch });
          this.queue = this.queue.slice(batch.length);
          if (this.failures > 0) this.logger.info({ pending: this.queue.length }, 'store reachable again; results recorded');
          this.failures = 0;
          this.onWritten(batch, new Set(applied));
        } catch (err) {
          this.failures++;
          const delay = backoffDelay(this.failures, RETRY);
          if (this.failures === 1 || this.failures % 20 === 0) {
            this.logger.warn({ err: (err as Error).message, waiting: this.queue.length, retryInMs: delay }, 'could not record job results; retrying');
          }
          await sleep(delay);
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
