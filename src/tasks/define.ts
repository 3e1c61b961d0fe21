/**
 * What a task is: a name, a handler and its options. `defineTask` is the explicit way to
 * declare one; any plain exported function of a module in the tasks folder is one too.
 */
import type { ZodType } from 'zod';
import { ValidationError } from '../core/errors.js';
import { checkPriority, checkQueueName, checkTaskName } from '../core/names.js';
import { checkTimeout } from '../core/duration.js';
import { checkRetryPolicy, type RetryPolicy } from '../core/retry.js';
import type { Json } from '../core/types.js';
import type { ParentOutcome } from '../core/workflow-types.js';
import { checkTaskSchedule, type TaskSchedule } from './schedule.js';

/** What a handler receives besides its payload. */
export interface TaskContext {
  readonly jobId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly task: string;
  readonly queue: string;
  /**
   * Who asked for the job (an HTTP request id, or the `traceId` given at enqueue); null when
   * none was given. Pass it on to the calls the handler makes to tie their logs to this job.
   */
  readonly traceId: string | null;
  /** Fires on timeout, cancellation, lost lease and worker shutdown. Pass it to fetch() etc. */
  readonly signal: AbortSignal;
  /** Records a line in this attempt's history (and the worker's log, with the job's id and trace id). */
  log(message: string): void;
  /** Reports progress, 0–100. Written at most a few times a second. */
  progress(percent: number): void;
  /** The workflow step this job does; null for a job of its own. */
  readonly workflow: WorkflowStepContext | null;
  /**
   * The results of the step's parents that succeeded, by step name (empty outside a workflow,
   * and for a map step's elements, whose element is their payload).
   */
  readonly parents: Readonly<Record<string, Json>>;
}

/** What the job of a workflow step knows of its run. */
export interface WorkflowStepContext {
  readonly runId: string;
  /** The workflow's name. */
  readonly name: string;
  readonly step: string;
  /** A map step's element index; null for other steps. */
  readonly mapIndex: number | null;
  /** The run's input. */
  readonly input: Json;
  /** Each parent's outcome (state, result, error, reason); empty for a map step's elements. */
  readonly parents: Readonly<Record<string, ParentOutcome>>;
}

/** A handler; `R` is what it resolves with (its job's result, and what dependent workflow steps receive). */
export type TaskHandler<P = any, R = unknown> = (payload: P, ctx: TaskContext) => R | PromiseLike<R>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface TaskOptions<P = unknown> {
  /** Validates the payload at enqueue (when the task is known) and before the handler runs. */
  schema?: ZodType<P>;
  /** Queue jobs of this task go to unless the enqueue says otherwise. @defaultValue 'default' */
  queue?: string;
  /** Priority inside the queue; lower runs first. @defaultValue 0 */
  priority?: number;
  retry?: Partial<RetryPolicy>;
  /** Milliseconds (or a duration such as `30s`) after which the attempt is aborted. */
  timeout?: number | string;
  description?: string;
  /**
   * Fire this task on a schedule: stored (named after the task unless `schedule.name`) and
   * kept in step with this declaration when a worker or scheduler starts with the task.
   * @example { cron: '0 9 * * 1-5', tz: 'Europe/London' }
   */
  schedule?: TaskSchedule;
  /**
   * The `concurrencyKey` of each job from its payload (a customer id…), when the enqueue gives
   * none: the key its queue's per-key limits and turns apply to. Null or undefined: no key.
   * @example (payload) => `customer-${payload.customerId}`
   */
  concurrencyKey?: (payload: P) => string | null | undefined;
}

const TASK = Symbol.for('ordo.task');

// `any` by default so definitions with different payload types fit in one list. `R`, the
// handler's awaited result, types the parents a workflow step receives.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface TaskDefinition<P = any, R = unknown> {
  readonly [TASK]: true;
  readonly name: string;
  readonly options: TaskOptions<P>;
  readonly handler: TaskHandler<P, R>;
}

/**
 * Declares a task.
 * @example
 * export const sendEmail = defineTask('send_email', { schema: z.object({ email: z.email() }) },
 *   async ({ email }, ctx) => { ctx.log(`sending to ${email}`); });
 */
export function defineTask<P, R>(name: string, options: TaskOptions<P>, handler: TaskHandler<P, R>): TaskDefinition<P, R>;
export function defineTask<P, R>(name: string, handler: TaskHandler<P, R>): TaskDefinition<P, R>;
export function defineTask<P, R>(name: string, a: TaskOptions<P> | TaskHandler<P, R>, b?: TaskHandler<P, R>): TaskDefinition<P, R> {
  checkTaskName(name);
  const [options, handler] = typeof a === 'function' ? [{}, a] : [a, b];
  if (typeof handler !== 'function') throw new ValidationError(`defineTask(${name}).handler`, 'a function', handler);
  const field = (option: string) => `defineTask(${name}).${option}`;
  if (options.retry) checkRetryPolicy(options.retry, field('retry'));
  if (options.queue !== undefined) checkQueueName(options.queue, field('queue'));
  if (options.priority !== undefined) checkPriority(options.priority, field('priority'));
  if (options.timeout !== undefined) checkTimeout(options.timeout, field('timeout'));
  if (options.concurrencyKey !== undefined && typeof options.concurrencyKey !== 'function') throw new ValidationError(field('concurrencyKey'), 'a function of the payload returning the key, such as (p) => p.customerId', options.concurrencyKey);
  if (options.schedule !== undefined) checkSchedulePayload(checkTaskSchedule(options.schedule, field('schedule')), options.schema, field('schedule.payload'));
  return Object.freeze({ [TASK]: true as const, name, options, handler });
}

/** A declared schedule's payload must pass the task's schema: caught when the module loads, not at every fire. */
function checkSchedulePayload(schedule: TaskSchedule, schema: ZodType | undefined, field: string): void {
  const payload = schedule.payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new ValidationError(field, 'a JSON object', payload);
  const parsed = schema?.safeParse(payload);
  if (parsed && !parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`);
    throw new ValidationError(field, 'a payload matching the task schema', payload, problems.join('; '));
  }
}

export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TASK] === true;
}

/** A handler's return value made JSON (undefined → null), so it can be stored. */
export function toJsonResult(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}
