/**
 * A worker's periodic duties, each on its own `Ticker`: the heartbeat (extends the leases of
 * running jobs and of finished ones still waiting to be recorded, and refreshes the worker
 * row), the cancellation check, and the rescue of jobs whose worker died.
 */
import type { JobRef, Store } from '../store/contract.js';
import type { WorkerInfo } from '../core/types.js';
import type { Attempt } from './attempt.js';
import type { ResolvedWorkerOptions } from './options.js';
import { Ticker } from './ticker.js';

export interface DutyHost {
  readonly store: Store;
  readonly options: ResolvedWorkerOptions;
  /** Attempts running now, by job id. */
  readonly running: ReadonlyMap<string, Attempt>;
  /** Finished attempts whose result is not written yet. */
  waitingRefs(): JobRef[];
  info(): WorkerInfo;
  storeOk(): void;
  storeError(err: unknown, during: string): void;
  rescued(count: { rescued: number; failed: number; cancelled: number }): void;
}

export class Duties {
  private readonly tickers: Ticker[];

  constructor(private readonly host: DutyHost) {
    const { options } = host;
    const onError = (during: string) => (err: unknown) => host.storeError(err, during);
    this.tickers = [
      new Ticker(options.heartbeatMs, () => this.heartbeat(), onError('heartbeat')),
      new Ticker(options.cancelCheckMs, () => this.checkCancellations(), onError('cancel check')),
      new Ticker(options.rescueMs, () => this.rescue(), onError('rescue')),
    ];
  }

  start(): void {
    this.tickers.forEach((ticker, index) => ticker.start({ immediately: index === 2 }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.tickers.map((ticker) => ticker.stop()));
  }

  private async heartbeat(): Promise<void> {
    const { store, options, running } = this.host;
    const sent = new Map<string, number>();
    for (const { job } of running.values()) sent.set(job.id, job.attempt);
    for (const { id, attempt } of this.host.waitingRefs()) sent.set(id, attempt);
    if (sent.size > 0) {
      const jobs = [...sent].map(([id, attempt]) => ({ id, attempt }));
      const { lost, cancelRequested } = await store.jobHeartbeat({ workerId: options.name, jobs, leaseMs: options.leaseMs });
      // Only the attempt the heartbeat was about: the job may have been retried and claimed
      // again by this worker while the call was under way.
      const current = (id: string) => {
        const attempt = running.get(id);
        return attempt && attempt.job.attempt === sent.get(id) ? attempt : undefined;
      };
      for (const id of lost) current(id)?.abort('lost');
      for (const id of cancelRequested) current(id)?.abort('cancel');
    }
    await store.workerHeartbeat({ worker: this.host.info() });
    this.host.storeOk();
  }

  private async checkCancellations(): Promise<void> {
    const { store, options, running } = this.host;
    if (running.size === 0) return;
    for (const id of await store.jobCancelRequested({ workerId: options.name })) running.get(id)?.abort('cancel');
  }

  private async rescue(): Promise<void> {
    const { rescued, failed, cancelled } = await this.host.store.jobRescueExpired();
    if (rescued.length + failed.length + cancelled.length > 0) {
      this.host.rescued({ rescued: rescued.length, failed: failed.length, cancelled: cancelled.length });
    }
  }
}
