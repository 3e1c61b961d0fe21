/**
 * Registers every operation of the route table (`api/routes.ts`) with Fastify, the same way:
 * the token checked before the body is even read, then params, query and body validated by
 * the route's own zod schemas, then the route's handler, answered with the route's status,
 * once the audit trail has recorded what the caller did.
 * Handlers receive parsed, typed input and return the answer's body; they never see Fastify.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { API_PREFIX, ROUTES, type RouteId } from '../api/routes.js';
import type { Authenticator, Caller } from './auth.js';
import { parseRequestPart } from './validation.js';

type Spec<Id extends RouteId> = (typeof ROUTES)[Id];
/** The parsed type of a request part: its schema's output, or undefined for a route without one. */
type Part<Id extends RouteId, K extends 'params' | 'query' | 'body'> = Spec<Id> extends { [P in K]: infer S extends z.ZodType } ? z.output<S> : undefined;

/** What a handler gets: the request's parts as its route's schemas parsed them, the request id and the caller. */
export interface RouteInput<Id extends RouteId> {
  params: Part<Id, 'params'>;
  query: Part<Id, 'query'>;
  body: Part<Id, 'body'>;
  requestId: string;
  caller: Caller;
}

/** A route's answer, as its handler returns it (undefined for a 204). */
export type RouteAnswer<Id extends RouteId> = Spec<Id> extends { response: infer S extends z.ZodType } ? z.output<S> : undefined;

/** Called after a handler succeeded, before the answer is sent (the audit trail). */
export type AfterSuccess = (id: RouteId, input: RouteInput<RouteId>, answer: unknown, request: FastifyRequest) => Promise<void>;

export type RouteHandler<Id extends RouteId> = (input: RouteInput<Id>) => Promise<unknown>;
export type RouteHandlers = { [Id in RouteId]: RouteHandler<Id> };
/** Handlers for some routes: each routes/*.ts module provides those of its tag. */
export type HandlersFor<Ids extends RouteId> = { [Id in Ids]: RouteHandler<Id> };

/** `/jobs/{id}` (OpenAPI) as Fastify writes it: `/jobs/:id`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The methods the API answers on a concrete path (for 405 and `Allow`); empty for an unknown path. */
export function methodsOf(path: string): string[] {
  return ROUTE_PATTERNS.filter(({ pattern }) => pattern.test(path)).map(({ method }) => method);
}

const ROUTE_PATTERNS = Object.values(ROUTES).map((spec: { method: string; path: string }) => ({
  method: spec.method,
  pattern: new RegExp(`^${(API_PREFIX + spec.path).replace(/\{\w+\}/g, '[^/]+')}/?$`),
}));

export function registerRoutes(app: FastifyInstance, handlers: RouteHandlers, auth: Authenticator, afterSuccess: AfterSuccess): void {
  // Who made each request, from the token check to the handler (a WeakMap: nothing outlives its request).
  const callers = new WeakMap<FastifyRequest, Caller>();
  for (const id of Object.keys(ROUTES) as RouteId[]) {
    const spec = ROUTES[id] as (typeof ROUTES)[RouteId] & { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType; status?: number; statusOf?: (answer: unknown) => number };
    const handler = handlers[id] as RouteHandler<RouteId>;
    app.route({
      method: spec.method,
      url: fastifyPath(API_PREFIX + spec.path),
      // Before the body is read: a caller without a valid token gets nothing parsed.
      onRequest: async (request) => {
        callers.set(request, await auth.require(request, spec.scope));
      },
      handler: async (request, reply) => {
        const input = {
          params: parseRequestPart(spec.params, request.params, 'params'),
          query: parseRequestPart(spec.query, request.query, 'query'),
          body: parseRequestPart(spec.body, request.body, 'body'),
          requestId: request.id,
          caller: callers.get(request)!,
        } as RouteInput<RouteId>;
        const answer = await handler(input);
        await afterSuccess(id, input, answer, request);
        reply.code(spec.statusOf?.(answer) ?? spec.status ?? 200);
        return spec.status === 204 ? reply.send() : answer;
      },
    });
  }
}
