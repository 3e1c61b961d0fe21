/**
 * Retention: while its process leads the `maintenance` role, the pruner deletes finished
 * jobs (succeeded, failed, cancelled), fire-ledger rows, audit entries and ended workflow runs
 * older than the retention age, and emitted events past their expiry, every prune interval,
 * in bounded batches so one tick never holds the database for long.
 * Pending and running jobs are never pruned. Only the leader prunes: pruning twice at once
 * is harmless but wasteful.
 */
import { DEFAULTS } from '../core/defaults.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/contract.js';
import { Service } from '../services/service.js';
import { Ticker } from '../services/ticker.js';
import type { Elector } from './elector.js';

type PruneCounts = Awaited<ReturnType<Store['jobPrune']>>;
const PRUNED = ['jobs', 'fires', 'audit', 'runs', 'events'] as const;

/** Rows one `jobPrune` call deletes at most (of each kind: jobs, ledger rows, audit entries, runs, events). */
const PRUNE_BATCH = 1_000;
/** Batches one tick deletes at most; the rest waits for the next tick. */
const MAX_BATCHES_PER_TICK = 20;

export interface PrunerOptions {
  store: Store;
  elector: Elector;
  /** Finished jobs, ledger rows and audit entries older than this are deleted. @defaultValue 7 days */
  ageMs?: number;
  /** Time between prunes. @defaultValue 1 minute */
  intervalMs?: number;
  logger: Logger;
  onError(err: unknown): void;
}

/** Deletes old finished jobs, ledger rows, audit entries, ended runs and expired events while leader. */
export class Pruner extends Service {
  private readonly ticker: Ticker;
  readonly ageMs: number;

  constructor(private readonly options: PrunerOptions) {
    super();
    this.ageMs = options.ageMs ?? DEFAULTS.schedules.pruneAgeMs;
    this.ticker = new Ticker(options.intervalMs ?? DEFAULTS.schedules.pruneIntervalMs, async () => void (await this.tick()), options.onError);
  }

  protected async onStart(): Promise<void> {
    this.ticker.start();
  }

  protected async onStop(): Promise<void> {
    await this.ticker.stop();
  }

  /** Prunes now if leader; returns what was deleted. */
  async tick(): Promise<PruneCounts> {
    const total: PruneCounts = { jobs: 0, fires: 0, audit: 0, runs: 0, events: 0 };
    for (let batch = 0; batch < MAX_BATCHES_PER_TICK; batch++) {
      if (!this.options.elector.isLeader || this.stopSignal.aborted) break;
      const counts = await this.options.store.jobPrune({ olderThanMs: this.ageMs, limit: PRUNE_BATCH });
      for (const kind of PRUNED) total[kind] += counts[kind];
      if (PRUNED.every((kind) => counts[kind] < PRUNE_BATCH)) break;
    }
    if (PRUNED.some((kind) => total[kind] > 0)) this.options.logger.info({ ...total, olderThanMs: this.ageMs }, 'pruned finished jobs, fire records, audit entries, workflow runs and expired events');
    return total;
  }
}
