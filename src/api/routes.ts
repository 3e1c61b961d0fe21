/**
 * Every operation of the HTTP API, once: method, path, the scope a token needs, and the
 * schemas of its parameters, query, body and answer. The server registers a handler per
 * route id, the remote client calls routes by id, and the OpenAPI document is generated
 * from this table, so the three cannot drift apart.
 */
import { z } from 'zod';
import type { TokenScope } from '../core/types.js';
import * as wire from './wire.js';
import * as flow from './wire-workflows.js';

export const API_PREFIX = '/api/v1';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under `API_PREFIX`, OpenAPI style (`/jobs/{id}`). */
  path: string;
  /** The least a token needs; `read` < `write` < `admin`. */
  scope: TokenScope;
  summary: string;
  tag: 'jobs' | 'schedules' | 'workflows' | 'events' | 'queues' | 'workers' | 'tasks' | 'executions' | 'stats' | 'session' | 'audit' | 'tokens';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The success status: 200 unless said otherwise. */
  status?: 200 | 201 | 204;
  /** A success status that depends on the answer (a start that found its run already there: 200, not 201). */
  statusOf?: (answer: never) => 200 | 201;
  /** The answer's body; absent for 204. */
  response?: z.ZodType;
}

const nameParams = wire.nameParams;
// Typed by their response schema (not widened to RouteSpec), so a caller of the route knows its answer's type.
const scheduleAction = <S extends z.ZodType>(summary: string, response: S) => ({ method: 'POST', path: '', scope: 'write', summary, tag: 'schedules', params: nameParams, response }) as const;
const queueAction = <S extends z.ZodType>(summary: string, response: S) => ({ method: 'POST', path: '', scope: 'admin', summary, tag: 'queues', params: nameParams, response }) as const;

export const ROUTES = {
  'jobs.create': { method: 'POST', path: '/jobs', scope: 'write', summary: 'Enqueue a job: now, after `delay`, or at `runAt`', tag: 'jobs', body: wire.enqueueBody, status: 201, response: wire.insertResult },
  'jobs.createMany': {
    method: 'POST',
    path: '/jobs/batch',
    scope: 'write',
    summary: 'Enqueue up to 1,000 jobs in one transaction: all or none',
    tag: 'jobs',
    body: z.strictObject({ jobs: z.array(wire.enqueueBody).min(1).max(1000) }),
    status: 201,
    response: z.object({ jobs: z.array(wire.insertResult) }),
  },
  'jobs.list': { method: 'GET', path: '/jobs', scope: 'read', summary: 'List jobs, newest first, with filters and cursor paging', tag: 'jobs', query: wire.jobListQuery, response: wire.jobPage },
  'jobs.get': { method: 'GET', path: '/jobs/{id}', scope: 'read', summary: 'One job with its attempts, logs, result and error, and the flow limit it waits for', tag: 'jobs', params: wire.idParams, response: wire.jobDetail },
  'jobs.cancel': { method: 'POST', path: '/jobs/{id}/cancel', scope: 'write', summary: 'Cancel a pending job, or ask a running one to abort', tag: 'jobs', params: wire.idParams, response: wire.cancelResult },
  'jobs.delete': { method: 'DELETE', path: '/jobs/{id}', scope: 'write', summary: 'Delete a job that is not running (409 while it runs: cancel it first)', tag: 'jobs', params: wire.idParams, response: z.object({ id: z.string(), deleted: z.literal(true) }) },
  'jobs.bulk': { method: 'POST', path: '/jobs/bulk', scope: 'write', summary: 'Cancel, retry or delete every job a filter matches (`dryRun`: count them first)', tag: 'jobs', body: wire.bulkBody, response: wire.bulkResult },
  'jobs.retry': { method: 'POST', path: '/jobs/{id}/retry', scope: 'write', summary: 'Run a failed or cancelled job again', tag: 'jobs', params: wire.idParams, response: wire.retryResult },

  'schedules.create': { method: 'POST', path: '/schedules', scope: 'write', summary: 'Add a schedule (cron, every or at)', tag: 'schedules', body: wire.scheduleCreateBody, status: 201, response: wire.scheduleDetail },
  'schedules.list': { method: 'GET', path: '/schedules', scope: 'read', summary: 'List schedules with their next and last fires', tag: 'schedules', response: z.object({ schedules: z.array(wire.scheduleView) }) },
  'schedules.get': { method: 'GET', path: '/schedules/{name}', scope: 'read', summary: 'One schedule with a preview of its next fires', tag: 'schedules', params: nameParams, response: wire.scheduleDetail },
  'schedules.update': { method: 'PATCH', path: '/schedules/{name}', scope: 'write', summary: 'Change some fields of a schedule', tag: 'schedules', params: nameParams, body: wire.scheduleUpdateBody, response: wire.scheduleDetail },
  'schedules.delete': { method: 'DELETE', path: '/schedules/{name}', scope: 'write', summary: 'Remove a schedule (its fire history goes with it)', tag: 'schedules', params: nameParams, status: 204 },
  'schedules.pause': { ...scheduleAction('Pause a schedule: no fires until resumed', wire.scheduleView), path: '/schedules/{name}/pause' },
  'schedules.resume': { ...scheduleAction('Resume a paused schedule from now on', wire.scheduleView), path: '/schedules/{name}/resume' },
  'schedules.run': { ...scheduleAction('Fire a schedule now, once, leaving its cadence as it is', wire.scheduleFire), path: '/schedules/{name}/run' },
  'schedules.preview': { method: 'POST', path: '/schedules/preview', scope: 'read', summary: 'Check a timing (cron, every or at, and zone) and preview its next fires', tag: 'schedules', body: wire.schedulePreviewBody, response: wire.schedulePreview },
  'schedules.history': {
    method: 'GET',
    path: '/schedules/{name}/history',
    scope: 'read',
    summary: "A schedule's fires from the fire ledger, newest first",
    tag: 'schedules',
    params: nameParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).optional() }),
    response: z.object({ fires: z.array(wire.scheduleFire) }),
  },

  'workflows.list': { method: 'GET', path: '/workflows', scope: 'read', summary: 'Stored workflow definitions (stored by the workers that have them)', tag: 'workflows', response: z.object({ workflows: z.array(flow.workflowRecord) }) },
  'workflows.get': { method: 'GET', path: '/workflows/{name}', scope: 'read', summary: 'One stored workflow definition: its steps, edges and policies', tag: 'workflows', params: nameParams, response: flow.workflowRecord },
  'workflows.start': {
    method: 'POST',
    path: '/workflows/{name}/runs',
    scope: 'write',
    summary: 'Start a run of a stored workflow (201; 200 with `created: false` when a run with its `uniqueKey` exists)',
    tag: 'workflows',
    params: nameParams,
    body: flow.runStartBody,
    status: 201,
    statusOf: (answer: { created: boolean }) => (answer.created ? 201 : 200),
    response: flow.runStarted,
  },
  'workflows.runs': { method: 'GET', path: '/workflows/runs', scope: 'read', summary: 'Workflow runs, newest first, with step counts per state', tag: 'workflows', query: flow.runListQuery, response: flow.runPage },
  'workflows.run': { method: 'GET', path: '/workflows/runs/{id}', scope: 'read', summary: 'One run with its steps: states, results, errors and their jobs', tag: 'workflows', params: flow.runIdParams, response: flow.runRecord },
  'workflows.cancel': { method: 'POST', path: '/workflows/runs/{id}/cancel', scope: 'write', summary: 'Cancel a running run: waiting steps cancelled, running steps aborted', tag: 'workflows', params: flow.runIdParams, response: flow.runCancelled },
  'workflows.retry': {
    method: 'POST',
    path: '/workflows/runs/{id}/retry',
    scope: 'write',
    summary: 'Run the failed, cancelled and skipped-by-failure steps of an ended run again, keeping the results of the others (409 while a step still runs)',
    tag: 'workflows',
    params: flow.runIdParams,
    response: flow.runRetried,
  },

  'events.emit': {
    method: 'POST',
    path: '/events',
    scope: 'write',
    summary: 'Emit an event for the durable functions waiting on its key (the first emit of a key wins; kept `keep` for waits that come later)',
    tag: 'events',
    body: flow.emitBody,
    response: flow.emitResult,
  },

  'queues.list': { method: 'GET', path: '/queues', scope: 'read', summary: 'Queues with their counts, last-hour outcomes and oldest due age', tag: 'queues', response: z.object({ queues: z.array(wire.queueStats) }) },
  'queues.pause': { ...queueAction('Pause a queue: workers stop claiming from it', z.object({ queue: z.string(), paused: z.literal(true) })), path: '/queues/{name}/pause' },
  'queues.resume': { ...queueAction('Resume a paused queue', z.object({ queue: z.string(), paused: z.literal(false) })), path: '/queues/{name}/resume' },
  'queues.clean': { ...queueAction("Delete a queue's pending jobs", z.object({ queue: z.string(), deleted: z.number() })), path: '/queues/{name}/clean' },
  'queues.setLimits': {
    method: 'PUT',
    path: '/queues/{name}/limits',
    scope: 'write',
    summary: "Change a queue's flow limits (concurrency, rate, per-key limits, fair turns): fields given change, null removes one, fields left out stay; answers the limits in force",
    tag: 'queues',
    params: nameParams,
    body: wire.queueLimitsBody,
    response: wire.queueLimits,
  },
  'queues.clearLimits': { method: 'DELETE', path: '/queues/{name}/limits', scope: 'write', summary: "Remove every flow limit of a queue", tag: 'queues', params: nameParams, status: 204 },
  'queues.flow': {
    method: 'GET',
    path: '/queues/{name}/flow',
    scope: 'read',
    summary: "A queue's limits and what they hold back now: running, due, the rate's next start, a pause, the busiest keys",
    tag: 'queues',
    params: nameParams,
    query: wire.queueFlowQuery,
    response: wire.queueFlow,
  },

  'workers.list': { method: 'GET', path: '/workers', scope: 'read', summary: 'Workers seen in the last day, with liveness and running jobs', tag: 'workers', response: z.object({ workers: z.array(wire.workerRecord) }) },
  'tasks.list': { method: 'GET', path: '/tasks', scope: 'read', summary: 'Tasks this server knows, with their options and payload schema', tag: 'tasks', response: z.object({ tasks: z.array(wire.taskInfo) }) },
  'executions.list': { method: 'GET', path: '/executions', scope: 'read', summary: 'Attempts across jobs, newest first, with filters', tag: 'executions', query: wire.executionQuery, response: wire.executionPage },

  'stats.throughput': { method: 'GET', path: '/stats/throughput', scope: 'read', summary: 'Jobs ended per minute (or quarter hour, or two hours): succeeded, failed, cancelled', tag: 'stats', query: wire.throughputQuery, response: wire.throughput },
  'session.get': { method: 'GET', path: '/session', scope: 'read', summary: "The caller's scope and token name (what the dashboard may offer)", tag: 'session', response: wire.session },
  'audit.list': { method: 'GET', path: '/audit', scope: 'read', summary: 'Operator actions (cancel, retry, bulk, clean, schedule and token changes), newest first', tag: 'audit', query: wire.auditQuery, response: wire.auditPage },

  'tokens.create': { method: 'POST', path: '/tokens', scope: 'admin', summary: 'Create an API token (shown once, stored hashed)', tag: 'tokens', body: wire.tokenCreateBody, status: 201, response: wire.tokenCreated },
  'tokens.list': { method: 'GET', path: '/tokens', scope: 'admin', summary: 'List API tokens (never the tokens themselves)', tag: 'tokens', response: z.object({ tokens: z.array(wire.tokenView) }) },
  'tokens.revoke': { method: 'DELETE', path: '/tokens/{id}', scope: 'admin', summary: 'Revoke an API token', tag: 'tokens', params: wire.tokenIdParams, response: z.object({ id: z.string(), revoked: z.boolean() }) },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof ROUTES;

/** What a token scope allows: each scope includes the ones before it. */
export const SCOPE_ORDER: readonly TokenScope[] = ['read', 'write', 'admin'];

export function scopeAllows(has: TokenScope, needs: TokenScope): boolean {
  return SCOPE_ORDER.indexOf(has) >= SCOPE_ORDER.indexOf(needs);
}

/** Paths outside `/api/v1` that the server also answers (documented in the OpenAPI document). */
export const SERVICE_PATHS = {
  health: '/healthz',
  ready: '/readyz',
  metrics: '/metrics',
  events: `${API_PREFIX}/events`,
  openapi: '/api/openapi.json',
  docs: '/docs',
} as const;
