/**
 * Request ids and access logs. A caller's own `x-request-id` is kept when it is a sane
 * label (so a trace spans services), else one is made; it is returned in `x-request-id`,
 * put in every problem body, carried into the jobs a request creates as their trace id, and
 * logged. Each answered request is one JSON line: method, route, path, status, time taken.
 * Headers are never logged (no Authorization, no token), nor query strings or bodies.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Letters, digits and `._:-`, up to 200 characters (a trace id is a label for logs, not data). */
const SANE_ID = /^[A-Za-z0-9._:-]{1,200}$/;

export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

/** Sends the id back and logs each answer; `count` sees every answer too (for metrics). */
export function installRequestLog(app: FastifyInstance, count: (method: string, route: string, status: number) => void): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(no route)';
    count(request.method, route, reply.statusCode);
    request.log.info(
      { method: request.method, route, path: request.url.split('?')[0]!.slice(0, 500), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
}
