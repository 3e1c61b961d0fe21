/**
 * How the worker's store calls are going, in one place: failures are published as
 * `store:error` and logged once, then every twentieth time (a database away for a minute
 * must not flood the log); the first success after failures is logged and reported, so
 * kept results can be written at once; and a `StoreLostError` (the database is gone for
 * good) is logged as one clear error and handed to `onLost`, once.
 */
import { StoreLostError } from '../core/errors.js';
import type { EventBus, OrdoEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';

/** Store failures in a row between two repeated warnings. */
const WARN_EVERY = 20;

/** Counts, logs and publishes store failures; reports the way back and a lost database. */
export class StoreHealth {
  private failures = 0;
  /** The error that ended the worker's use of the store, if any. */
  lostWith: StoreLostError | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly events: EventBus<OrdoEvents>,
    private readonly handlers: { onBack(): void; onLost(err: StoreLostError): void },
  ) {}

  error(err: unknown, during: string): void {
    this.events.emit('store:error', err, during);
    if (err instanceof StoreLostError) return this.lost(err);
    this.failures++;
    if (this.failures === 1 || this.failures % WARN_EVERY === 0) {
      this.logger.warn({ during, failures: this.failures, err: (err as Error)?.message ?? String(err) }, 'database unavailable; backing off and retrying');
    }
  }

  ok(): void {
    if (this.failures === 0) return;
    this.logger.info({ after: this.failures }, 'database reachable again');
    this.failures = 0;
    this.handlers.onBack();
  }

  private lost(err: StoreLostError): void {
    if (this.lostWith) return;
    this.lostWith = err;
    this.logger.error({ err: err.message }, 'the database is gone; stopping the worker');
    this.handlers.onLost(err);
  }
}
