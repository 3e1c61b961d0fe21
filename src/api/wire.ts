/**
 * The JSON shapes of the HTTP API, as zod schemas. The same schemas validate requests in the
 * server, decode responses in the remote client and generate the OpenAPI document
 * (`z.toJSONSchema(…, { io: 'input' })`: what travels on the wire).
 *
 * Times travel as ISO 8601 text and decode to `Date`s; times a caller sends may also be
 * epoch seconds. Request objects are strict: an unknown field is a mistake worth naming
 * (a misspelt `dealy` must not enqueue a job to run now). Values the client checks anyway
 * (task and queue names, durations, payloads against a task's schema) are only typed here,
 * so every way in gives the same error text.
 */
import { z } from 'zod';
import { JOB_STATES, TOKEN_SCOPES } from '../core/types.js';

const ATTEMPT_OUTCOMES = ['succeeded', 'failed', 'timed_out', 'cancelled', 'worker_lost'] as const;

/** A time in a response: ISO 8601 text on the wire, a `Date` once decoded. */
export const wireDate = z.iso.datetime({ offset: true }).transform((text) => new Date(text)).meta({ description: 'ISO 8601 time' });
const nullableDate = wireDate.nullable();

/** A time a caller sends: ISO 8601 text or epoch seconds (the client checks and converts it). */
export const timeInput = z.union([z.string().max(64), z.number()]).meta({ description: 'ISO 8601 time, or epoch seconds' });
/** A duration a caller sends: milliseconds or text such as `2h10m20s`. */
export const durationInput = z.union([z.string().max(64), z.number()]).meta({ description: 'milliseconds, or a duration such as `2h10m20s`' });

export const json: z.ZodType<unknown> = z.unknown().meta({ description: 'any JSON value' });
const jobId = z.string().max(19).meta({ description: 'a job id (a positive whole number, as text)', example: '42' });
export const name = z.string().max(200);

export const errorInfo = z.object({ message: z.string(), name: z.string().optional(), stack: z.string().optional() });
const logLine = z.object({ at: wireDate, message: z.string() });

export const attemptRecord = z.object({
  attempt: z.number(),
  worker: z.string().nullable(),
  startedAt: nullableDate,
  finishedAt: wireDate,
  outcome: z.enum(ATTEMPT_OUTCOMES),
  result: json.optional(),
  error: errorInfo.optional(),
  logs: z.array(logLine).optional(),
});

export const jobRecord = z.object({
  id: jobId,
  task: z.string(),
  queue: z.string(),
  payload: json,
  state: z.enum(JOB_STATES),
  priority: z.number(),
  runAt: wireDate,
  createdAt: wireDate,
  attempt: z.number(),
  maxAttempts: z.number(),
  timeoutMs: z.number().nullable(),
  backoffBaseMs: z.number().nullable(),
  backoffCapMs: z.number().nullable(),
  uniqueKey: z.string().nullable(),
  lockedBy: z.string().nullable(),
  lockedUntil: nullableDate,
  startedAt: nullableDate,
  finishedAt: nullableDate,
  cancelRequested: z.boolean(),
  progress: z.number().nullable(),
  result: json.nullable(),
  lastError: errorInfo.nullable(),
  attempts: z.array(attemptRecord),
  traceId: z.string().nullable(),
  workflow: z
    .object({ runId: z.string(), step: z.string(), mapIndex: z.number().nullable() })
    .nullable()
    .meta({ description: 'the workflow run and step the job does (mapIndex: its element of a map step); null for a job of its own' }),
  concurrencyKey: z.string().nullable().meta({ description: "the key its queue's per-key limits and turns apply to; null for none" }),
});

/** One job as `GET /jobs/{id}` answers it: with why it waits, when a flow limit holds it. */
export const jobDetail = jobRecord.extend({
  waitingFor: z.string().nullable().meta({ description: 'the flow limit a pending, due job waits for (such as its queue concurrency limit); null when none holds it' }),
});

/** What `POST /jobs` takes: the task, its payload and the options of `enqueue`. */
export const enqueueBody = z.strictObject({
  task: name,
  payload: json.optional(),
  queue: name.optional(),
  priority: z.number().optional(),
  delay: durationInput.optional(),
  runAt: timeInput.optional(),
  maxAttempts: z.number().optional(),
  retry: z.strictObject({ baseMs: z.number().optional(), capMs: z.number().optional(), maxAttempts: z.number().optional() }).optional(),
  uniqueKey: z.string().max(1000).optional(),
  uniqueFor: durationInput.optional(),
  timeout: durationInput.optional(),
  traceId: z.string().max(200).optional().meta({ description: "the job's trace id; defaults to the request's id" }),
  concurrencyKey: z.string().max(200).optional().meta({ description: "the key the queue's per-key limits and turns apply to (a customer id…)" }),
  debounce: z
    .strictObject({ key: z.string().max(1000), for: durationInput })
    .optional()
    .meta({ description: 'keep only the last job of a burst: while a job with the key is pending, this one replaces its payload and moves its run `for` from now' }),
  throttle: z
    .strictObject({ key: z.string().max(1000), for: durationInput })
    .optional()
    .meta({ description: 'keep only the first job: within `for` of it, enqueueing the key again returns it' }),
});

export const insertResult = z.object({ id: jobId, created: z.boolean() });

/** Comma-separated values in a query string, such as `state=failed,cancelled`. */
export const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .max(500)
    .transform((text) => text.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .meta({ description: `one or more of ${values.join(', ')}, comma-separated` });

export const limit = z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'at most this many (1–1000)' });

export const jobListQuery = z.strictObject({
  state: list(JOB_STATES as [string, ...string[]]).optional(),
  queue: name.optional(),
  task: name.optional(),
  worker: name.optional(),
  createdFrom: timeInput.optional(),
  createdTo: timeInput.optional(),
  q: z.string().max(500).optional().meta({ description: "text the payload's JSON contains (case-insensitive)" }),
  resultQ: z.string().max(500).optional().meta({ description: "text the result's JSON contains (case-insensitive)" }),
  payloadContains: z.string().max(2000).optional().meta({ description: 'a JSON object the payload contains, such as {"customer":42}' }),
  resultContains: z.string().max(2000).optional().meta({ description: 'a JSON object the result contains' }),
  limit,
  offset: z.coerce.number().int().min(0).optional().meta({ description: 'skip this many (prefer `cursor`, which stays fast however deep)' }),
  cursor: z.string().max(200).optional().meta({ description: 'the `nextCursor` of the previous page' }),
});

export const jobPage = z.object({ jobs: z.array(jobRecord), total: z.number(), nextCursor: z.string().nullable() });

export const cancelResult = z.object({ state: z.enum(['cancelled', 'running']), cancelRequested: z.boolean(), already: z.literal(true).optional() });
export const retryResult = z.object({ retried: z.literal(true), state: z.literal('pending') });

const scheduleFields = {
  task: name.optional().meta({ description: 'the task each fire enqueues (or `workflow`)' }),
  payload: json.optional(),
  workflow: name.optional().meta({ description: 'a workflow each fire starts a run of, instead of a task' }),
  input: json.optional().meta({ description: "with `workflow`: each run's input" }),
  queue: name.optional(),
  priority: z.number().optional(),
  maxAttempts: z.number().optional(),
  timeout: durationInput.optional(),
  cron: z.string().max(200).optional(),
  every: durationInput.optional(),
  at: timeInput.optional(),
  tz: z.string().max(100).optional(),
  misfire: z.enum(['skip', 'once', 'all']).optional(),
  misfireLimit: z.number().optional(),
  overlap: z.enum(['allow', 'skip', 'queue']).optional(),
};

export const scheduleCreateBody = z.strictObject({ name, ...scheduleFields });
export const scheduleUpdateBody = z.strictObject(scheduleFields);

const scheduleTiming = z.union([
  z.object({ kind: z.literal('cron'), cron: z.string(), tz: z.string() }),
  z.object({ kind: z.literal('every'), everyMs: z.number(), tz: z.string() }),
  z.object({ kind: z.literal('once'), at: wireDate, tz: z.string() }),
]);

export const scheduleView = z.object({
  id: z.string(),
  name: z.string(),
  timing: scheduleTiming,
  job: z.object({
    task: z.string(),
    queue: z.string(),
    payload: json,
    priority: z.number(),
    maxAttempts: z.number(),
    timeoutMs: z.number().nullable(),
    backoffBaseMs: z.number().nullable(),
    backoffCapMs: z.number().nullable(),
  }),
  misfire: z.enum(['skip', 'once', 'all']),
  misfireLimit: z.number(),
  overlap: z.enum(['allow', 'skip', 'queue']),
  source: z.enum(['api', 'code']),
  paused: z.boolean(),
  nextRunAt: nullableDate,
  createdAt: wireDate,
  updatedAt: wireDate,
  lastFireAt: nullableDate,
  lastJobId: z.string().nullable(),
  lastOutcome: z.enum(JOB_STATES).nullable(),
  overdue: z.boolean(),
  overdueReason: z.string().nullable(),
});
export const scheduleDetail = scheduleView.extend({ nextFires: z.array(wireDate) });

export const scheduleFire = z.object({
  scheduleId: z.string(),
  schedule: z.string(),
  fireTime: wireDate,
  firedAt: wireDate,
  jobId: z.string().nullable(),
  manual: z.boolean(),
  skipped: z.literal('overlap').nullable(),
  jobState: z.enum(JOB_STATES).nullable(),
});

const rateLimit = z.object({ limit: z.number(), periodMs: z.number(), burst: z.number() }).meta({ description: 'at most `limit` starts per `periodMs`, up to `burst` of them at once' });

/** A queue's flow limits in force (null: no such limit). */
export const queueLimits = z.object({
  concurrency: z.number().nullable(),
  rate: rateLimit.nullable(),
  keyConcurrency: z.number().nullable(),
  keyRate: rateLimit.nullable(),
  fair: z.boolean(),
});

const countInput = z.number().meta({ description: 'a whole number from 1 to 1000000' });
const rateInput = z.string().max(64).meta({ description: 'starts per period, such as 100/1m, 20/s or 5/10s' });

/** A change to a queue's limits: a field given sets it (null removes that limit), a field left out stays. */
export const queueLimitsBody = z.strictObject({
  concurrency: countInput.nullable().optional(),
  rate: rateInput.nullable().optional(),
  burst: countInput.optional().meta({ description: 'starts of `rate` that may go at once after a quiet spell (default 1)' }),
  keyConcurrency: countInput.nullable().optional(),
  keyRate: rateInput.nullable().optional(),
  keyBurst: countInput.optional(),
  fair: z.boolean().optional().meta({ description: 'keys take turns (implied by a per-key limit)' }),
});

const keyUsage = z.object({ key: z.string(), running: z.number(), pending: z.number() });

export const queueFlow = z.object({
  queue: z.string(),
  limits: queueLimits,
  pausedUntil: nullableDate.meta({ description: "starts paused until then by a handler's rate limit" }),
  running: z.number(),
  due: z.number().meta({ description: 'pending jobs due now (waiting for a worker or a limit)' }),
  nextStartAt: nullableDate.meta({ description: "when the queue's rate allows its next start; null: now, or no rate" }),
  busiestKeys: z.array(keyUsage),
  key: keyUsage.nullable(),
  keyNextStartAt: nullableDate,
});

export const queueFlowQuery = z.strictObject({
  keys: z.coerce.number().int().min(0).max(1000).optional().meta({ description: 'list this many keys with the most pending jobs (0–1000, default 0)' }),
  key: z.string().max(200).optional().meta({ description: "also report this key's use and next start" }),
});

// Fields in the order the client gives them (a decoded answer prints like a local one).
export const queueStats = z.object({
  queue: z.string(),
  paused: z.boolean(),
  pending: z.number(),
  due: z.number(),
  running: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  delayed: z.number(),
  succeededLastHour: z.number(),
  failedLastHour: z.number(),
  oldestDueAgeMs: z.number().nullable(),
  limits: queueLimits,
  pausedUntil: nullableDate,
});

export const workerRecord = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  queues: z.array(z.string()),
  concurrency: z.number(),
  running: z.number(),
  startedAt: wireDate,
  livenessMs: z.number(),
  lastSeenAt: wireDate,
  status: z.enum(['alive', 'stale', 'stopped']),
});

export const taskInfo = z.object({
  name: z.string(),
  queue: z.string(),
  description: z.string().nullable(),
  source: z.string().nullable(),
  hasSchema: z.boolean(),
  /** The payload's JSON Schema, when the task declares a schema that can be shown as one. */
  payloadSchema: json.nullable(),
  priority: z.number(),
  maxAttempts: z.number(),
  timeoutMs: z.number().nullable(),
});

export const executionRecord = z.object({
  jobId: jobId,
  task: z.string(),
  queue: z.string(),
  attempt: z.number(),
  worker: z.string().nullable(),
  startedAt: nullableDate,
  finishedAt: wireDate,
  outcome: z.enum(ATTEMPT_OUTCOMES),
  error: errorInfo.nullable(),
  durationMs: z.number().nullable(),
});

export const executionQuery = z.strictObject({
  task: name.optional(),
  queue: name.optional(),
  outcome: list(ATTEMPT_OUTCOMES as unknown as [string, ...string[]]).optional(),
  worker: name.optional(),
  from: timeInput.optional(),
  to: timeInput.optional(),
  limit,
  cursor: z.string().max(200).optional().meta({ description: 'the `nextCursor` of the previous page' }),
});
export const executionPage = z.object({ executions: z.array(executionRecord), nextCursor: z.string().nullable() });

export const tokenView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  scope: z.enum(TOKEN_SCOPES as [string, ...string[]]),
  createdAt: wireDate,
  revokedAt: nullableDate,
});
export const tokenCreateBody = z.strictObject({ scope: z.enum(TOKEN_SCOPES as [string, ...string[]]), name: name.optional() });
/** The token itself is in this answer and nowhere else, ever. */
export const tokenCreated = z.object({ token: z.string(), record: tokenView });

export const eventsQuery = z.strictObject({
  queue: name.optional(),
  task: name.optional(),
});

export const nameParams = z.strictObject({ name });
export const idParams = z.strictObject({ id: jobId });
export const tokenIdParams = z.strictObject({ id: z.string().max(100) });

/** An RFC 9457 problem, with Ordo's code and, for bad input, the field, expected form and value received. */
export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  instance: z.string().optional(),
  code: z.string(),
  field: z.string().optional(),
  expected: z.string().optional(),
  received: z.string().optional(),
  requestId: z.string().optional(),
  /** The error's `details` (such as a conflict's job id and state), for clients that rebuild the error. */
  details: z.record(z.string(), z.unknown()).optional(),
});

/** A job filter in a body (bulk actions): the listing's filters, with JSON objects as objects. */
export const jobFilterBody = z.strictObject({
  state: z.array(z.enum(JOB_STATES)).max(5).optional(),
  queue: name.optional(),
  task: name.optional(),
  worker: name.optional(),
  createdFrom: timeInput.optional(),
  createdTo: timeInput.optional(),
  q: z.string().max(500).optional(),
  resultQ: z.string().max(500).optional(),
  payloadContains: z.record(z.string(), json).optional(),
  resultContains: z.record(z.string(), json).optional(),
});

export const bulkBody = z.strictObject({
  action: z.enum(['cancel', 'retry', 'delete']),
  filter: jobFilterBody,
  dryRun: z.boolean().optional().meta({ description: 'only count the jobs the action would change (the preview)' }),
});
export const bulkResult = z.object({ action: z.enum(['cancel', 'retry', 'delete']), count: z.number(), dryRun: z.boolean() });

export const throughputQuery = z.strictObject({
  window: z.enum(['1h', '24h', '7d']).optional().meta({ description: 'how far back (default 1h); buckets of 1 min, 15 min or 2 h' }),
  queue: name.optional(),
});
export const throughput = z.object({
  bucketMs: z.number(),
  buckets: z.array(z.object({ at: wireDate, succeeded: z.number(), failed: z.number(), cancelled: z.number() })),
});

export const session = z.object({
  /** `none`: the server runs without tokens (development on loopback). */
  auth: z.enum(['none', 'tokens']),
  scope: z.enum(TOKEN_SCOPES as [string, ...string[]]),
  name: z.string().nullable(),
});

export const auditEntry = z.object({ id: z.string(), at: wireDate, actor: z.string(), action: z.string(), target: z.string(), details: json.nullable() });
export const auditQuery = z.strictObject({ limit, cursor: z.string().max(100).optional(), action: z.string().max(100).optional() });
export const auditPage = z.object({ entries: z.array(auditEntry), nextCursor: z.string().nullable() });

export const schedulePreviewBody = z.strictObject({
  cron: z.string().max(200).optional(),
  every: durationInput.optional(),
  at: timeInput.optional(),
  tz: z.string().max(100).optional(),
  count: z.number().int().min(1).max(50).optional(),
});
export const schedulePreview = z.object({ nextFires: z.array(wireDate) });
