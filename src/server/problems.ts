/**
 * Every error answer is an RFC 9457 problem (`application/problem+json`): Ordo's errors by
 * their code through `ERROR_MAPPING`, request validation by field, Fastify's own refusals
 * (bad JSON, too large, wrong media type, unknown route) by what they mean. Bad input is
 * always a 4xx; a 5xx says only that the server or its database failed, with the request
 * id to find the cause in the log, never an internal message.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMapping, OrdoError, ValidationError } from '../core/errors.js';
import { RETRY_AFTER_SECONDS } from './options.js';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  field?: string;
  expected?: string;
  received?: string;
  requestId?: string;
  /** The error's details (a conflict's job id and state, say), for clients that rebuild the error. */
  details?: Record<string, unknown>;
}

/**
 * Well-formed input this server cannot act on: a task no loaded module defines (422). Still
 * a ValidationError (code `invalid_argument`), so a remote client raises what a local one does.
 */
export class UnprocessableError extends ValidationError {}

/** What a Fastify error means for the caller: its status, Ordo's code, and the field at fault. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; field?: string; expected?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_argument', field: 'body', expected: 'valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_argument', field: 'body', expected: 'valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_argument', field: 'content-length', expected: 'the length of the body sent' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', field: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', field: 'content-type', expected: 'application/json' },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_argument', field: 'url', expected: 'a URL whose escapes (%xx) are valid UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'invalid_argument', field: 'url', expected: 'a shorter path' },
};

/** The problem for any thrown value; `bodyLimit` is named in a 413. */
export function problemOf(err: unknown, request: FastifyRequest, bodyLimit: number): Problem {
  const base = { instance: request.url.split('?')[0], requestId: request.id };
  if (err instanceof OrdoError) return ordoProblem(err, base);
  const fastify = err as Partial<FastifyError>;
  const known = fastify.code ? FASTIFY_ERRORS[fastify.code] : undefined;
  if (known) {
    const expected = known.status === 413 ? `a body of at most ${bodyLimit} bytes` : known.expected;
    return problem(known.status, known.code, `${known.field}: expected ${expected}`, { ...base, field: known.field, expected });
  }
  const status = fastify.statusCode ?? 500;
  // Another client error Fastify raises (its message is about the request, not our internals).
  if (status >= 400 && status < 500) return problem(status, 'invalid_argument', fastify.message ?? STATUS_CODES[status]!, base);
  return internalProblem(base);
}

function ordoProblem(err: OrdoError, base: Partial<Problem>): Problem {
  const status = err instanceof UnprocessableError ? 422 : errorMapping(err).httpStatus;
  if (status >= 500 && status !== 503) return internalProblem(base);
  // A 503 names no host, file or driver message: the log has them.
  const detail = status === 503 ? `the database is unavailable; retry in ${RETRY_AFTER_SECONDS} s` : err.message;
  const { field, expected, received } = err.details as Record<string, unknown>;
  const extra = err.code === 'invalid_argument' ? { field: text(field), expected: text(expected), received: text(received) } : {};
  // The details rebuild the error in a remote client; a 503's may name hosts or files.
  const details = status === 503 || Object.keys(err.details).length === 0 ? {} : { details: err.details };
  return problem(status, err.code, detail, { ...base, ...extra, ...details });
}

function internalProblem(base: Partial<Problem>): Problem {
  return problem(500, 'internal', `the server failed to answer; its log has the cause under request id ${base.requestId}`, base);
}

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  const fields = Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined));
  return { type: `urn:ordo:problem:${code}`, title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...fields };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Sends a problem with its content type and the headers its status calls for. */
export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  // Also for requests refused before the hooks that set it ran (a malformed URL).
  reply.header('x-request-id', reply.request.id);
  if (body.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  if (body.status === 401) reply.header('www-authenticate', 'Bearer realm="ordo"');
  if (body.status === 403) reply.header('www-authenticate', 'Bearer realm="ordo", error="insufficient_scope"');
  return reply.code(body.status).type(PROBLEM_TYPE).send(body);
}

/** Answers any error as a problem; unexpected ones are logged in full. */
export function errorHandler(bodyLimit: number) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const body = problemOf(err, request, bodyLimit);
    if (body.status >= 500) request.log.error({ err }, 'request failed');
    return sendProblem(reply, body);
  };
}

/**
 * Makes every error and every unknown route a problem: 405 with `Allow` when the path is
 * known under other methods (`methodsOf`), else 404.
 */
export function installProblemHandlers(app: FastifyInstance, bodyLimit: number, methodsOf: (path: string) => string[]): void {
  app.setErrorHandler(errorHandler(bodyLimit));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const base = { instance: path, requestId: request.id };
    const allowed = methodsOf(path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, problem(405, 'method_not_allowed', `${path} answers ${allowed.join(', ')}, not ${request.method}`, base));
    }
    return sendProblem(reply, problem(404, 'not_found', `no route ${request.method} ${path}; the API is described at /api/openapi.json and /docs`, base));
  });
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (malformed, headers too
 * large): a problem written to the socket, as every other refusal is.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify(problem(status, 'invalid_argument', `the request could not be read as HTTP (${err.code ?? 'malformed'})`));
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
