/**
 * The lease keeper: keeps what this worker holds. Every `heartbeatMs` it extends the leases
 * of the jobs it holds (attempts running, attempts whose handler still runs after an abort,
 * finishes waiting to be written) and refreshes the worker row; every `cancelCheckMs` it
 * looks for cancellations requested for its running jobs. What the store answers (a lease
 * lost, a cancellation requested) goes to the executor.
 *
 * A heartbeat that fails is retried within a second, not a whole interval later: after the
 * database comes back, the worker's leases must be renewed before a rescuer would take its
 * jobs away (the rescuer waits a full lease after any gap; see maintenance/rescuer.ts).
 */
import type { WorkerInfo } from '../core/types.js';
import type { JobRef, Store } from '../store/contract.js';
import { Service } from '../services/service.js';
import { Ticker } from '../services/ticker.js';

/** Longest wait before retrying a failed heartbeat. */
const RETRY_MS = 1_000;

export interface LeaseHolder {
  /** Every job held now, with the attempt held. */
  held(): JobRef[];
  /** Attempts running now (the cancellation check skips its query when there are none). */
  readonly runningCount: number;
  /** The store no longer gives this worker the attempt. */
  lost(ref: JobRef): void;
  /** Someone asked to cancel the held attempt. */
  cancelRequested(ref: JobRef): void;
}

export interface LeaseKeeperOptions {
  store: Store;
  workerId: string;
  leaseMs: number;
  heartbeatMs: number;
  cancelCheckMs: number;
  holder: LeaseHolder;
  info(): WorkerInfo;
  onOk(): void;
  onError(err: unknown, during: string): void;
}

/** Heartbeats the held leases and the worker row, and checks for cancellations. */
export class LeaseKeeper extends Service {
  private readonly heartbeats: Ticker;
  private readonly cancelChecks: Ticker;

  constructor(private readonly options: LeaseKeeperOptions) {
    super();
    this.heartbeats = new Ticker(options.heartbeatMs, () => this.heartbeat(), (err) => {
      options.onError(err, 'heartbeat');
      this.heartbeats.runSoon(Math.min(RETRY_MS, options.heartbeatMs));
    });
    this.cancelChecks = new Ticker(options.cancelCheckMs, () => this.checkCancellations(), (err) => options.onError(err, 'cancel check'));
  }

  protected async onStart(): Promise<void> {
    this.heartbeats.start();
    this.cancelChecks.start();
  }

  protected async onStop(): Promise<void> {
    await Promise.all([this.heartbeats.stop(), this.cancelChecks.stop()]);
  }

  /** One heartbeat: the held leases, then the worker row. Throws when the store is away. */
  async heartbeat(): Promise<void> {
    const { store, workerId, leaseMs, holder } = this.options;
    const sent = this.latestAttempts();
    if (sent.size > 0) {
      const { lost, cancelRequested } = await store.jobHeartbeat({ workerId, jobs: [...sent.values()], leaseMs });
      // Named with the attempt the heartbeat was about: the job may have been retried and
      // claimed again by this worker while the call was under way.
      for (const id of lost) holder.lost(sent.get(id)!);
      for (const id of cancelRequested) holder.cancelRequested(sent.get(id)!);
    }
    await store.workerHeartbeat({ worker: this.options.info() });
    this.options.onOk();
  }

  /**
   * The latest held attempt of each job. An older attempt of a job this worker claimed again
   * (its lease had been taken away meanwhile) is lost for certain: it is reported at once,
   * since the store answers by job id and could not tell the two apart.
   */
  private latestAttempts(): Map<string, JobRef> {
    const latest = new Map<string, JobRef>();
    const older: JobRef[] = [];
    for (const ref of this.options.holder.held()) {
      const seen = latest.get(ref.id);
      if (seen && seen.attempt >= ref.attempt) {
        if (seen.attempt > ref.attempt) older.push(ref);
        continue;
      }
      if (seen) older.push(seen);
      latest.set(ref.id, ref);
    }
    for (const ref of older) this.options.holder.lost(ref);
    return latest;
  }

  private async checkCancellations(): Promise<void> {
    const { store, workerId, holder } = this.options;
    if (holder.runningCount === 0) return;
    const latest = this.latestAttempts();
    for (const id of await store.jobCancelRequested({ workerId })) {
      const ref = latest.get(id);
      if (ref) holder.cancelRequested(ref);
    }
  }
}
