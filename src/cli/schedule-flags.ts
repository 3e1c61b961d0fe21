/**
 * The flags of `ordo schedules add|update` turned into a client `ScheduleSpec`, and the
 * client's errors told in the flags the user typed: `cron: expected …` becomes
 * `--cron: expected …`, so every refusal names what to fix on the command line.
 * A schedule enqueues a task's job (`--task`, `--payload`) or starts a workflow's run
 * (`--workflow`, with `--payload` as the run's input).
 */
import { Option, type Command } from 'commander';
import type { ScheduleSpec } from '../client/ordo.js';
import { durationSetting } from '../config/duration.js';
import { renameField, ValidationError } from '../core/errors.js';
import { MAX_ATTEMPTS_LIMIT } from '../core/retry.js';
import { intOption } from './context.js';
import { payloadFromArgs } from './payload.js';

export interface ScheduleFlags {
  cron?: string;
  every?: string;
  at?: string;
  task?: string;
  workflow?: string;
  payload?: string;
  tz?: string;
  queue?: string;
  priority?: number;
  maxAttempts?: number;
  timeout?: string;
  misfire?: string;
  misfireLimit?: number;
  overlap?: string;
  json?: boolean;
}

/** The flag for each field a client error may name. */
const FLAG_OF: Record<string, string> = {
  cron: '--cron',
  every: '--every',
  at: '--at',
  tz: '--tz',
  task: '--task',
  workflow: '--workflow',
  payload: '--payload',
  input: '--payload',
  queue: '--queue',
  priority: '--priority',
  maxAttempts: '--max-attempts',
  'retry.maxAttempts': '--max-attempts',
  timeout: '--timeout',
  misfire: '--misfire',
  misfireLimit: '--misfire-limit',
  overlap: '--overlap',
  name: 'NAME',
};

/** Adds the definition flags to `add` (a task or a workflow required there) or `update` (every flag optional). */
export function definitionFlags(command: Command, mode: 'add' | 'update'): Command {
  const task = new Option('--task <task>', mode === 'add' ? 'task each fire enqueues' : 'enqueue this task instead');
  const workflow = new Option('--workflow <name>', mode === 'add' ? 'a workflow each fire starts a run of, instead of a task (its input: --payload)' : 'start runs of this workflow instead');
  return command
    .option('--cron <expr>', 'cron expression: 5 or 6 fields ("0 9 * * 1-5") or @hourly, @daily …')
    .option('--every <duration>', 'fire at every multiple of an interval: 30s, 5m, 1h')
    .option('--at <time>', 'fire once at a time: ISO 8601 or epoch seconds')
    .addOption(task)
    .addOption(workflow.conflicts('task'))
    .option('--payload <json>', "payload of every job (with --workflow: every run's input), a JSON object")
    .option('--tz <zone>', 'IANA time zone the cron expression is read in (default UTC), e.g. Europe/London')
    .option('-q, --queue <queue>', 'queue of its jobs (default: the task\'s queue, else "default")')
    .option('-p, --priority <n>', 'priority of its jobs; lower runs first', intOption('--priority', -1_000_000, 1_000_000))
    .option('--max-attempts <n>', 'attempts per job, retries included', intOption('--max-attempts', 1, MAX_ATTEMPTS_LIMIT))
    .option('--timeout <duration>', 'abort an attempt after this long: 30s, 5m')
    .option('--misfire <policy>', 'fires missed while no scheduler ran: skip, once (default) or all')
    .option('--misfire-limit <n>', 'with --misfire all: most missed fires enqueued at once (default 100)', intOption('--misfire-limit'))
    .option('--overlap <policy>', "a fire while the last fire's job has not ended: allow (default), skip or queue")
    .option('--json', 'print the schedule as JSON');
}

/** The spec the flags describe; `add` needs a timing, `update` only what changes. */
export function specFromFlags(flags: ScheduleFlags, mode: 'add' | 'update'): Partial<ScheduleSpec> {
  const timings = (['cron', 'every', 'at'] as const).filter((key) => flags[key] !== undefined);
  if (timings.length > 1) {
    throw new ValidationError(`--${timings[0]}`, 'one of --cron, --every or --at, not several', timings.map((key) => `--${key} ${flags[key]}`).join(' '));
  }
  if (timings.length === 0 && mode === 'add') {
    throw new ValidationError('--cron', 'when to fire: one of --cron EXPR, --every DURATION or --at TIME', undefined);
  }
  if (mode === 'add' && flags.task === undefined && flags.workflow === undefined) {
    throw new ValidationError('--task', 'what each fire does: --task TASK (a job) or --workflow NAME (a run)', undefined);
  }
  const payload = flags.payload === undefined ? undefined : asFlags(() => payloadFromArgs([flags.payload!]));
  return {
    task: flags.task,
    ...(flags.workflow === undefined ? { payload } : { workflow: flags.workflow, input: payload }),
    cron: flags.cron,
    every: flags.every === undefined ? undefined : durationSetting(flags.every, '--every'),
    at: flags.at,
    tz: flags.tz,
    queue: flags.queue,
    priority: flags.priority,
    maxAttempts: flags.maxAttempts,
    timeout: flags.timeout === undefined ? undefined : durationSetting(flags.timeout, '--timeout'),
    misfire: flags.misfire as ScheduleSpec['misfire'],
    misfireLimit: flags.misfireLimit,
    overlap: flags.overlap as ScheduleSpec['overlap'],
  };
}

/** Runs `body`; a ValidationError it throws names the flag instead of the client's field. */
export function asFlags<T>(body: () => T): T {
  try {
    const result = body();
    if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(toFlag(err))) as T;
    return result;
  } catch (err) {
    throw toFlag(err);
  }
}

function toFlag(err: unknown): unknown {
  return renameField(err, (field) => FLAG_OF[field] ?? field);
}
