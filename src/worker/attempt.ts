/**
 * One attempt of one job: runs the handler with an AbortSignal and turns how it ended into
 * the `JobFinish` the completer writes. The signal fires on timeout, cancellation, a lost
 * lease or shutdown; the attempt ends at that moment even if the handler ignores the signal
 * (its late result is discarded).
 */
import { MAX_DURATION_MS } from '../core/duration.js';
import { OrdoError, RateLimitedError, RetryLaterError } from '../core/errors.js';
import { backoffDelay, DEFAULT_RETRY } from '../core/retry.js';
import type { ErrorInfo, JobFinish, JobRecord, Json, LogLine } from '../core/types.js';
import type { JobStep } from '../core/workflow-types.js';
import { toJsonResult, type TaskContext, type TaskDefinition } from '../tasks/define.js';
import { taskTimeoutMs, validatePayload } from '../tasks/registry.js';
import { DURABLE_HOST, isFenceLost, suspendDelayOf, type DurableHost } from '../workflows/durable-host.js';
import type { PreparedStep } from './workflow-step.js';

export type AbortReason = 'timeout' | 'cancel' | 'lost' | 'shutdown';

/** Most log lines kept per attempt; later lines are counted, not stored. */
const MAX_LOG_LINES = 1_000;

/**
 * What an attempt calls out to. One object serves every attempt of a worker (the attempt is
 * passed in), so running a job builds no hooks or closures of its own.
 */
export interface AttemptHooks {
  workerId: string;
  /** A line the handler logged (`ctx.log`), also kept with the attempt's record. */
  log(job: JobRecord, message: string): void;
  progress(attempt: Attempt, percent: number): void;
  /** Reads what a workflow step's job needs before its handler runs (see StepPreparer). */
  prepareStep(step: JobStep): Promise<PreparedStep>;
  /** What a durable function's driver needs besides the attempt's fence (internal, on the context under a symbol). */
  durable?: Pick<DurableHost, 'store' | 'tasks'>;
}

type FinishFields = Pick<JobFinish, 'state' | 'outcome'> & Partial<JobFinish>;

/** How long a job whose task this worker lacks waits before a worker may claim it again. */
export const MISSING_TASK_DELAY_MS = 5_000;
/** How long a step's job waits when its run could not be read (the database is away): uncharged. */
export const STEP_READ_RETRY_MS = 1_000;

/** One run of one job's handler; `run()` resolves with the finish to write (or null: lease lost). */
export class Attempt {
  /** The handler's log lines, made on the first: most attempts log none. */
  private logs: LogLine[] | null = null;
  private dropped = 0;
  /**
   * Set once the finish took the log lines (handed over, not copied): later lines of a handler
   * that outlived its attempt go to the worker's log only, as before they reached no record.
   */
  private finished = false;
  /** The handler's own promise, once it was called. */
  private handling: Promise<unknown> | null = null;
  /** When the attempt started and who runs it, for its finish (set by `run`). */
  private startedAt: Date | null = null;
  private workerId = '';
  /**
   * Made on the first read of `signal`: most handlers never read theirs, and an AbortSignal
   * kept for the length of an attempt costs about 5 µs of CPU and garbage collection, more
   * than the rest of a no-op attempt's bookkeeping.
   */
  private controller: AbortController | null = null;
  /** Why the attempt was aborted, as the signal's `reason` (set by `abort`, null until then). */
  private abortError: OrdoError | null = null;
  private onAbort: (() => void) | null = null;
  reason: AbortReason | null = null;
  /** Set when the handler threw a `RateLimitedError`: how long its queue should pause, and why. */
  rateLimited: { afterMs: number; message: string } | null = null;

  constructor(readonly job: JobRecord) {}

  /**
   * Resolves when the handler's own promise settles, which may be after the attempt ended.
   * Made when asked (only for a handler that outlived its attempt), not for every attempt.
   */
  get handlerSettled(): Promise<void> {
    return this.handling ? this.handling.then(ignore, ignore) : Promise.resolve();
  }

  /** The handler's signal; one first read after the abort is made already aborted, with the same reason. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.abortError) this.controller.abort(this.abortError);
    }
    return this.controller.signal;
  }

  abort(reason: AbortReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.abortError = new OrdoError(reason === 'timeout' ? 'timeout' : 'cancelled', `attempt aborted: ${reason}`);
    this.controller?.abort(this.abortError);
    this.onAbort?.();
  }

  log(message: string): void {
    if (this.finished) return;
    this.logs ??= [];
    if (this.logs.length < MAX_LOG_LINES) this.logs.push({ at: new Date(), message: String(message) });
    else this.dropped++;
  }

  /** The finish of this attempt, which takes its log lines (see `finished`). */
  private finish(fields: FinishFields): JobFinish {
    const { job, workerId } = this;
    const finishedAt = new Date();
    const logs = this.logs ?? [];
    if (this.dropped > 0) logs.push({ at: new Date(), message: `(${this.dropped} more log lines dropped)` });
    this.finished = true;
    this.logs = null;
    const finish: JobFinish = { id: job.id, attempt: job.attempt, workerId, startedAt: this.startedAt ?? finishedAt, finishedAt, logs, state: fields.state, outcome: fields.outcome };
    // A job of a run is only finished with its run's id: the store advances the run with it.
    if (job.workflow) finish.runId = job.workflow.runId;
    // Set one by one, not spread in: a spread costs more than the rest of the finish.
    if ('result' in fields) finish.result = fields.result;
    if ('error' in fields) finish.error = fields.error;
    if ('retryDelayMs' in fields) finish.retryDelayMs = fields.retryDelayMs;
    if ('skipped' in fields) finish.skipped = fields.skipped;
    return finish;
  }

  /** Runs the handler and resolves with the finish to record, or null when the lease was lost. */
  async run(definition: TaskDefinition | undefined, hooks: AttemptHooks): Promise<JobFinish | null> {
    const { job } = this;
    this.startedAt = job.startedAt ?? new Date();
    this.workerId = hooks.workerId;
    if (!definition) {
      // Another worker of a mixed fleet may know the task: hand the job back uncharged.
      return this.finish({ state: 'pending', outcome: 'released', retryDelayMs: MISSING_TASK_DELAY_MS });
    }
    let step: PreparedStep | null = null;
    if (job.workflow) {
      try {
        step = await hooks.prepareStep(job.workflow);
      } catch (err) {
        // The database is away: nothing the step did, so hand it back uncharged.
        if (err instanceof OrdoError && err.code === 'store_unavailable') return this.finish({ state: 'pending', outcome: 'released', retryDelayMs: STEP_READ_RETRY_MS });
        return this.failure(err, definition);
      }
      if (step.skipped !== null) return this.finish({ state: 'cancelled', outcome: 'cancelled', skipped: step.skipped });
    }
    let timer: NodeJS.Timeout | undefined;
    let result: unknown;
    try {
      const payload = validatePayload(definition, job.payload);
      const timeoutMs = job.timeoutMs ?? taskTimeoutMs(definition);
      if (timeoutMs) timer = setTimeout(() => this.abort('timeout'), timeoutMs);
      // Aborted while the step's inputs were read: the handler does not start.
      if (this.abortError) throw this.abortError;
      const ctx = this.context(hooks, step);
      const handling = Promise.resolve().then(() => definition.handler(payload, ctx));
      this.handling = handling;
      // The handler's outcome, or the abort's error as soon as it comes (a race of the two,
      // without the extra promise per attempt that Promise.race makes).
      result = await new Promise((resolve, reject) => {
        this.onAbort = () => reject(this.abortError);
        handling.then(resolve, reject);
      });
    } catch (err) {
      return this.failure(err, definition);
    } finally {
      clearTimeout(timer);
    }
    return this.finish({ state: 'succeeded', outcome: 'succeeded', result: this.storable(result) });
  }

  /** The handler's result as JSON. One that is not JSON must not turn a success into a retry. */
  private storable(result: unknown): Json {
    try {
      return toJsonResult(result);
    } catch (err) {
      this.log(`the result could not be stored as JSON (${(err as Error).message}); stored null instead`);
      return null;
    }
  }

  private failure(err: unknown, definition: TaskDefinition): JobFinish | null {
    const { job } = this;
    const error = errorInfo(err);
    // A durable function's checkpoint was refused: another attempt holds the job now.
    if (isFenceLost(err)) this.abort('lost');
    switch (this.reason) {
      case 'lost':
        return null;
      case 'shutdown':
        return this.finish({ state: 'pending', outcome: 'released', retryDelayMs: 0 });
      case 'cancel':
        return this.finish({ state: 'cancelled', outcome: 'cancelled', error: { message: 'cancelled while running' } });
      default:
        break;
    }
    // A durable function waits: set the job aside until then, uncharged.
    const suspendedMs = this.reason === null ? suspendDelayOf(err) : null;
    if (suspendedMs !== null) return this.finish({ state: 'pending', outcome: 'released', retryDelayMs: Math.min(suspendedMs, MAX_DURATION_MS) });
    // What the handler calls refused it for a rate limit: no attempt used; the worker pauses the queue.
    const limitedMs = this.reason === null ? rateLimitedMs(err) : null;
    if (limitedMs !== null) {
      this.rateLimited = { afterMs: limitedMs, message: error.message };
      return this.finish({ state: 'pending', outcome: 'released', retryDelayMs: limitedMs });
    }
    const outcome = this.reason === 'timeout' ? 'timed_out' : 'failed';
    if (outcome === 'timed_out') error.message = `timed out after ${job.timeoutMs ?? taskTimeoutMs(definition)} ms`;
    const permanent = err instanceof OrdoError ? !err.retryable && (err.code === 'permanent' || err.code === 'invalid_argument') : (err as Error)?.name === 'PermanentError';
    if (permanent || job.attempt >= job.maxAttempts) return this.finish({ state: 'failed', outcome, error });
    return this.finish({ state: 'pending', outcome, error, retryDelayMs: retryLaterMs(err) ?? this.backoff(definition) });
  }

  private backoff(definition: TaskDefinition): number {
    const { job } = this;
    const retry = definition.options.retry ?? {};
    const policy = { baseMs: job.backoffBaseMs ?? retry.baseMs ?? DEFAULT_RETRY.baseMs, capMs: job.backoffCapMs ?? retry.capMs ?? DEFAULT_RETRY.capMs };
    return backoffDelay(job.attempt, policy);
  }

  private context(hooks: AttemptHooks, step: PreparedStep | null): TaskContext {
    const { job } = this;
    // Only a job of a run can drive a durable function: a plain job builds no host.
    const host: DurableHost | undefined = hooks.durable && job.workflow ? { ...hooks.durable, jobId: job.id, attempt: job.attempt, workerId: hooks.workerId } : undefined;
    const signal = (): AbortSignal => this.signal;
    const ctx: TaskContext & { [DURABLE_HOST]?: DurableHost } = {
      workflow: step?.workflow ?? null,
      parents: step?.parents ?? {},
      jobId: job.id,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      task: job.task,
      queue: job.queue,
      traceId: job.traceId ?? null,
      // A getter: the signal is only made when the handler reads it (see `controller`).
      get signal() {
        return signal();
      },
      log: (message) => {
        this.log(message);
        hooks.log(job, message);
      },
      progress: (percent) => hooks.progress(this, percent),
    };
    // Added after, not spread in: a spread makes every plain job's context about twice as
    // costly to build. A symbol key lists after the others either way.
    if (host) ctx[DURABLE_HOST] = host;
    return ctx;
  }
}

/**
 * The wait a `RetryLaterError` asks for, used instead of the backoff; null for other errors.
 * Recognised by name too, like `PermanentError`: a task module may load its own copy of Ordo.
 */
function retryLaterMs(err: unknown): number | null {
  const afterMs = err instanceof RetryLaterError || (err as Error)?.name === 'RetryLaterError' ? (err as RetryLaterError).afterMs : undefined;
  if (typeof afterMs !== 'number' || !(afterMs >= 0)) return null;
  // Bounded like any duration, so the retry time stays a time a Date (and the database) can hold.
  return Math.min(Math.ceil(afterMs), MAX_DURATION_MS);
}

/** The pause a `RateLimitedError` asks for (recognised by name too); null for other errors. */
function rateLimitedMs(err: unknown): number | null {
  const afterMs = err instanceof RateLimitedError || (err as Error)?.name === 'RateLimitedError' ? (err as RateLimitedError).afterMs : undefined;
  if (typeof afterMs !== 'number' || !(afterMs >= 0)) return null;
  // A floor: a release uses no attempt, so a service answering 429 with `Retry-After: 0`
  // would otherwise be called again at once, forever.
  return Math.min(Math.max(Math.ceil(afterMs), MIN_RATE_LIMIT_PAUSE_MS), MAX_DURATION_MS);
}

/** Swallows a settled handler's value or error: `handlerSettled` only tells when it settled. */
function ignore(): undefined {
  return undefined;
}

/** Shortest pause of a queue (and wait of its job) after a `RateLimitedError`. */
export const MIN_RATE_LIMIT_PAUSE_MS = 1_000;

/** A thrown value as the error record kept with an attempt (name, message, stack). */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { message: typeof err === 'string' ? err : `non-error thrown: ${JSON.stringify(err) ?? String(err)}` };
}
