/**
 * The worker: composes the parts along the data flow and owns their lifecycle. The
 * `Producer` claims due jobs up to the free slots, the `Executor` runs each as an `Attempt`,
 * the `Completer` writes finishes in batches, the `LeaseKeeper` keeps leases alive and
 * notices cancellations; unless `maintenance: false`, the process also hosts `Maintenance`
 * (the lease rescuer, run by one process of the deployment at a time). `stop()` stops
 * claiming, lets running jobs end within the grace period, then aborts and releases the
 * rest: none is lost. Events go to `worker.events`.
 */
import { hostname } from 'node:os';
import { DEFAULTS } from '../core/defaults.js';
import { EventBus, type OrdoEvents } from '../core/events.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { JobFinish, JobRecord, WorkerInfo } from '../core/types.js';
import { Maintenance } from '../maintenance/maintenance.js';
import { Service } from '../services/service.js';
import type { Store } from '../store/contract.js';
import { openConfiguredStore } from '../store/open.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { resolveTaskSource } from '../tasks/source.js';
import { unstartedFinish } from './claimed-ahead.js';
import { Completer, type Finished } from './completer.js';
import { Executor } from './executor.js';
import { jobFields, logFinish } from './job-log.js';
import { LeaseKeeper } from './lease-keeper.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { Producer } from './producer.js';
import { addWorkerInProcess, removeWorkerInProcess, workersInProcess } from './in-process.js';
import { ProgressWriter } from './progress.js';
import { StoreHealth } from './store-health.js';
import { registerWorkflows, workflowStarter } from './workflows.js';
import { StepPreparer } from './workflow-step.js';

/** How long `stop()` keeps retrying to record results while the database is away. */
const DRAIN_LIMIT_MS = 30_000;

interface Parts {
  store: Store;
  tasks: TaskRegistry;
  completer: Completer;
  progress: ProgressWriter;
  executor: Executor;
  keeper: LeaseKeeper;
  producer: Producer;
  maintenance: Maintenance | null;
  /** Hands a finish to the completer, its job kept for the log line. */
  complete(finish: JobFinish, job: JobRecord): void;
}

/** A worker in this process: `start()`, `stop({ graceMs })`, `events`, `closed`. */
export class Worker extends Service {
  readonly options: ResolvedWorkerOptions;
  /** Runtime events: `job:started`, `job:finished`, `job:retried`, `job:lost`, `jobs:rescued`, `worker:up`, `worker:down`, `store:error`. */
  readonly events: EventBus<OrdoEvents>;
  private readonly logger: Logger;
  private parts: Parts | null = null;
  private readonly health: StoreHealth;
  private upEmitted = false;
  private readonly startedAt = new Date();

  constructor(options: WorkerOptions) {
    const resolved = resolveWorkerOptions(options);
    super(resolved.shutdownGraceMs);
    this.options = resolved;
    this.logger = (resolved.logger ?? createLogger()).child({ worker: resolved.name });
    this.events = resolved.events ?? new EventBus<OrdoEvents>((event, err) => this.logger.error({ event, err: (err as Error)?.message ?? String(err) }, 'an event listener threw; ignored'));
    this.health = new StoreHealth(this.logger, this.events, {
      // Kept results are written as soon as the database answers again.
      onBack: () => this.parts?.completer.retryNow(),
      // Retrying cannot help: stop now, releasing what can still be released.
      onLost: () => void this.stop({ graceMs: 0 }),
    });
  }

  get name(): string {
    return this.options.name;
  }

  /** Handlers executing now, counting those that ignored their abort signal and still run. */
  get runningCount(): number {
    return this.parts?.executor.busy ?? 0;
  }

  /** True while this process leads the maintenance role. */
  get isMaintenanceLeader(): boolean {
    return this.parts?.maintenance?.isLeader ?? false;
  }

  /** Opens the store, loads the tasks, stores the workflows' definitions and starts claiming. */
  protected async onStart(): Promise<void> {
    const { options } = this;
    const loaded = await resolveTaskSource(options.tasks, { required: true, workflows: options.workflows });
    const store = options.store ?? (await openConfiguredStore(options));
    // Built-in tasks run with this worker's settings: the hosts `http` jobs may reach, and its store for `workflow.start`.
    const tasks = loaded.withBuiltins({ httpAllowHosts: options.httpAllowHosts, startWorkflow: workflowStarter(store, loaded) });
    const parts = this.compose(store, tasks);
    addWorkerInProcess(options.name);
    try {
      await registerWorkflows(store, tasks);
      await store.workerHeartbeat({ worker: this.info() });
      await parts.keeper.start();
      await parts.maintenance?.start();
      if (this.stopSignal.aborted) return void (this.parts = parts); // stop() came first: claim nothing
      await parts.producer.start();
      this.parts = parts;
      this.upEmitted = true;
      this.events.emit('worker:up', this.info());
      this.logger.info({ queues: options.queues, concurrency: options.concurrency, tasks: tasks.size, workflows: tasks.workflows().length, engine: store.engine, maintenance: options.maintenance }, 'worker started');
    } catch (err) {
      removeWorkerInProcess(options.name);
      await parts.keeper.stop();
      await parts.maintenance?.stop();
      await this.closeStore(store);
      throw err;
    }
  }

  private compose(store: Store, tasks: TaskRegistry): Parts {
    const { options, events, logger } = this;
    const onError = (err: unknown, during: string) => this.health.error(err, during);
    const onOk = () => this.health.ok();
    const completer = new Completer(store, logger, (finishes, applied) => this.written(finishes, applied), (err) => onError(err, 'finish'));
    const complete = (finish: JobFinish, job: JobRecord): void => completer.add(finish, job);
    const progress = new ProgressWriter(store, options.name, (err) => onError(err, 'progress'));
    const steps = new StepPreparer(store, tasks);
    const executor = new Executor({
      workerId: options.name,
      tasks,
      logger,
      events,
      holdLimitMs: options.holdLimitMs,
      complete,
      progress: (job, percent) => progress.report(job, percent),
      prepareStep: (step) => steps.prepare(step),
      forgetProgress: (id) => progress.forget(id),
      durable: { store, tasks },
      rateLimited: async (job, { afterMs, message }) => {
        logger.warn({ ...jobFields(job), queue: job.queue, pauseMs: afterMs, error: message }, 'rate limited by what the handler calls: job handed back uncharged, queue paused');
        // A pause not written only lets the queue's other jobs hit the limit too: logged, not fatal.
        await store.queuePauseFor({ queue: job.queue, ms: afterMs }).then(onOk, (err: unknown) => onError(err, 'pause'));
      },
      // Called only while the producer runs attempts, so it exists by then.
      freed: () => producer.wake(),
    });
    const keeper = new LeaseKeeper({
      store,
      workerId: options.name,
      leaseMs: options.leaseMs,
      heartbeatMs: options.heartbeatMs,
      idleBeatMs: Math.max(options.heartbeatMs, DEFAULTS.idleBeatMs),
      cancelCheckMs: options.cancelCheckMs,
      holder: {
        held: () => [...executor.held(), ...producer.ahead.refs(), ...completer.waiting.map(({ finish: { id, attempt } }) => ({ id, attempt }))],
        get runningCount() {
          return executor.runningCount + producer.ahead.size;
        },
        lost: (ref) => {
          const job = producer.ahead.remove(ref);
          if (job) logger.warn(jobFields(job), 'lease lost before the job started (another worker took it over)');
          else executor.lost(ref);
        },
        cancelRequested: (ref) => {
          const job = producer.ahead.remove(ref);
          if (job) complete(unstartedFinish(job, options.name, 'cancelled'), job);
          else executor.cancelRequested(ref);
        },
      },
      info: (beatMs) => this.info(beatMs),
      onOk,
      onError,
    });
    const producer = new Producer({
      store,
      workerId: options.name,
      queues: options.queues,
      concurrency: options.concurrency,
      claimBatch: options.claimBatch,
      prefetch: options.prefetch,
      leaseMs: options.leaseMs,
      pollMs: options.pollMs,
      // Wake-ups of other processes reach this one (NOTIFY, SQLite's file watch): the poll only backs them up.
      idlePollMs: store.capabilities.crossProcessJobWake ? Math.max(options.pollMs, DEFAULTS.notifiedPollMs) : options.pollMs,
      busy: () => executor.busy,
      execute: (job) => void executor.execute(job),
      catchUp: async () => {
        await keeper.heartbeat();
        completer.retryNow();
      },
      onOk,
      onError,
    });
    const maintenance = options.maintenance
      ? new Maintenance({ store, holderId: options.name, leaseMs: options.leaseMs, rescueMs: options.rescueMs, logger, events, onStoreError: onError, onRescued: () => producer.wake(), localWorkers: workersInProcess, pruneAgeMs: options.retentionMs })
      : null;
    return { store, tasks, completer, progress, executor, keeper, producer, maintenance, complete };
  }

  protected async onStop(): Promise<void> {
    const parts = this.parts;
    if (parts) {
      await parts.producer.stop();
      // Claimed ahead but never started: given back at once, uncharged, for other workers.
      for (const job of parts.producer.ahead.removeAll()) parts.complete(unstartedFinish(job, this.options.name, 'released'), job);
      await this.drainRunning(parts.executor);
      const lost = this.health.lostWith !== null;
      const unwritten = await parts.completer.drain(lost ? 0 : DRAIN_LIMIT_MS);
      if (unwritten.length > 0) {
        this.logger.error({ unrecorded: unwritten.length }, 'could not record some results; those jobs run again after their lease expires');
      }
      await parts.keeper.stop();
      await parts.maintenance?.stop();
      removeWorkerInProcess(this.options.name);
      if (!lost) await parts.store.workerStopped({ id: this.options.name }).catch((err) => this.health.error(err, 'stop'));
      await this.closeStore(parts.store);
      if (this.upEmitted) this.events.emit('worker:down', { id: this.options.name });
      this.logger.info('worker stopped');
    }
  }

  protected override stoppedBy(): Error | null {
    return this.health.lostWith;
  }


  /** Waits for running jobs until the grace period is over, then aborts the rest (they are released). */
  private async drainRunning(executor: Executor): Promise<void> {
    const abort = () => {
      if (executor.runningCount > 0) this.logger.warn({ released: executor.runningCount }, 'grace period over: aborting and releasing running jobs');
      executor.abortAll('shutdown');
    };
    if (executor.runningCount > 0) this.logger.info({ running: executor.runningCount }, 'stopping: waiting for running jobs');
    if (this.abortSignal.aborted) abort();
    else this.abortSignal.addEventListener('abort', abort, { once: true });
    await executor.whenIdle();
    this.abortSignal.removeEventListener('abort', abort);
    executor.abortAll('shutdown'); // writes finishes still held for lingering handlers
  }

  private written(written: readonly Finished[], applied: Set<string>): void {
    // Most finishes are successes nobody listens for: nothing is built for them.
    const finishedHeard = this.events.listening('job:finished');
    const retriedHeard = this.events.listening('job:retried');
    for (const { finish, job } of written) {
      const ok = applied.has(finish.id);
      if (!ok) this.logger.warn(jobFields(job), 'result not recorded: the lease had expired and the job was taken over');
      else logFinish(this.logger, job, finish);
      if (finishedHeard) this.events.emit('job:finished', finish, ok);
      if (retriedHeard && ok && finish.state === 'pending' && finish.outcome !== 'released') this.events.emit('job:retried', finish);
    }
  }

  /** The worker row, for a next beat due within `beatMs` (the heartbeat interval unless idle). */
  private info(beatMs = this.options.heartbeatMs): WorkerInfo {
    const { name, queues, concurrency } = this.options;
    // How long after its last heartbeat this worker still counts as alive: two beats and a second.
    return { id: name, host: hostname(), pid: process.pid, queues, concurrency, running: this.runningCount, startedAt: this.startedAt, livenessMs: 2 * beatMs + 1_000 };
  }

  private async closeStore(store: Store): Promise<void> {
    if (!this.options.store) await store.close().catch(() => undefined);
  }
}

/** Creates a worker that runs inside this process; call `start()` to begin. */
export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}
