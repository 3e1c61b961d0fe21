/**
 * The worker: claims due jobs up to its free slots, runs each as an `Attempt`, and hands
 * results to the `Completer`. Tickers keep leases alive (heartbeat), notice cancellations,
 * and recover jobs of dead workers (rescue). `stop()` stops claiming, lets running jobs end
 * within the grace period, then aborts and releases the rest: none is lost.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { createLogger, type Logger } from '../core/logger.js';
import { backoffDelay } from '../core/retry.js';
import type { JobFinish, JobRecord, WorkerInfo } from '../core/types.js';
import type { Store } from '../store/contract.js';
import { openStore } from '../store/open.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { resolveTaskSource } from '../tasks/source.js';
import { resolveDatabase } from '../client/ordo.js';
import { Attempt } from './attempt.js';
import { Completer } from './completer.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { ProgressWriter } from './progress.js';
import { Ticker } from './ticker.js';
import { sleep, Wakeup } from './wakeup.js';

/** Events a worker emits; tests and metrics listen to them instead of polling. */
export interface WorkerEvents {
  'job:start': [job: JobRecord];
  /** The attempt's result was written (`applied: false` if its lease had been lost meanwhile). */
  'job:finish': [finish: JobFinish, applied: boolean];
  'job:lost': [job: JobRecord];
  'store:error': [error: unknown, during: string];
}

type State = 'idle' | 'running' | 'stopping' | 'stopped';

/** How long `stop()` keeps retrying to record results while the database is away. */
const DRAIN_LIMIT_MS = 30_000;
const MIN_IDLE_WAIT_MS = 10;

export class Worker extends EventEmitter<WorkerEvents> {
  readonly options: ResolvedWorkerOptions;
  private readonly logger: Logger;
  private readonly running = new Map<string, Attempt>();
  private readonly wakeup = new Wakeup();
  private state: State = 'idle';
  private store!: Store;
  private tasks!: TaskRegistry;
  private completer!: Completer;
  private progress!: ProgressWriter;
  private tickers: Ticker[] = [];
  private loop: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private unsubscribe: () => void = () => {};
  private failures = 0;
  private readonly startedAt = new Date();

  constructor(options: WorkerOptions) {
    super();
    this.options = resolveWorkerOptions(options);
    this.logger = (this.options.logger ?? createLogger()).child({ worker: this.options.name });
  }

  get name(): string {
    return this.options.name;
  }

  /** Jobs running now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Opens the store, loads the tasks and starts claiming. */
  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'running';
    try {
      await this.open();
    } catch (err) {
      this.state = 'idle';
      if (this.store && !this.options.store) await this.store.close();
      throw err;
    }
    this.logger.info({ queues: this.options.queues, concurrency: this.options.concurrency, tasks: this.tasks.size, engine: this.store.engine }, 'worker started');
    this.loop = this.claimLoop();
  }

  private async open(): Promise<void> {
    const { options } = this;
    this.tasks = await resolveTaskSource(options.tasks, { required: true });
    this.store = options.store ?? (await openStore(resolveDatabase(options.db), options.schema ? { schema: options.schema } : {}));
    this.completer = new Completer(this.store, this.logger, (finishes, applied) => this.written(finishes, applied));
    this.progress = new ProgressWriter(this.store, options.name, (err) => this.storeError(err, 'progress'));
    this.unsubscribe = this.store.onJobsAvailable((queue) => {
      if (options.queues.includes(queue)) this.wakeup.wake();
    });
    await this.store.workerHeartbeat({ worker: this.info() });
    this.tickers = [
      new Ticker(options.heartbeatMs, () => this.heartbeat(), (err) => this.storeError(err, 'heartbeat')),
      new Ticker(options.cancelCheckMs, () => this.checkCancellations(), (err) => this.storeError(err, 'cancel check')),
      new Ticker(options.rescueMs, () => this.rescue(), (err) => this.storeError(err, 'rescue')),
    ];
    for (const ticker of this.tickers) ticker.start({ immediately: ticker === this.tickers[2] });
  }

  /** Stops claiming, waits up to `graceMs` for running jobs, then aborts and releases them. */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopped') return Promise.resolve();
    this.stopping ??= this.shutdown(options.graceMs ?? this.options.shutdownGraceMs);
    return this.stopping;
  }

  private async claimLoop(): Promise<void> {
    const { options } = this;
    while (this.state === 'running') {
      const free = options.concurrency - this.running.size;
      if (free <= 0) {
        await this.wakeup.wait(options.pollMs);
        continue;
      }
      const limit = Math.min(free, options.claimBatch);
      try {
        const jobs = await this.store.jobClaim({ workerId: options.name, queues: options.queues, limit, leaseMs: options.leaseMs });
        this.storeOk();
        for (const job of jobs) void this.execute(job);
        if (jobs.length === limit || this.state !== 'running') continue;
        const dueIn = await this.store.jobNextDueIn({ queues: options.queues });
        // A floor when nothing was claimed: a job that fell due between the two calls waits
        // a few ms, and nothing can turn this loop into a hot spin against the database.
        const floor = jobs.length === 0 ? MIN_IDLE_WAIT_MS : 0;
        await this.wakeup.wait(Math.max(floor, dueIn === null ? options.pollMs : Math.min(dueIn, options.pollMs)));
      } catch (err) {
        this.storeError(err, 'claim');
        await this.wakeup.wait(backoffDelay(this.failures, { baseMs: 250, capMs: 10_000 }));
      }
    }
  }

  private async execute(job: JobRecord): Promise<void> {
    const attempt = new Attempt(job);
    this.running.set(job.id, attempt);
    this.emit('job:start', job);
    this.logger.debug({ jobId: job.id, task: job.task, attempt: job.attempt }, 'job started');
    let finish: JobFinish | null = null;
    try {
      finish = await attempt.run(this.tasks.get(job.task), {
        workerId: this.options.name,
        log: (j, message) => this.logger.info({ jobId: j.id, task: j.task }, message),
        progress: (j, percent) => this.progress.report(j, percent),
      });
    } catch (err) {
      // Attempt.run turns handler errors into finishes; reaching here is a bug of ours. The
      // job is left to its lease: the rescue sweep retries it.
      this.logger.error({ jobId: job.id, err: (err as Error)?.stack ?? String(err) }, 'internal error while running a job');
    }
    this.running.delete(job.id);
    this.progress.forget(job.id);
    if (finish) this.completer.add(finish);
    else if (attempt.reason === 'lost') {
      this.logger.warn({ jobId: job.id, task: job.task }, 'lease lost (another worker took the job over); result discarded');
      this.emit('job:lost', job);
    }
    this.wakeup.wake();
  }

  private written(finishes: JobFinish[], applied: Set<string>): void {
    for (const finish of finishes) {
      const ok = applied.has(finish.id);
      if (!ok) this.logger.warn({ jobId: finish.id, attempt: finish.attempt }, 'result not recorded: the lease had expired and the job was taken over');
      else if (finish.outcome !== 'succeeded' && finish.outcome !== 'released') {
        this.logger.info({ jobId: finish.id, outcome: finish.outcome, next: finish.state, error: finish.error?.message }, 'attempt ended');
      }
      this.emit('job:finish', finish, ok);
    }
  }

  private async heartbeat(): Promise<void> {
    const refs = [...this.running.values()].map(({ job }) => ({ id: job.id, attempt: job.attempt }));
    refs.push(...this.completer.waiting.map(({ id, attempt }) => ({ id, attempt })));
    if (refs.length > 0) {
      const { lost, cancelRequested } = await this.store.jobHeartbeat({ workerId: this.options.name, jobs: refs, leaseMs: this.options.leaseMs });
      for (const id of lost) this.running.get(id)?.abort('lost');
      for (const id of cancelRequested) this.running.get(id)?.abort('cancel');
    }
    await this.store.workerHeartbeat({ worker: this.info() });
    this.storeOk();
  }

  private async checkCancellations(): Promise<void> {
    if (this.running.size === 0) return;
    for (const id of await this.store.jobCancelRequested({ workerId: this.options.name })) this.running.get(id)?.abort('cancel');
  }

  private async rescue(): Promise<void> {
    const { rescued, failed } = await this.store.jobRescueExpired();
    if (rescued.length + failed.length === 0) return;
    this.logger.warn({ rescued: rescued.length, failed: failed.length }, 'recovered jobs whose worker stopped heartbeating');
    this.wakeup.wake();
  }

  private storeError(err: unknown, during: string): void {
    this.failures++;
    this.emit('store:error', err, during);
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.logger.warn({ during, failures: this.failures, err: (err as Error)?.message ?? String(err) }, 'database unavailable; backing off and retrying');
    }
  }

  private storeOk(): void {
    if (this.failures === 0) return;
    this.logger.info({ after: this.failures }, 'database reachable again');
    this.failures = 0;
  }

  private info(): WorkerInfo {
    const { name, queues, concurrency } = this.options;
    return { id: name, host: hostname(), pid: process.pid, queues, concurrency, running: this.running.size, startedAt: this.startedAt };
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.state = 'stopping';
    this.wakeup.wake();
    await this.loop;
    const deadline = Date.now() + graceMs;
    if (this.running.size > 0) this.logger.info({ running: this.running.size, graceMs }, 'stopping: waiting for running jobs');
    while (this.running.size > 0 && Date.now() < deadline) await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    if (this.running.size > 0) this.logger.warn({ released: this.running.size }, 'grace period over: aborting and releasing running jobs');
    for (const attempt of this.running.values()) attempt.abort('shutdown');
    while (this.running.size > 0) await sleep(5);
    await Promise.race([this.completer.drain(), sleep(DRAIN_LIMIT_MS)]);
    if (this.completer.waiting.length > 0) {
      this.logger.error({ unrecorded: this.completer.waiting.length }, 'could not record some results; those jobs will run again after their lease expires');
    }
    await Promise.all(this.tickers.map((ticker) => ticker.stop()));
    this.unsubscribe();
    await this.store.workerStopped({ id: this.options.name }).catch((err) => this.storeError(err, 'stop'));
    if (!this.options.store) await this.store.close();
    this.state = 'stopped';
    this.logger.info('worker stopped');
  }
}

/** Creates a worker that runs inside this process; call `start()` to begin. */
export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}
