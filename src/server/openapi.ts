/**
 * The OpenAPI 3.1 document, generated from the route table and its zod schemas (the same
 * ones that validate requests), so the description cannot drift from the behaviour:
 * parameters from each route's params and query schemas, bodies and answers from its body
 * and response schemas (`io: 'input'`: what travels on the wire), problems as one shared
 * component. Service paths (events, health, readiness, metrics) are described by hand.
 */
import { readFileSync } from 'node:fs';
import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { API_PREFIX, ROUTES, SERVICE_PATHS, type RouteId, type RouteSpec } from '../api/routes.js';
import { eventsQuery, problem } from '../api/wire.js';
import { PROBLEM_TYPE } from './problems.js';

type Schema = OpenAPIV3_1.SchemaObject;
type Operation = OpenAPIV3_1.OperationObject;
type Responses = OpenAPIV3_1.ResponsesObject;

/** The JSON Schema of what a caller sends or receives (the `$schema` key is the document's, not each schema's). */
export function wireSchema(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest as Schema;
}

/** The problems an operation can answer with, as references to shared responses. */
const PROBLEM_RESPONSES = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnknownTask',
  503: 'Unavailable',
} as const;

type ProblemStatus = keyof typeof PROBLEM_RESPONSES;

const PROBLEM_DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: 'Invalid input: the problem names the field, the expected form and the value received',
  401: 'No valid bearer token (missing, unknown or revoked)',
  403: "The token's scope does not allow this operation",
  404: 'No such job, schedule, token or route',
  409: "Not possible in the current state (cancelling a finished job, retrying a pending one, a schedule's name taken)",
  413: 'The body is larger than the server allows',
  415: 'The body is not application/json',
  422: 'A task this server does not know (when it knows tasks at all)',
  503: 'The database is unavailable; retry after the time in Retry-After',
};

function problemResponses(statuses: readonly ProblemStatus[]): Responses {
  return Object.fromEntries(statuses.map((status) => [status, { $ref: `#/components/responses/${PROBLEM_RESPONSES[status]}` }]));
}

function sharedProblems(): Record<string, OpenAPIV3_1.ResponseObject> {
  const content = { [PROBLEM_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } };
  return Object.fromEntries(
    (Object.keys(PROBLEM_RESPONSES).map(Number) as ProblemStatus[]).map((status) => {
      const response: OpenAPIV3_1.ResponseObject = { description: PROBLEM_DESCRIPTIONS[status], content };
      if (status === 503) response.headers = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };
      if (status === 401) response.headers = { 'WWW-Authenticate': { description: 'Bearer realm="ordo"', schema: { type: 'string' } } };
      return [PROBLEM_RESPONSES[status], response];
    }),
  );
}

/** Path and query parameters, one per property of the route's object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const object = wireSchema(schema) as { properties?: Record<string, Schema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

function problemsOf(id: RouteId, spec: RouteSpec): ProblemStatus[] {
  const statuses: ProblemStatus[] = [400, 401, 403];
  if (spec.params) statuses.push(404);
  if (spec.method !== 'GET' && (spec.params || id === 'schedules.create')) statuses.push(409);
  if (spec.body) statuses.push(413, 415);
  if (['jobs.create', 'jobs.createMany', 'schedules.create', 'schedules.update'].includes(id)) statuses.push(422);
  statuses.push(503);
  return statuses;
}

function operation(id: RouteId, spec: RouteSpec): Operation {
  const status = spec.status ?? 200;
  const success: OpenAPIV3_1.ResponseObject = spec.response
    ? { description: spec.summary, content: { 'application/json': { schema: wireSchema(spec.response) } } }
    : { description: 'Done; no content' };
  return {
    operationId: id,
    tags: [spec.tag],
    summary: spec.summary,
    'x-scope': spec.scope,
    description: `Needs a token with scope \`${spec.scope}\` or higher.`,
    parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: wireSchema(spec.body) } } } } : {}),
    // A route whose status depends on its answer (a start that found its run) also answers 200.
    responses: { ...(spec.statusOf ? { 200: success } : {}), [status]: success, ...problemResponses(problemsOf(id, spec)) },
  } as unknown as Operation;
}

function serviceOperations(): Record<string, unknown> {
  const open = { security: [] };
  const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
  const status = (value: string) => ({ description: `The server is ${value}`, content: { 'application/json': { schema: { type: 'object', properties: { status: { const: value } }, required: ['status'] } } } });
  return {
    [SERVICE_PATHS.events]: {
      get: {
        operationId: 'events.stream',
        tags: ['events'],
        summary: 'A Server-Sent Events stream of job and worker changes (`event: <type>`, `data: <json>`)',
        description: 'Needs a token with scope `read`. Event types: job:enqueued, job:started, job:finished, job:retried, worker:up, worker:down. `task` keeps only job events; comment lines come every 15 s.',
        parameters: parameters(eventsQuery, 'query'),
        responses: { 200: { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...problemResponses([400, 401, 403]) },
      },
    },
    [SERVICE_PATHS.health]: { get: { operationId: 'health', tags: ['service'], summary: 'Liveness: 200 while the process serves', ...open, responses: { 200: status('ok') } } },
    [SERVICE_PATHS.ready]: {
      get: { operationId: 'ready', tags: ['service'], summary: 'Readiness: 200 when the database answers, else 503', ...open, responses: { 200: status('ready'), ...problemResponses([503]) } },
    },
    [SERVICE_PATHS.metrics]: {
      get: { operationId: 'metrics', tags: ['service'], summary: 'Prometheus metrics (text format); needs a read token', responses: { 200: text('Prometheus text exposition'), ...problemResponses([401, 403, 503]) } },
    },
    [SERVICE_PATHS.openapi]: {
      get: { operationId: 'openapi', tags: ['service'], summary: 'This document', ...open, responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } },
    },
  };
}

/** The package's version (two folders up from both `src/server/` and `dist/server/`). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function openApiDocument(): OpenAPIV3_1.Document {
  const paths: OpenAPIV3_1.PathsObject = {};
  for (const [id, spec] of Object.entries(ROUTES) as [RouteId, RouteSpec][]) {
    const path = API_PREFIX + spec.path;
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation(id, spec) };
  }
  // A service path may share its path with a route (the event stream's GET and the emit's POST).
  for (const [path, operations] of Object.entries(serviceOperations())) paths[path] = { ...paths[path], ...(operations as OpenAPIV3_1.PathItemObject) };
  return {
    openapi: '3.1.0' as const,
    info: {
      title: 'Ordo API',
      version: packageVersion(),
      description: 'Jobs, schedules, queues, workers, tasks, executions, statistics and the audit log of an Ordo deployment. Every answer in error is an RFC 9457 problem (application/problem+json).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearerAuth: [] }],
    // Every tag the route table uses (in its order), then the service paths' own.
    tags: [...new Set([...Object.values(ROUTES).map((spec: RouteSpec) => spec.tag), 'events', 'service'])].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from `ordo tokens create --scope read|write|admin`' } },
      schemas: { Problem: wireSchema(problem) },
      responses: sharedProblems(),
    },
  } as OpenAPIV3_1.Document;
}
