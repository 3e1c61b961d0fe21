/**
 * The JSON shapes of the workflow part of the HTTP API: stored definitions, a run's start,
 * runs listed and read with their steps, and the answers of cancel and retry. The same rules
 * as wire.ts: times travel as ISO text and decode to `Date`s, request objects are strict, and
 * what the client checks anyway (names, run ids, limits) is only typed here, so every way in
 * gives the client's own error text.
 */
import { z } from 'zod';
import { JOB_STATES } from '../core/types.js';
import { CHECKPOINT_KINDS, CHECKPOINT_STATES, EDGE_POLICIES, RUN_STATES, STEP_STATES } from '../core/workflow-types.js';
import { durationInput, errorInfo, json, limit, list, name, wireDate } from './wire.js';

const nullableDate = wireDate.nullable();
const runId = z.string().max(19).meta({ description: 'a workflow run id (a positive whole number, as text)', example: '7' });
const runState = z.enum(RUN_STATES);
const stepState = z.enum(STEP_STATES);
const jobState = z.enum(JOB_STATES);

const stepEdge = z.object({ step: z.string(), policy: z.enum(EDGE_POLICIES) });

export const stepDefinition = z.object({
  name: z.string(),
  task: z.string(),
  queue: z.string(),
  priority: z.number(),
  maxAttempts: z.number(),
  timeoutMs: z.number().nullable(),
  backoffBaseMs: z.number().nullable(),
  backoffCapMs: z.number().nullable(),
  dependsOn: z.array(stepEdge),
  map: z.string().nullable().meta({ description: 'a map step: one job per element of this parent’s array result' }),
  condition: z.string().nullable().meta({ description: 'the text of the step’s condition (the condition itself is code)' }),
});

export const workflowDefinition = z.object({
  name: z.string(),
  kind: z.enum(['graph', 'function']).optional().meta({ description: '`function`: a durable function (one step, `main`, whose progress is its checkpoints); absent: a graph of steps' }),
  description: z.string().nullable(),
  steps: z.array(stepDefinition),
  output: z.string().nullable(),
});

export const workflowRecord = z.object({ name: z.string(), definition: workflowDefinition, updatedAt: wireDate });

/** What `POST /workflows/{name}/runs` takes. */
export const runStartBody = z.strictObject({
  input: json.optional().meta({ description: 'the run’s input, checked against the workflow’s input schema when the server knows it' }),
  uniqueKey: z.string().max(1000).optional().meta({ description: 'a run with this key that exists already is returned instead of starting another' }),
  traceId: z.string().max(200).optional().meta({ description: "the run's trace id, carried by every step's job; defaults to the request's id" }),
});
export const runStarted = z.object({ runId, created: z.boolean() });

export const runListQuery = z.strictObject({
  workflow: name.optional(),
  state: list(RUN_STATES as unknown as [string, ...string[]]).optional(),
  limit,
  cursor: z.string().max(200).optional().meta({ description: 'the `nextCursor` of the previous page' }),
});

export const runSummary = z.object({
  id: runId,
  workflow: z.string(),
  state: runState,
  createdAt: wireDate,
  finishedAt: nullableDate,
  error: errorInfo.nullable(),
  steps: z.partialRecord(stepState, z.number()).meta({ description: 'how many steps are in each state' }),
});
export const runPage = z.object({ runs: z.array(runSummary), total: z.number(), nextCursor: z.string().nullable() });

export const runStep = z.object({
  step: z.string(),
  state: stepState,
  jobId: z.string().nullable(),
  mapTotal: z.number().nullable(),
  mapDone: z.number(),
  result: json.nullable(),
  error: errorInfo.nullable(),
  reason: z.string().nullable(),
  skip: z.enum(['condition', 'parent']).nullable(),
  finishedAt: nullableDate,
  task: z.string(),
  dependsOn: z.array(stepEdge),
  map: z.string().nullable(),
  condition: z.string().nullable(),
  jobState: jobState.nullable(),
  attempt: z.number().nullable(),
  startedAt: nullableDate,
  mapJobs: z.partialRecord(jobState, z.number()).nullable(),
});

export const checkpoint = z.object({
  seq: z.number().meta({ description: 'its place in the function, from 0' }),
  name: z.string().meta({ description: 'the step’s name; for waits: `sleep`, the event key, or the child’s task or workflow' }),
  kind: z.enum(CHECKPOINT_KINDS),
  state: z.enum(CHECKPOINT_STATES),
  result: json.nullable().meta({ description: 'a step’s result, an event’s payload, a child run’s output' }),
  error: errorInfo.nullable(),
  attempts: z.number(),
  startedAt: wireDate,
  finishedAt: nullableDate,
  waitUntil: nullableDate.meta({ description: 'a sleep’s end, or an event wait’s timeout' }),
  eventKey: z.string().nullable(),
  childRunId: z.string().nullable(),
});

export const runRecord = z.object({
  id: runId,
  workflow: z.string(),
  state: runState,
  input: json,
  output: json.nullable(),
  error: errorInfo.nullable(),
  definition: workflowDefinition,
  traceId: z.string().nullable(),
  createdAt: wireDate,
  finishedAt: nullableDate,
  steps: z.array(runStep),
  parentRunId: z.string().nullable().meta({ description: 'the run that spawned this one (a durable function’s `ctx.spawn`)' }),
  checkpoints: z.array(checkpoint).meta({ description: 'a durable function’s checkpoints in the order it reached them; empty for a graph' }),
});

export const runIdParams = z.strictObject({ id: runId });
export const runCancelled = z.object({ id: runId, state: runState });
export const runRetried = z.object({ id: runId, retried: z.boolean(), state: runState });

/** What `POST /events` takes: the first emit of a key wins; `keep` defaults to 24 hours. */
export const emitBody = z.strictObject({
  key: z.string().min(1).max(500).meta({ description: 'the event’s key, as `ctx.waitForEvent(key)` names it' }),
  payload: json.optional().meta({ description: 'what the waiting functions receive; null when absent' }),
  keep: durationInput.optional().meta({ description: 'how long the event is kept for waits that come later (default 24h)' }),
});
export const emitResult = z.object({
  stored: z.boolean().meta({ description: 'false: an unexpired event with this key exists already (the first emit wins)' }),
  woken: z.number().meta({ description: 'how many waiting runs were made due now' }),
});
