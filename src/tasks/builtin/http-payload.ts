/**
 * What an `http` job's payload may say: the request, and how its response is judged and
 * kept. Checked with zod at enqueue (so a bad payload is refused with its field named) and
 * again before each attempt; the same schema describes the payload in the task listing.
 * What a payload cannot say: which hosts it may reach (that is the operator's
 * `httpAllowHosts`).
 */
import { z } from 'zod';
import { DEFAULTS, LIMITS } from '../../core/defaults.js';
import { checkTimeout } from '../../core/duration.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A header name: an HTTP token (RFC 9110 §5.1). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** No line breaks or NUL in a header value: they would split or end the header. */
const HEADER_VALUE = /^[^\r\n\0]*$/;

const headerName = z.string().regex(HEADER_NAME, { error: 'expected a header name (letters, digits and !#$%&\'*+.^_`|~-)' });

export const httpPayloadSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'expected an absolute http: or https: URL such as https://api.example.com/hook' }).describe('the http: or https: URL to request'),
    method: z.enum(HTTP_METHODS).default('GET'),
    headers: z.record(headerName, z.string().regex(HEADER_VALUE, { error: 'expected a header value without line breaks' })).optional().describe('request headers by name'),
    body: z.union([z.string(), z.json()]).optional().describe('text is sent as is; any other JSON value as JSON (content-type application/json unless a header says otherwise)'),
    timeout: z.union([z.number(), z.string()]).optional().describe(`milliseconds or a duration such as 10s, for the whole exchange, redirects included (default ${DEFAULTS.http.timeoutMs / 1000}s)`),
    expectStatus: z.array(z.int().min(100).max(599)).min(1).optional().describe('statuses that count as success (default any 2xx)'),
    resultHeaders: z.array(headerName).max(50).optional().describe(`response headers kept in the result (default ${DEFAULTS.http.resultHeaders.join(', ')})`),
    maxBodyBytes: z.int().min(0).max(LIMITS.maxHttpBodyBytes).optional().describe(`response body bytes kept in the result; the rest is cut (default ${DEFAULTS.http.maxBodyBytes})`),
    maxRedirects: z.int().min(0).max(LIMITS.maxHttpRedirects).optional().describe(`redirects followed before the job fails (default ${DEFAULTS.http.maxRedirects})`),
  })
  .superRefine((payload, ctx) => {
    const url = URL.canParse(payload.url) ? new URL(payload.url) : null;
    if (url && (url.username || url.password)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected a URL without user:password@ (send credentials in an Authorization header)' });
    }
    if (payload.body !== undefined && (payload.method === 'GET' || payload.method === 'HEAD')) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `expected no body with ${payload.method} (use POST, PUT or PATCH)` });
    }
    if (payload.timeout !== undefined) {
      try {
        checkTimeout(payload.timeout, 'timeout');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['timeout'], message: (err as Error).message.replace(/^timeout: /, '') });
      }
    }
  });

export type HttpPayload = z.output<typeof httpPayloadSchema>;

/** A payload with every option resolved: what one attempt sends and how it judges the answer. */
export interface HttpRequestPlan {
  url: URL;
  method: string;
  headers: Headers;
  body: string | undefined;
  timeoutMs: number;
  /** Null: any 2xx. */
  expectStatus: ReadonlySet<number> | null;
  resultHeaders: readonly string[];
  maxBodyBytes: number;
  maxRedirects: number;
}

export function planRequest(payload: HttpPayload): HttpRequestPlan {
  const headers = new Headers(payload.headers);
  let body: string | undefined;
  if (typeof payload.body === 'string') body = payload.body;
  else if (payload.body !== undefined) {
    body = JSON.stringify(payload.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return {
    url: new URL(payload.url),
    method: payload.method,
    headers,
    body,
    timeoutMs: payload.timeout === undefined ? DEFAULTS.http.timeoutMs : checkTimeout(payload.timeout, 'timeout'),
    expectStatus: payload.expectStatus ? new Set(payload.expectStatus) : null,
    resultHeaders: (payload.resultHeaders ?? DEFAULTS.http.resultHeaders).map((name) => name.toLowerCase()),
    maxBodyBytes: payload.maxBodyBytes ?? DEFAULTS.http.maxBodyBytes,
    maxRedirects: payload.maxRedirects ?? DEFAULTS.http.maxRedirects,
  };
}
