/**
 * Calls the HTTP API by route id, driven by the route table (`api/routes.ts`): the method and
 * path come from the route, path parameters are filled in, the query and body encoded, the
 * answer decoded with the route's own response schema (so times come back as `Date`s), and a
 * refusal turned back into the client's typed error (`remote-errors.ts`).
 */
import type { z } from 'zod';
import { API_PREFIX, ROUTES, type RouteId } from '../api/routes.js';
import { ValidationError } from '../core/errors.js';
import { errorFromAnswer, unreachable, type Exchange } from './remote-errors.js';

/** What a request carries besides its route. */
export interface CallInput {
  params?: Record<string, string>;
  /** Undefined values are left out; arrays are sent comma-separated; Dates as ISO text. */
  query?: Record<string, string | number | Date | readonly string[] | undefined>;
  body?: unknown;
}

type Answer<R extends RouteId> = (typeof ROUTES)[R] extends { response: infer S extends z.ZodType } ? z.output<S> : undefined;

export interface HttpCallerOptions {
  /** The server's base URL: `http://host:7000`, or with a path when a proxy serves it under one. */
  url: string;
  /** The API token, sent as `Authorization: Bearer …`. */
  token?: string;
  /** How long one request may take. @defaultValue 30000 */
  timeoutMs?: number;
}

export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;

export class HttpCaller {
  /** The base URL without a trailing slash. */
  readonly server: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: HttpCallerOptions) {
    this.server = checkServerUrl(options.url);
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
  }

  async call<R extends RouteId>(id: R, input: CallInput = {}): Promise<Answer<R>> {
    const route = ROUTES[id];
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(input.params?.[name] ?? ''));
    const url = `${this.server}${API_PREFIX}${path}${queryString(input.query)}`;
    const exchange: Exchange = { server: this.server, request: `${route.method} ${API_PREFIX}${path}`, sentToken: this.token !== undefined };
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method: route.method, headers, body: input.body === undefined ? undefined : JSON.stringify(input.body), signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (err) {
      throw unreachable(this.server, err);
    }
    const body = parseJson(text);
    if (!response.ok) throw errorFromAnswer(response.status, body, exchange);
    if (!('response' in route)) return undefined as Answer<R>;
    const decoded = (route.response as z.ZodType).safeParse(body);
    if (!decoded.success) {
      throw new Error(`${exchange.request} on ${this.server} answered in an unexpected form (is it an Ordo server of this version?): ${decoded.error.issues[0]?.message ?? 'not JSON'}`);
    }
    return decoded.data as Answer<R>;
  }
}

/** An http(s) URL, or a ValidationError that says what was expected (a database URL is a common slip). */
export function checkServerUrl(url: unknown, field = 'url'): string {
  let parsed: URL | null = null;
  try {
    parsed = typeof url === 'string' ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash || parsed.username) {
    const hint = typeof url === 'string' && /^postgres(ql)?:/.test(url) ? 'That is a database URL: open it with { db } (or --db), not as a server' : undefined;
    throw new ValidationError(field, 'the URL of an Ordo server, such as http://127.0.0.1:7000', url, hint);
  }
  return parsed.href.replace(/\/+$/, '');
}

function queryString(query: CallInput['query']): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    search.set(key, value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
