/**
 * The JSON shapes of the workflow part of the HTTP API: stored definitions, a run's start,
 * runs listed and read with their steps, and the answers of cancel and retry. The same rules
 * as wire.ts: times travel as ISO text and decode to `Date`s, request objects are strict, and
 * what the client checks anyway (names, run ids, limits) is only typed here, so every way in
 * gives the client's own error text.
 */
import { z } from 'zod';
import { JOB_STATES } from '../core/types.js';
import { EDGE_POLICIES, RUN_STATES, STEP_STATES } from '../core/workflow-types.js';
import { errorInfo, json, limit, list, name, wireDate } from './wire.js';

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
});

export const runIdParams = z.strictObject({ id: runId });
export const runCancelled = z.object({ id: runId, state: runState });
export const runRetried = z.object({ id: runId, retried: z.boolean(), state: runState });
