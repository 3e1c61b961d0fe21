/**
 * The executor: runs each claimed job as an `Attempt` and hands its finish to the completer.
 * It owns what runs now: attempts in flight, and handlers whose attempt was aborted but that
 * ignored the signal and still execute ("lingering"). A lingering handler keeps its slot
 * until it really returns, so `concurrency` bounds what actually runs.
 *
 * A lingering handler also keeps its job when the finish would let the job run again (a
 * timeout with attempts left): the finish is held, not written, and the lease keeper keeps
 * its lease alive, so no retry starts while the old attempt still runs. JavaScript cannot
 * kill a promise, so the hold is bounded: after `holdLimitMs` the retry is written anyway
 * (and logged), or one handler that never returns would keep its job forever. Finishes that
 * end the job (failed for good, cancelled) and releases on shutdown are written at once.
 */
import type { EventBus, OrdoEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { JobFinish, JobRecord } from '../core/types.js';
import type { JobStep } from '../core/workflow-types.js';
import type { JobRef } from '../store/contract.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { Attempt, type AbortReason, type AttemptHooks } from './attempt.js';
import { jobFields } from './job-log.js';
import type { LeaseHolder } from './lease-keeper.js';
import type { PreparedStep } from './workflow-step.js';

/** After this long, an aborted handler that still runs is reported in the log. */
const LINGER_WARNING_MS = 1_000;

export interface ExecutorOptions {
  workerId: string;
  tasks: TaskRegistry;
  logger: Logger;
  events: EventBus<OrdoEvents>;
  /** Longest time a finish is held for a handler that ignores its abort signal. */
  holdLimitMs: number;
  /** Receives each finish to write, with its job (for the log line written with it). */
  complete(finish: JobFinish, job: JobRecord): void;
  progress(job: JobRecord, percent: number): void;
  /** Reads a workflow step's run and parents before its handler runs. */
  prepareStep(step: JobStep): Promise<PreparedStep>;
  forgetProgress(jobId: string): void;
  /** What durable functions' drivers read and write through (their checkpoints, child runs). */
  durable?: AttemptHooks['durable'];
  /**
   * A handler reported a rate limit (`RateLimitedError`): pause its queue. Awaited before the
   * slot is freed, so this worker claims no job of the queue before the pause is written.
   */
  rateLimited(job: JobRecord, limit: { afterMs: number; message: string }): Promise<void>;
  /** A slot was freed. */
  freed(): void;
}

/**
 * Running attempts are keyed by job and attempt: a worker whose lease was taken away may
 * claim the same job again while its old attempt still runs.
 */
export const keyOf = (ref: JobRef): string => `${ref.id}#${ref.attempt}`;

interface Held {
  attempt: Attempt;
  finish: JobFinish;
  timer: NodeJS.Timeout;
}

/** Runs claimed jobs, keeps their slots while handlers run, and hands finishes on (see above). */
export class Executor implements LeaseHolder {
  private readonly running = new Map<string, Attempt>();
  private readonly lingering = new Set<Attempt>();
  /** Finishes of lingering handlers, by job and attempt, written when the handler returns. */
  private readonly heldFinishes = new Map<string, Held>();
  private readonly unknownTasks = new Set<string>();
  private readonly idle = new Set<() => void>();
  /** What every attempt calls out to: one object for all of them (see AttemptHooks). */
  private readonly hooks: AttemptHooks;

  constructor(private readonly options: ExecutorOptions) {
    this.hooks = {
      workerId: options.workerId,
      log: (job, message) => options.logger.info(jobFields(job), message),
      progress: (attempt, percent) => {
        // Only while the attempt runs: a handler that outlived its attempt reports for nobody.
        if (this.running.get(keyOf(attempt.job)) === attempt) options.progress(attempt.job, percent);
      },
      prepareStep: options.prepareStep,
      ...(options.durable ? { durable: options.durable } : {}),
    };
  }

  /** Handlers executing now, counting those that ignored their abort signal and still run. */
  get busy(): number {
    return this.running.size + this.lingering.size;
  }

  get runningCount(): number {
    return this.running.size;
  }

  held(): JobRef[] {
    const refs = [...this.running.values()].map(({ job }) => ({ id: job.id, attempt: job.attempt }));
    for (const { finish } of this.heldFinishes.values()) refs.push({ id: finish.id, attempt: finish.attempt });
    return refs;
  }

  lost(ref: JobRef): void {
    this.running.get(keyOf(ref))?.abort('lost');
    const held = this.release(keyOf(ref));
    if (held) this.options.logger.warn(jobFields(held.attempt.job), 'lease lost while its handler still ran; retry left to the new holder');
  }

  cancelRequested(ref: JobRef): void {
    this.running.get(keyOf(ref))?.abort('cancel');
    // A cancel wins over the held retry: writing it ends the job, so nothing can overlap.
    this.writeHeld(keyOf(ref));
  }

  /** Aborts every running attempt (shutdown: they are released) and writes held finishes. */
  abortAll(reason: AbortReason): void {
    for (const attempt of this.running.values()) attempt.abort(reason);
    for (const key of [...this.heldFinishes.keys()]) this.writeHeld(key);
  }

  /** Resolves when no attempt is running (lingering handlers are not waited for). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  async execute(job: JobRecord): Promise<void> {
    const { options } = this;
    const attempt = new Attempt(job);
    const key = keyOf(job);
    this.running.set(key, attempt);
    let finish: JobFinish | null = null;
    try {
      // Every job passes here: its event and log fields are built only for someone who takes them.
      if (options.events.listening('job:started')) options.events.emit('job:started', job, options.workerId);
      if (options.logger.isLevelEnabled('debug')) options.logger.debug({ ...jobFields(job), queue: job.queue }, 'job started');
      finish = await attempt.run(options.tasks.get(job.task), this.hooks);
      if (attempt.rateLimited) await options.rateLimited(job, attempt.rateLimited);
    } catch (err) {
      // Attempt.run turns handler errors into finishes; reaching here is a bug of ours. The
      // job is left to its lease: the rescuer retries it.
      options.logger.error({ ...jobFields(job), err: (err as Error)?.stack ?? String(err) }, 'internal error while running a job');
    } finally {
      this.running.delete(key);
      options.forgetProgress(job.id);
      if (attempt.reason) this.linger(attempt);
      options.freed();
      if (this.running.size === 0) this.notifyIdle();
    }
    this.ended(attempt, finish);
  }

  private ended(attempt: Attempt, finish: JobFinish | null): void {
    const { job } = attempt;
    if (!finish) {
      if (attempt.reason !== 'lost') return;
      this.options.logger.warn(jobFields(job), 'lease lost (another worker took the job over); result discarded');
      this.options.events.emit('job:lost', job, this.options.workerId);
      return;
    }
    if (finish.outcome === 'released' && !this.options.tasks.has(job.task)) this.warnUnknownTask(job.task);
    if (this.lingering.has(attempt) && finish.state === 'pending' && finish.outcome !== 'released') this.hold(attempt, finish);
    else this.options.complete(finish, job);
  }

  /** Keeps the finish of a lingering handler until it returns, or `holdLimitMs` passed. */
  private hold(attempt: Attempt, finish: JobFinish): void {
    const timer = setTimeout(() => {
      this.options.logger.error(
        { ...jobFields(attempt.job), heldMs: this.options.holdLimitMs },
        'handler ignored its abort signal and still runs; its retry is written anyway and may overlap it',
      );
      this.writeHeld(keyOf(finish));
    }, this.options.holdLimitMs);
    timer.unref();
    this.heldFinishes.set(keyOf(finish), { attempt, finish, timer });
  }

  private writeHeld(key: string): void {
    const held = this.release(key);
    if (held) this.options.complete(held.finish, held.attempt.job);
  }

  private release(key: string): Held | undefined {
    const held = this.heldFinishes.get(key);
    if (!held) return undefined;
    clearTimeout(held.timer);
    this.heldFinishes.delete(key);
    return held;
  }

  /** Keeps the slot of an aborted handler until it really returns. */
  private linger(attempt: Attempt): void {
    this.lingering.add(attempt);
    let settled = false;
    void attempt.handlerSettled.then(() => {
      settled = true;
      this.lingering.delete(attempt);
      this.writeHeld(keyOf(attempt.job));
      this.options.freed();
    });
    setTimeout(() => {
      if (!settled) this.options.logger.warn({ ...jobFields(attempt.job), reason: attempt.reason }, 'handler ignores its abort signal and still runs; it keeps its slot (and a retry waits) until it returns');
    }, LINGER_WARNING_MS).unref();
  }

  /** Says once per task name that this worker hands such jobs back for others. */
  private warnUnknownTask(task: string): void {
    if (this.unknownTasks.has(task)) return;
    this.unknownTasks.add(task);
    this.options.logger.warn({ task, known: this.options.tasks.names() }, 'no task by this name here; its jobs are handed back (uncharged) for a worker that defines it');
  }

  private notifyIdle(): void {
    for (const resolve of this.idle) resolve();
    this.idle.clear();
  }
}
