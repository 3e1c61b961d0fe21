/**
 * The HTTP API's refusals turned back into the errors the client on the database throws: a
 * problem body (RFC 9457) with Ordo's `code` becomes the same class with the same message,
 * so a caller (and the CLI's exit codes) cannot tell which client it holds. A refusal of the
 * caller's token becomes an `AccessError` that says what to do about it.
 */
import {
  AccessError,
  ConfigError,
  ConflictError,
  ERROR_MAPPING,
  NotFoundError,
  OrdoError,
  StoreLostError,
  StoreUnavailableError,
  ValidationError,
  type ErrorCode,
} from '../core/errors.js';
import { problem } from '../api/wire.js';

/** What a refusal is read by: the parts of a problem that rebuild the error. */
const PROBLEM_PARTS = problem.pick({ code: true, detail: true, field: true, expected: true, received: true, details: true });

/** What the client knows of the exchange that failed, for messages that say where and what. */
export interface Exchange {
  /** The server's base URL, as given. */
  server: string;
  /** `GET /api/v1/jobs/42`. */
  request: string;
  /** Whether a bearer token was sent. */
  sentToken: boolean;
}

/** The error an answer with this status and body stands for. */
export function errorFromAnswer(status: number, body: unknown, exchange: Exchange): Error {
  const parsed = PROBLEM_PARTS.safeParse(body);
  if (!parsed.success) return errorFromStatus(status, `${exchange.request} answered HTTP ${status}`, exchange);
  const { code, detail, field, expected, received, details } = parsed.data;
  const known = code in ERROR_MAPPING ? (code as ErrorCode) : codeOfStatus(status);
  if (known === 'invalid_argument' && field !== undefined && expected !== undefined) {
    return rebuilt(new ValidationError(field, expected, undefined), detail, { field, expected, received: received ?? 'nothing' });
  }
  if (known === 'not_found') return notFound(detail, details);
  return errorOfCode(known, detail, exchange, isRecord(details) ? details : {});
}

/** The error for a server that could not be reached, or did not answer in time. */
export function unreachable(server: string, err: unknown): StoreUnavailableError {
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  const cause = err instanceof Error ? ((err.cause as { code?: string; message?: string } | undefined)?.code ?? err.cause?.toString() ?? err.message) : String(err);
  const what = timedOut ? 'did not answer in time' : `cannot be reached (${cause})`;
  return new StoreUnavailableError(`the Ordo server at ${server} ${what}: check the URL (--server or ORDO_SERVER) and that \`ordo server\` runs there`, err);
}

function errorOfCode(code: ErrorCode | null, detail: string, exchange: Exchange, details: Record<string, unknown>): Error {
  switch (code) {
    case 'invalid_argument':
      return new OrdoError('invalid_argument', detail, { details });
    case 'conflict':
      return new ConflictError(detail, { details });
    case 'store_unavailable':
      return new StoreUnavailableError(detail);
    case 'store_lost':
      return new StoreLostError(detail);
    case 'config':
      return new ConfigError(detail, details);
    case 'unauthorized':
    case 'forbidden':
      return accessError(code, detail, exchange);
    case null:
      return new Error(`${exchange.request} on ${exchange.server}: ${detail}`);
    default:
      return new OrdoError(code, detail, { details });
  }
}

/** An answer that is not a problem body (a proxy's page, say): judged by its status alone. */
function errorFromStatus(status: number, detail: string, exchange: Exchange): Error {
  const code = codeOfStatus(status);
  if (code === 'store_unavailable') return new StoreUnavailableError(`${detail}: the Ordo server at ${exchange.server} (or a proxy before it) is unavailable; try again shortly`);
  if (code === 'not_found') return new OrdoError('not_found', `${detail}: is ${exchange.server} an Ordo server of this version?`);
  return errorOfCode(code, detail, exchange, {});
}

function codeOfStatus(status: number): ErrorCode | null {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 502 || status === 503 || status === 504) return 'store_unavailable';
  if (status >= 400 && status < 500) return 'invalid_argument';
  return null;
}

function accessError(code: 'unauthorized' | 'forbidden', detail: string, exchange: Exchange): AccessError {
  const create = '`ordo tokens create --scope read|write|admin` (run where the database is reachable)';
  const advice =
    code === 'forbidden'
      ? `the token's scope does not allow this; use a token with a wider scope, made with ${create}`
      : exchange.sentToken
        ? `the token was refused (unknown, revoked or mistyped); pass a valid one with --token or ORDO_TOKEN, or make one with ${create}`
        : `the server needs an API token; pass one with --token or ORDO_TOKEN (createOrdo({ url, token }) in code), made with ${create}`;
  return new AccessError(code, `${exchange.server}: ${detail}. ${advice}`, { server: exchange.server });
}

/** `job "42" does not exist` back into the NotFoundError that said it (same message, same details). */
function notFound(detail: string, details: unknown): OrdoError {
  if (isRecord(details) && typeof details.what === 'string' && typeof details.id === 'string') {
    const err = new NotFoundError(details.what, details.id);
    // The server's message may say more (such as the names that do exist): kept whole.
    if (detail.startsWith(err.message)) err.message = detail;
    return err;
  }
  const match = /^(.+?) ("(?:[^"\\]|\\.)*") does not exist$/.exec(detail);
  if (match) {
    try {
      return new NotFoundError(match[1]!, JSON.parse(match[2]!) as string);
    } catch {
      // Not the client's own wording after all: keep the server's.
    }
  }
  return new OrdoError('not_found', detail);
}

/** An error with the server's message and details, which the server built from the same values. */
function rebuilt<E extends OrdoError>(err: E, message: string, details: Record<string, unknown>): E {
  err.message = message;
  Object.assign(err.details, details);
  return err;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
