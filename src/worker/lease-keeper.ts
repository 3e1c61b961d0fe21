/**
 * The lease keeper: keeps what this worker holds. Every `heartbeatMs` it extends the leases
 * of the jobs it holds (attempts running, attempts whose handler still runs after an abort,
 * finishes waiting to be written) and refreshes the worker row; every `cancelCheckMs` it
 * looks for cancellations requested for its running jobs. What the store answers (a lease
 * lost, a cancellation requested) goes to the executor.
 *
 * A worker that holds nothing refreshes its row only every `idleBeatMs`, and the row it writes
 * then says so (its liveness is two idle beats and a second), so an idle worker costs the
 * database one statement per idle beat. The first beat after it held its last job is written
 * at once, so no row written with the short liveness of a busy worker is left to lapse.
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
  /** How often the worker row is refreshed while nothing is held; at least `heartbeatMs`. */
  idleBeatMs: number;
  cancelCheckMs: number;
  holder: LeaseHolder;
  /** The worker row to write, its liveness fitted to the next beat coming within `beatMs`. */
  info(beatMs: number): WorkerInfo;
  onOk(): void;
  onError(err: unknown, during: string): void;
}

/** Heartbeats the held leases and the worker row, and checks for cancellations. */
export class LeaseKeeper extends Service {
  private readonly heartbeats: Ticker;
  private readonly cancelChecks: Ticker;
  /** When the worker row was last written, and whether it was written while nothing was held. */
  private rowWrittenAt = -Infinity;
  private rowIdle = false;

  constructor(private readonly options: LeaseKeeperOptions) {
    super();
    this.heartbeats = new Ticker(options.heartbeatMs, () => this.heartbeat({ idleSkips: true }), (err) => {
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

  /**
   * One heartbeat: the held leases, then the worker row. Throws when the store is away. With
   * `idleSkips` (the periodic beat), a worker that holds nothing and wrote its idle row less
   * than an idle beat ago writes nothing; otherwise the store is always asked (catching up
   * after an outage must learn whether it is back).
   */
  async heartbeat({ idleSkips = false } = {}): Promise<void> {
    const { store, workerId, leaseMs, holder, heartbeatMs, idleBeatMs } = this.options;
    const sent = this.latestAttempts();
    const idle = sent.size === 0 && holder.runningCount === 0;
    // Half a beat early: the tick that lands nearest the idle beat writes, not the one after.
    if (idleSkips && idle && this.rowIdle && Date.now() - this.rowWrittenAt < idleBeatMs - heartbeatMs / 2) return;
    if (sent.size > 0) {
      const { lost, cancelRequested } = await store.jobHeartbeat({ workerId, jobs: [...sent.values()], leaseMs });
      // Named with the attempt the heartbeat was about: the job may have been retried and
      // claimed again by this worker while the call was under way.
      for (const id of lost) holder.lost(sent.get(id)!);
      for (const id of cancelRequested) holder.cancelRequested(sent.get(id)!);
    }
    await store.workerHeartbeat({ worker: this.options.info(idle ? idleBeatMs : heartbeatMs) });
    this.rowWrittenAt = Date.now();
    this.rowIdle = idle;
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
