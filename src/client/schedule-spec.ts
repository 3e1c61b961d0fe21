/**
 * Turns what a caller gives for a schedule (`ScheduleSpec`) into a fully resolved
 * `ScheduleInput`: the job template resolved exactly as `enqueue` resolves a job (task
 * options when the task is known here, payload checked by its schema), the timing by
 * `resolveTiming`, the policies checked, defaults from `DEFAULTS.schedules`. Also the way
 * back (`specOf`), so `update` can merge a partial spec into a stored definition.
 *
 * A schedule's target is a task, or a workflow: `{ cron, workflow: 'nightly-report', input }`
 * is stored as a job of the built-in `workflow.start` task with `{ workflow, input }` as its
 * payload (each fire starts one run of the stored definition), and read back as it was given.
 */
import { DEFAULTS } from '../core/defaults.js';
import { ValidationError } from '../core/errors.js';
import type { Json, MisfirePolicy, OverlapPolicy, ScheduleInput, ScheduleRecord } from '../core/types.js';
import type { TaskDefinition } from '../tasks/define.js';
import { WORKFLOW_START_TASK, workflowStartPayloadSchema } from '../tasks/builtin/index.js';
import { workflowStartTask } from '../tasks/builtin/workflow-start.js';
import { checkMisfire, checkMisfireLimit, checkOverlap, checkScheduleName, scheduleTiming } from '../tasks/schedule.js';
import { resolveEnqueue } from './enqueue-options.js';

/** A schedule as a caller describes it: the job it enqueues, when, and its policies. */
export interface ScheduleSpec {
  /** The task each fire enqueues; exactly one of `task` and `workflow`. */
  task?: string;
  /** Payload of every job it enqueues. @defaultValue {} */
  payload?: unknown;
  /** The stored workflow each fire starts a run of (a `workflow.start` job); exactly one of `task` and `workflow`. */
  workflow?: string;
  /** With `workflow`: the input of every run. @defaultValue {} */
  input?: unknown;
  /** @defaultValue the task's queue, else 'default' */
  queue?: string;
  /** @defaultValue the task's priority, else 0 */
  priority?: number;
  /** @defaultValue the task's `retry.maxAttempts`, else 5 */
  maxAttempts?: number;
  /** Abort each attempt after this long: milliseconds or a duration. */
  timeout?: number | string;
  /** A cron expression; exactly one of `cron`, `every` and `at`. */
  cron?: string;
  /** An interval: milliseconds or a duration such as `30s` (fires at multiples of it since the epoch). */
  every?: string | number;
  /** One time: a Date, ISO 8601 text or epoch seconds. */
  at?: string | number | Date;
  /** IANA zone a cron expression is read in. @defaultValue 'UTC' */
  tz?: string;
  /** Fire times missed while no scheduler ran. @defaultValue 'once' */
  misfire?: MisfirePolicy;
  /** Most missed fires enqueued at once under `misfire: 'all'`. @defaultValue 100 */
  misfireLimit?: number;
  /** A fire while the previous fire's job has not ended. @defaultValue 'allow' */
  overlap?: OverlapPolicy;
}

const TIMING_KEYS = ['cron', 'every', 'at'] as const;

/** Resolves a spec into what the store keeps. */
export function resolveSchedule(name: string, spec: ScheduleSpec, definition: TaskDefinition | undefined, source: ScheduleInput['source']): ScheduleInput {
  checkScheduleName(name);
  if (typeof spec !== 'object' || spec === null) throw new ValidationError('schedule', "an object such as { task: 'report', cron: '0 9 * * *' }", spec);
  const given = TIMING_KEYS.filter((key) => spec[key] !== undefined);
  if (given.length !== 1) {
    throw new ValidationError(given[0] ?? 'cron', 'exactly one of cron, every or at', given.length === 0 ? undefined : Object.fromEntries(given.map((k) => [k, spec[k]])));
  }
  const target = scheduleTarget(spec, definition);
  const job = resolveEnqueue(target.task, target.payload, { queue: spec.queue, priority: spec.priority, maxAttempts: spec.maxAttempts, timeout: spec.timeout }, target.definition);
  const defaults = DEFAULTS.schedules;
  return {
    name,
    timing: scheduleTiming(spec),
    job: {
      task: job.task,
      queue: job.queue,
      payload: job.payload,
      priority: job.priority,
      maxAttempts: job.maxAttempts,
      timeoutMs: job.timeoutMs,
      backoffBaseMs: job.backoffBaseMs,
      backoffCapMs: job.backoffCapMs,
    },
    misfire: checkMisfire(spec.misfire ?? defaults.misfire),
    misfireLimit: checkMisfireLimit(spec.misfireLimit ?? defaults.misfireLimit),
    overlap: checkOverlap(spec.overlap ?? defaults.overlap),
    source,
  };
}

/** The task and payload a spec's target comes to: its task, or `workflow.start` for a workflow. */
function scheduleTarget(spec: ScheduleSpec, definition: TaskDefinition | undefined): { task: string; payload: unknown; definition: TaskDefinition | undefined } {
  if (spec.workflow === undefined) {
    if (spec.input !== undefined) throw new ValidationError('input', 'input together with a workflow (a task takes a payload)', spec.input);
    return { task: spec.task as string, payload: spec.payload, definition };
  }
  if (spec.task !== undefined || spec.payload !== undefined) {
    throw new ValidationError('workflow', 'either a task (with its payload) or a workflow (with its input), not both', { task: spec.task, workflow: spec.workflow });
  }
  const payload = { workflow: spec.workflow, ...(spec.input === undefined ? {} : { input: spec.input }) };
  // Checked here with the built-in's schema: a client's registry may be any registry.
  return { task: WORKFLOW_START_TASK, payload, definition: WORKFLOW_START };
}

/** `workflow.start` as a client knows it: for its payload schema and options. */
const WORKFLOW_START = workflowStartTask(undefined);

/** The spec a stored schedule was made from (every field explicit), to merge a partial update into. */
export function specOf(record: ScheduleRecord): ScheduleSpec {
  const { timing, job } = record;
  const when = timing.kind === 'cron' ? { cron: timing.cron } : timing.kind === 'every' ? { every: timing.everyMs } : { at: timing.at };
  return {
    ...targetOf(job.task, job.payload),
    queue: job.queue,
    priority: job.priority,
    maxAttempts: job.maxAttempts,
    ...(job.timeoutMs === null ? {} : { timeout: job.timeoutMs }),
    ...when,
    tz: timing.tz,
    misfire: record.misfire,
    misfireLimit: record.misfireLimit,
    overlap: record.overlap,
  };
}

/** A stored job's target as a spec gives it: a `workflow.start` job as its workflow and input. */
function targetOf(task: string, payload: Json): Pick<ScheduleSpec, 'task' | 'payload' | 'workflow' | 'input'> {
  const start = task === WORKFLOW_START_TASK ? workflowStartPayloadSchema.safeParse(payload) : null;
  if (!start?.success) return { task, payload };
  return { workflow: start.data.workflow, ...(start.data.input === undefined ? {} : { input: start.data.input }) };
}

/**
 * A stored spec with a partial one laid over it. A new timing (`cron`, `every` or `at`)
 * replaces the old one; a new task drops the job options that came from the old task
 * (queue, priority, attempts, timeout), unless given again.
 */
export function mergeSpec(stored: ScheduleSpec, change: Partial<ScheduleSpec>): ScheduleSpec {
  const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<ScheduleSpec>;
  const base: Partial<ScheduleSpec> = { ...stored };
  if (TIMING_KEYS.some((key) => defined[key] !== undefined)) for (const key of TIMING_KEYS) delete base[key];
  const newTarget = (defined.task !== undefined && defined.task !== stored.task) || (defined.workflow !== undefined && defined.workflow !== stored.workflow);
  if (newTarget) {
    for (const key of ['queue', 'priority', 'maxAttempts', 'timeout'] as const) delete base[key];
  }
  // A task replaces a workflow target and the other way round, with what came with it.
  if (defined.task !== undefined) {
    delete base.workflow;
    delete base.input;
  }
  if (defined.workflow !== undefined) {
    delete base.task;
    delete base.payload;
  }
  return { ...base, ...defined } as ScheduleSpec;
}
