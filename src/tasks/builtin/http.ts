/**
 * The built-in `http` task: one HTTP request per attempt, the jobs people most often
 * schedule. How an answer is treated:
 *
 * - a status in `expectStatus` (default: any 2xx) succeeds; the result keeps the status,
 *   the chosen headers and the body up to `maxBodyBytes`;
 * - 429 is a rate limit: a `RateLimitedError` hands the job back without using an attempt
 *   and pauses the job's queue for `Retry-After` (30 s when absent; capped at
 *   `LIMITS.maxHttpRetryAfterMs`, 1 h), so the queue's other jobs do not hit the same wall;
 * - 503 with a `Retry-After` waits for it (capped likewise) through a `RetryLaterError`;
 * - network errors, timeouts, 5xx, and 408 are retried with the job's backoff;
 * - any other status fails for good (a `PermanentError` with the status and the body's start).
 *
 * Redirects are followed by hand, up to `maxRedirects`, so that each hop passes the same
 * checks as the first request: http(s) only, and the operator's allowed hosts. A 303 (and a
 * 301 or 302 after a POST) continues as a GET without a body, as browsers do; credentials and
 * cookies are not carried to another origin. Everything (redirects and body included) runs
 * under the attempt's signal and the payload's `timeout`.
 */
import { LIMITS } from '../../core/defaults.js';
import { formatDuration } from '../../core/duration.js';
import { PermanentError, RateLimitedError, RetryLaterError, retryAfterMs } from '../../core/errors.js';
import { allowHostsMatcher } from '../../config/http-allow-hosts.js';
import { defineTask, type TaskContext, type TaskDefinition } from '../define.js';
import { httpPayloadSchema, planRequest, type HttpPayload, type HttpRequestPlan } from './http-payload.js';
import { httpResult, readBody, snippet, type HttpResult } from './http-response.js';

export const HTTP_TASK = 'http';

export interface HttpTaskSettings {
  /** Hosts requests may reach (`checkAllowHosts` form); empty: any host. */
  allowHosts: readonly string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that describe a body: dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];
/** Headers that carry credentials: never sent on to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** Body bytes read from an unexpected answer to quote in the error. */
const ERROR_BODY_BYTES = 1_024;

/** One request of an attempt: where it goes and what it carries, changed by each redirect. */
interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** The `http` task, reaching only the hosts `settings.allowHosts` allows. */
export function httpTask(settings: HttpTaskSettings): TaskDefinition<HttpPayload> {
  const allowed = allowHostsMatcher(settings.allowHosts);
  const checkTarget = (url: URL): void => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentError(`${url.href}: only http: and https: URLs are requested`);
    if (!allowed(url)) {
      throw new PermanentError(`host ${url.host} is not among the hosts http jobs may reach (httpAllowHosts / ORDO_HTTP_ALLOW_HOSTS: ${settings.allowHosts.join(', ')})`);
    }
  };
  return defineTask(
    HTTP_TASK,
    { schema: httpPayloadSchema, description: 'built in: sends an HTTP request; retries network errors and 5xx, pauses the queue on a 429, waits for Retry-After, fails for good on other unexpected statuses' },
    (payload: HttpPayload, ctx: TaskContext) => send(planRequest(payload), ctx, checkTarget),
  );
}

/** Sends the request under the attempt's signal and the payload's timeout. */
async function send(plan: HttpRequestPlan, ctx: TaskContext, checkTarget: (url: URL) => void): Promise<HttpResult> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), plan.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  try {
    return await exchange(plan, ctx, signal, checkTarget);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (timeout.signal.aborted) throw new Error(`${plan.method} ${plan.url.href}: no complete answer within ${formatDuration(plan.timeoutMs)} (timeout)`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function exchange(plan: HttpRequestPlan, ctx: TaskContext, signal: AbortSignal, checkTarget: (url: URL) => void): Promise<HttpResult> {
  let hop: Hop = { url: plan.url, method: plan.method, headers: new Headers(plan.headers), body: plan.body };
  for (let redirects = 0; ; redirects++) {
    checkTarget(hop.url);
    const response = await request(hop, signal, ctx);
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null || plan.expectStatus?.has(response.status)) {
      return judge(response, plan, hop, redirects);
    }
    await response.body?.cancel().catch(() => undefined);
    if (redirects >= plan.maxRedirects) {
      throw new PermanentError(`${hop.method} ${hop.url.href}: more than ${plan.maxRedirects} redirects (maxRedirects); the last one pointed to ${location}`);
    }
    hop = redirected(hop, response.status, location);
  }
}

async function request(hop: Hop, signal: AbortSignal, ctx: TaskContext): Promise<Response> {
  const started = Date.now();
  let response: Response;
  try {
    response = await fetch(hop.url, { method: hop.method, headers: hop.headers, body: hop.body, redirect: 'manual', signal });
  } catch (err) {
    if (signal.aborted) throw err;
    // undici reports "fetch failed" and keeps the reason (ECONNREFUSED, a TLS error …) as the cause.
    const cause = (err as Error).cause as { message?: string; code?: string } | undefined;
    throw new Error(`${hop.method} ${hop.url.href}: ${cause?.message || cause?.code || (err as Error).message} (network error; retried)`, { cause: err });
  }
  ctx.log(`${hop.method} ${hop.url.href} -> ${response.status} in ${Date.now() - started} ms`);
  return response;
}

/** The next hop of a redirect. */
function redirected(hop: Hop, status: number, location: string): Hop {
  const url = URL.canParse(location, hop.url.href) ? new URL(location, hop.url) : null;
  if (!url) throw new PermanentError(`${hop.method} ${hop.url.href}: redirect to an invalid URL ${JSON.stringify(location)}`);
  const headers = new Headers(hop.headers);
  if (url.origin !== hop.url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  const toGet = (status === 303 && hop.method !== 'HEAD') || ((status === 301 || status === 302) && hop.method === 'POST');
  if (!toGet) return { url, method: hop.method, headers, body: hop.body };
  for (const name of BODY_HEADERS) headers.delete(name);
  return { url, method: 'GET', headers, body: undefined };
}

/** How long a 429 without a readable `Retry-After` pauses the queue. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 30_000;

function rateLimited(what: string, asked: number | null): RateLimitedError {
  const afterMs = Math.min(asked ?? DEFAULT_RATE_LIMIT_PAUSE_MS, LIMITS.maxHttpRetryAfterMs);
  const why = asked === null ? 'no Retry-After, so the default' : asked > afterMs ? `Retry-After asked for ${formatDuration(asked)}; capped` : 'as Retry-After asks';
  return new RateLimitedError(`${what}; rate limited: the queue pauses ${formatDuration(afterMs)} (${why}) and the job runs again after it, uncharged`, { afterMs });
}

/** Success, a wait, a retry or a permanent failure, by status (see the module comment). */
async function judge(response: Response, plan: HttpRequestPlan, hop: Hop, redirects: number): Promise<HttpResult> {
  const { status } = response;
  const expected = plan.expectStatus ? plan.expectStatus.has(status) : status >= 200 && status < 300;
  if (expected) return httpResult(response, await readBody(response, plan.maxBodyBytes), plan.resultHeaders, redirects);
  const quoted = snippet((await readBody(response, ERROR_BODY_BYTES)).text);
  const what = `${hop.method} ${hop.url.href}: status ${status}${quoted ? ` (${quoted})` : ''}`;
  if (status === 429) throw rateLimited(what, retryAfterMs(response.headers.get('retry-after')));
  if (status === 503) {
    const wait = retryAfterMs(response.headers.get('retry-after'));
    if (wait !== null) {
      const afterMs = Math.min(wait, LIMITS.maxHttpRetryAfterMs);
      const capped = wait > afterMs ? ` (it asked for ${formatDuration(wait)}; capped at ${formatDuration(afterMs)})` : '';
      throw new RetryLaterError(`${what}; retrying after ${formatDuration(afterMs)} as Retry-After asks${capped}`, { afterMs });
    }
  }
  if (status >= 500 || status === 408) throw new Error(`${what}; retried with backoff`);
  const wanted = plan.expectStatus ? [...plan.expectStatus].join(', ') : 'a 2xx status';
  throw new PermanentError(`${what}; expected ${wanted}, so not retried`);
}
