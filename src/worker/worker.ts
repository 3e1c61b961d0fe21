/**
 * The worker: claims due jobs up to its free slots, runs each as an `Attempt`, and hands
 * results to the `Completer`; its `Duties` keep leases alive, notice cancellations and
 * recover jobs of dead workers. `stop()` stops claiming, lets running jobs end within the
 * grace period, then aborts and releases the rest: none is lost.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { createLogger, type Logger } from '../core/logger.js';
import { backoffDelay } from '../core/retry.js';
import { sleep } from '../core/sleep.js';
import type { JobFinish, JobRecord, WorkerInfo } from '../core/types.js';
import type { JobRef, Store } from '../store/contract.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { resolveTaskSource } from '../tasks/source.js';
import { openConfiguredStore } from '../store/open.js';
import { Attempt } from './attempt.js';
import { Completer } from './completer.js';
import { Duties } from './duties.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { ProgressWriter } from './progress.js';
import { Wakeup } from './wakeup.js';

/** Events a worker emits; tests and metrics listen to them instead of polling. */
export interface WorkerEvents {
  'job:start': [job: JobRecord];
  /** The attempt's result was written (`applied: false` if its lease had been lost meanwhile). */
  'job:finish': [finish: JobFinish, applied: boolean];
  'job:lost': [job: JobRecord];
  'store:error': [error: unknown, during: string];
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** How long `stop()` keeps retrying to record results while the database is away. */
const DRAIN_LIMIT_MS = 30_000;
/** Shortest idle wait after a claim that found nothing: the loop can never spin hot. */
const MIN_IDLE_WAIT_MS = 10;

export class Worker extends EventEmitter<WorkerEvents> {
  readonly options: ResolvedWorkerOptions;
  private readonly logger: Logger;
  private readonly running = new Map<string, Attempt>();
  /**
   * Handlers whose attempt ended (timeout, cancel, shutdown, lost lease) but which ignored
   * their abort signal and are still executing. They keep their slot until they return, so
   * `concurrency` bounds what really runs.
   */
  private readonly lingering = new Set<Attempt>();
  private readonly unknownTasks = new Set<string>();
  /** Wakes the claim loop: a slot freed, a job became available, or stop. */
  private readonly wakeup = new Wakeup();
  /** Wakes only on stop: backoff after store errors is not cut short by finishing jobs. */
  private readonly stopWake = new Wakeup();
  private state: State = 'idle';
  private store!: Store;
  private tasks!: TaskRegistry;
  private completer!: Completer;
  private progress!: ProgressWriter;
  private duties!: Duties;
  private starting: Promise<void> | null = null;
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

  /** Handlers executing now, counting those that ignored their abort signal and still run. */
  get runningCount(): number {
    return this.running.size + this.lingering.size;
  }

  /** Opens the store, loads the tasks and starts claiming. */
  start(): Promise<void> {
    if (this.state !== 'idle') return this.starting ?? Promise.resolve();
    this.state = 'starting';
    this.starting = this.open().then(
      () => {
        if (this.state !== 'starting') return; // stop() came first; shutdown tears down
        this.state = 'running';
        this.logger.info({ queues: this.options.queues, concurrency: this.options.concurrency, tasks: this.tasks.size, engine: this.store.engine }, 'worker started');
        this.loop = this.claimLoop();
      },
      async (err) => {
        this.state = 'idle';
        await this.closeStore();
        throw err;
      },
    );
    return this.starting;
  }

  /** Stops claiming, waits up to `graceMs` for running jobs, then aborts and releases them. */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopped') return Promise.resolve();
    this.stopping ??= this.shutdown(options.graceMs ?? this.options.shutdownGraceMs);
    return this.stopping;
  }

  private async open(): Promise<void> {
    const { options } = this;
    this.tasks = await resolveTaskSource(options.tasks, { required: true });
    this.store = options.store ?? (await openConfiguredStore(options));
    this.completer = new Completer(this.store, this.logger, (finishes, applied) => this.written(finishes, applied));
    this.progress = new ProgressWriter(this.store, options.name, (err) => this.storeError(err, 'progress'));
    this.duties = new Duties(this.dutyHost());
    this.unsubscribe = this.store.onJobsAvailable((queue) => {
      if (options.queues.includes(queue)) this.wakeup.wake();
    });
    await this.store.workerHeartbeat({ worker: this.info() });
    this.duties.start();
  }

  private async claimLoop(): Promise<void> {
    const { options } = this;
    while (this.state === 'running') {
      // Let every job that ends in this turn of the event loop free its slot first, so one
      // claim takes them all instead of one claim per finished job.
      if (this.running.size > 0) await new Promise((resolve) => setImmediate(resolve));
      const free = options.concurrency - this.running.size - this.lingering.size;
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
        const floor = jobs.length === 0 ? MIN_IDLE_WAIT_MS : 0;
        await this.wakeup.wait(Math.max(floor, dueIn === null ? options.pollMs : Math.min(dueIn, options.pollMs)));
      } catch (err) {
        this.storeError(err, 'claim');
        await this.stopWake.wait(backoffDelay(this.failures, { baseMs: 250, capMs: 10_000 }));
      }
    }
  }

  private async execute(job: JobRecord): Promise<void> {
    const attempt = new Attempt(job);
    this.running.set(job.id, attempt);
    let finish: JobFinish | null = null;
    try {
      this.notify('job:start', job);
      finish = await attempt.run(this.tasks.get(job.task), {
        workerId: this.options.name,
        log: (message) => this.logger.info({ jobId: job.id, task: job.task }, message),
        progress: (percent) => {
          if (this.running.get(job.id) === attempt) this.progress.report(job, percent);
        },
      });
    } catch (err) {
      // Attempt.run turns handler errors into finishes; reaching here is a bug of ours. The
      // job is left to its lease: the rescue sweep retries it.
      this.logger.error({ jobId: job.id, err: (err as Error)?.stack ?? String(err) }, 'internal error while running a job');
    } finally {
      this.running.delete(job.id);
      this.progress.forget(job.id);
      if (attempt.reason) this.linger(attempt);
      this.wakeup.wake();
    }
    if (finish) {
      if (finish.outcome === 'released' && !this.tasks.has(job.task)) this.warnUnknownTask(job.task);
      this.completer.add(finish);
    } else if (attempt.reason === 'lost') {
      this.logger.warn({ jobId: job.id, task: job.task }, 'lease lost (another worker took the job over); result discarded');
      this.notify('job:lost', job);
    }
  }

  /** Says once per task name that this worker hands such jobs back for others. */
  private warnUnknownTask(task: string): void {
    if (this.unknownTasks.has(task)) return;
    this.unknownTasks.add(task);
    this.logger.warn({ task, known: this.tasks.names() }, 'no task by this name here; its jobs are handed back (uncharged) for a worker that defines it');
  }

  /** Keeps the slot of an aborted handler until it really returns. */
  private linger(attempt: Attempt): void {
    this.lingering.add(attempt);
    let settled = false;
    void attempt.handlerSettled.then(() => {
      settled = true;
      this.lingering.delete(attempt);
      this.wakeup.wake();
    });
    setTimeout(() => {
      if (!settled) this.logger.warn({ jobId: attempt.job.id, task: attempt.job.task, reason: attempt.reason }, 'handler ignores its abort signal and still runs; it keeps its slot until it returns');
    }, 1_000).unref();
  }

  private written(finishes: JobFinish[], applied: Set<string>): void {
    for (const finish of finishes) {
      const ok = applied.has(finish.id);
      if (!ok) this.logger.warn({ jobId: finish.id, attempt: finish.attempt }, 'result not recorded: the lease had expired and the job was taken over');
      else if (finish.outcome !== 'succeeded' && finish.outcome !== 'released') {
        this.logger.info({ jobId: finish.id, outcome: finish.outcome, next: finish.state, error: finish.error?.message }, 'attempt ended');
      }
      this.notify('job:finish', finish, ok);
    }
  }

  /** Emits an event; a listener that throws is logged and cannot break the worker. */
  private notify<E extends keyof WorkerEvents>(event: E, ...args: WorkerEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: WorkerEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error({ event, err: (err as Error)?.message ?? String(err) }, 'a worker event listener threw; ignored');
    }
  }

  private storeError(err: unknown, during: string): void {
    this.failures++;
    this.notify('store:error', err, during);
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
    return { id: name, host: hostname(), pid: process.pid, queues, concurrency, running: this.runningCount, startedAt: this.startedAt };
  }

  private dutyHost() {
    return {
      store: this.store,
      options: this.options,
      running: this.running,
      waitingRefs: (): JobRef[] => this.completer.waiting.map(({ id, attempt }) => ({ id, attempt })),
      info: () => this.info(),
      storeOk: () => this.storeOk(),
      storeError: (err: unknown, during: string) => this.storeError(err, during),
      rescued: (counts: { rescued: number; failed: number; cancelled: number }) => {
        this.logger.warn(counts, 'recovered jobs whose worker stopped heartbeating');
        this.wakeup.wake();
      },
    };
  }

  private async shutdown(graceMs: number): Promise<void> {
    const wasStarting = this.state === 'starting';
    this.state = 'stopping';
    this.wakeup.wake();
    this.stopWake.wake();
    if (wasStarting) await this.starting?.catch(() => undefined);
    if (!this.store) return void (this.state = 'stopped');
    await this.loop;
    await this.drainRunning(graceMs);
    const unwritten = this.completer ? await this.completer.drain(DRAIN_LIMIT_MS) : [];
    if (unwritten.length > 0) {
      this.logger.error({ unrecorded: unwritten.length }, 'could not record some results; those jobs run again after their lease expires');
    }
    await this.duties?.stop();
    this.unsubscribe();
    await this.store.workerStopped({ id: this.options.name }).catch((err) => this.storeError(err, 'stop'));
    await this.closeStore();
    this.state = 'stopped';
    this.logger.info('worker stopped');
  }

  /** Waits for running jobs up to `graceMs`, then aborts the rest (they are released). */
  private async drainRunning(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    if (this.running.size > 0) this.logger.info({ running: this.running.size, graceMs }, 'stopping: waiting for running jobs');
    while (this.running.size > 0 && Date.now() < deadline) await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    if (this.running.size > 0) this.logger.warn({ released: this.running.size }, 'grace period over: aborting and releasing running jobs');
    for (const attempt of this.running.values()) attempt.abort('shutdown');
    while (this.running.size > 0) await sleep(5);
  }

  private async closeStore(): Promise<void> {
    if (this.store && !this.options.store) await this.store.close().catch(() => undefined);
  }
}

/** Creates a worker that runs inside this process; call `start()` to begin. */
export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}
