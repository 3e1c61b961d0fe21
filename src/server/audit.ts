/**
 * The audit trail: every operator action carried out through the API (cancel, delete, retry,
 * bulk actions, queue pause, resume, clean and limits, schedule changes, workflow runs started,
 * cancelled and retried, events emitted, token changes) is written to the audit log once it has succeeded,
 * with who did it (the token's name, else its id, else `local` on a server without tokens),
 * what and on what. One table says which routes are actions and how each is described, so a
 * new action is one line here.
 *
 * A failure to write the entry is logged, not answered: the action is done, and telling the
 * caller it failed would invite them to do it twice.
 */
import type { FastifyRequest } from 'fastify';
import type { RouteId } from '../api/routes.js';
import type { Json } from '../core/types.js';
import type { Caller } from './auth.js';
import type { ServerClient } from './client.js';
import type { AfterSuccess, RouteAnswer, RouteInput } from './register.js';

/** What an action was, for its entry: the actor is added from the request's caller. */
interface AuditFacts {
  action: string;
  target: string;
  details?: Json;
}

/** Describes a successful request of a route as an action; null when it changed nothing worth recording (a dry run). */
type Describe<Id extends RouteId> = (input: RouteInput<Id>, answer: RouteAnswer<Id>) => AuditFacts | null;

const MAX_TARGET = 1_000;

/** Every route that is an operator action, and how its entry reads. */
const AUDITED: { [Id in RouteId]?: Describe<Id> } = {
  'jobs.cancel': ({ params }, answer) => ({ action: 'job.cancel', target: params.id, details: { state: answer.state, ...(answer.already ? { already: true } : {}) } }),
  'jobs.delete': ({ params }) => ({ action: 'job.delete', target: params.id }),
  'jobs.retry': ({ params }) => ({ action: 'job.retry', target: params.id }),
  'jobs.bulk': ({ body }, answer) => (body.dryRun ? null : { action: `jobs.bulk-${body.action}`, target: describeFilter(body.filter), details: { filter: body.filter as Json, count: answer.count } }),
  'queues.pause': ({ params }) => ({ action: 'queue.pause', target: params.name }),
  'queues.resume': ({ params }) => ({ action: 'queue.resume', target: params.name }),
  'queues.clean': ({ params }, answer) => ({ action: 'queue.clean', target: params.name, details: { deleted: answer.deleted } }),
  'queues.setLimits': ({ params, body }, answer) => ({ action: 'queue.limits', target: params.name, details: { change: body as Json, limits: answer as unknown as Json } }),
  'queues.clearLimits': ({ params }) => ({ action: 'queue.limits-clear', target: params.name }),
  'schedules.create': ({ body }) => ({ action: 'schedule.create', target: body.name, details: withoutPayload(body) }),
  'schedules.update': ({ params, body }) => ({ action: 'schedule.update', target: params.name, details: withoutPayload(body) }),
  'schedules.delete': ({ params }) => ({ action: 'schedule.delete', target: params.name }),
  'schedules.pause': ({ params }) => ({ action: 'schedule.pause', target: params.name }),
  'schedules.resume': ({ params }) => ({ action: 'schedule.resume', target: params.name }),
  'schedules.run': ({ params }, answer) => ({ action: 'schedule.run', target: params.name, details: { jobId: answer.jobId } }),
  'workflows.start': ({ params, body }, answer) => ({ action: 'workflow.start', target: params.name, details: { runId: answer.runId, created: answer.created, ...(body.uniqueKey === undefined ? {} : { uniqueKey: body.uniqueKey }) } }),
  'workflows.cancel': ({ params }, answer) => ({ action: 'workflow-run.cancel', target: params.id, details: { state: answer.state } }),
  'workflows.retry': ({ params }, answer) => ({ action: 'workflow-run.retry', target: params.id, details: { retried: answer.retried, state: answer.state } }),
  // The key and the outcome, not the payload (which may be large or private).
  'events.emit': ({ body }, answer) => ({ action: 'event.emit', target: body.key, details: { stored: answer.stored, woken: answer.woken, ...(body.keep === undefined ? {} : { keep: body.keep }) } }),
  // Never the token itself: only its id, name and scope.
  'tokens.create': (_input, answer) => ({ action: 'token.create', target: answer.record.id, details: { name: answer.record.name, scope: answer.record.scope } }),
  'tokens.revoke': ({ params }, answer) => ({ action: 'token.revoke', target: params.id, details: { revoked: answer.revoked } }),
};

/** Who the audit log says acted. */
export function actorOf(caller: Caller): string {
  return caller.name ?? caller.id ?? 'local';
}

/** Records each successful operator action; what cannot be recorded is logged with the request. */
export function auditTrail(client: ServerClient): AfterSuccess {
  return async (id: RouteId, input: RouteInput<RouteId>, answer: unknown, request: FastifyRequest) => {
    const describe = AUDITED[id] as Describe<RouteId> | undefined;
    if (!describe) return;
    let facts: AuditFacts | null = null;
    try {
      facts = describe(input, answer as RouteAnswer<RouteId>);
      if (facts) await client.audit.record({ actor: actorOf(input.caller), action: facts.action, target: facts.target.slice(0, MAX_TARGET), details: facts.details ?? null });
    } catch (err) {
      request.log.error({ err, route: id, action: facts?.action, target: facts?.target }, 'the audit log could not record an action that was done');
    }
  };
}

/** A bulk filter as people read it: `state=failed task=send_email`. */
export function describeFilter(filter: Record<string, unknown>): string {
  const parts = Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  return parts.join(' ') || 'every job';
}

/** A schedule's body without its payload, which may be large or private: the audit log keeps what changed, not the data. */
function withoutPayload(body: Record<string, unknown>): Json {
  const { payload, ...rest } = body;
  return { ...(rest as Record<string, Json>), ...(payload === undefined ? {} : { payload: '(set)' }) };
}
