/**
 * The built-in `http` task against a real local server, run by a real worker on SQLite:
 * success and its result (chosen headers, capped body, parsed JSON), retries of 5xx and
 * network errors with backoff, waits for Retry-After, permanent failure of other statuses,
 * timeouts and cancellation aborting the request, and payloads refused at enqueue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { DEFAULTS, LIMITS } from '../src/core/defaults.js';
import { ConfigError, ValidationError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord, JobState } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { retryAfterMs } from '../src/tasks/builtin/http-response.js';
import { defineTask } from '../src/tasks/define.js';
import { TaskRegistry } from '../src/tasks/registry.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { freshStore, sqliteFixture } from './support/engines.js';
import { startServer, type Route, type TestServer } from './support/http-server.js';
import { waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });
const TERMINAL: JobState[] = ['succeeded', 'failed', 'cancelled'];

let store: Store | undefined;
let ordo: Ordo | undefined;
let worker: Worker | undefined;
let server: TestServer | undefined;

async function setup(routes: Record<string, Route>): Promise<{ ordo: Ordo; server: TestServer }> {
  server = await startServer(routes);
  store = await freshStore(sqliteFixture);
  ordo = await createOrdo({ store });
  worker = createWorker({ store, tasks: [], logger: quiet, pollMs: 20, httpAllowHosts: [] });
  await worker.start();
  return { ordo, server };
}

afterEach(async () => {
  await worker?.stop({ graceMs: 0 });
  await store?.close();
  await server?.close();
  [store, ordo, worker, server] = [undefined, undefined, undefined, undefined];
});

const settled = (id: string, states = TERMINAL) =>
  waitFor(() => ordo!.getJob(id), (job) => job !== null && states.includes(job.state), `job ${id} to reach ${states.join('|')}`) as Promise<JobRecord>;

const answer = (status: number, body = '', headers: Record<string, string> = {}): Route => (_req, res) => void res.writeHead(status, headers).end(body);

/** Answers with each route in turn, the last one for ever after. */
function sequence(...routes: Route[]): Route {
  let next = 0;
  return (req, res, seen) => routes[Math.min(next++, routes.length - 1)]!(req, res, seen);
}

describe('the http task', () => {
  it('succeeds after a 503 (backoff) and a 429 with Retry-After: 1 (handed back uncharged, the queue paused), no earlier than the header allows', async () => {
    const { ordo, server } = await setup({
      '/flaky': sequence(answer(503, 'down for maintenance'), answer(429, 'slow down', { 'retry-after': '1' }), answer(200, 'ok', { 'content-type': 'text/plain' })),
    });
    const { id } = await ordo.enqueue('http', { url: server.url('/flaky') }, { retry: { baseMs: 10, capMs: 20 } });
    const job = await settled(id);
    expect(job.state).toBe('succeeded');
    // The rate limit used no attempt and left no attempt record: the 503 and the success only.
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(job.attempts[0]!.error?.message).toMatch(/status 503 \(down for maintenance\); retried with backoff/);
    expect(job.attempt).toBe(2);
    // The third request came no earlier than 1 s after the second answer; the first retry did not wait that long.
    const [first, second, third] = server.to('/flaky');
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(1_000);
    expect(second!.at - first!.at).toBeLessThan(1_000);
    expect(job.result).toMatchObject({ status: 200, body: 'ok', headers: { 'content-type': 'text/plain' }, redirects: 0, url: server.url('/flaky') });
  });

  it('fails for good on a 404, on attempt 1, quoting the status and the start of the body', async () => {
    const { ordo, server } = await setup({ '/missing': answer(404, `{"error":"no such thing"}${' padding'.repeat(100)}`) });
    const job = await settled((await ordo.enqueue('http', { url: server.url('/missing') })).id);
    expect(job.state).toBe('failed');
    expect(job.attempts).toHaveLength(1);
    const message = job.attempts[0]!.error!.message;
    expect(message).toContain(`GET ${server.url('/missing')}: status 404 ({"error":"no such thing"} padding`);
    expect(message).toContain('expected a 2xx status, so not retried');
    expect(message.length).toBeLessThan(400);
  });

  it('takes the statuses listed in expectStatus as success, and fails on a 2xx it does not list', async () => {
    const { ordo, server } = await setup({ '/gone': answer(410, 'gone'), '/ok': answer(200, 'fine') });
    const gone = await settled((await ordo.enqueue('http', { url: server.url('/gone'), expectStatus: [200, 410] })).id);
    expect(gone).toMatchObject({ state: 'succeeded', result: { status: 410, body: 'gone' } });
    const ok = await settled((await ordo.enqueue('http', { url: server.url('/ok'), expectStatus: [204] })).id);
    expect(ok.state).toBe('failed');
    expect(ok.attempts[0]!.error!.message).toContain('expected 204, so not retried');
  });

  it('retries network errors and 5xx with backoff until the attempts are used up', async () => {
    const { ordo, server } = await setup({ '/broken': answer(500, 'boom') });
    const closed = await startServer({});
    const refusedUrl = closed.url('/');
    await closed.close();
    const refused = await settled((await ordo.enqueue('http', { url: refusedUrl }, { maxAttempts: 2, retry: { baseMs: 10 } })).id);
    expect(refused.state).toBe('failed');
    expect(refused.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    expect(refused.attempts[0]!.error!.message).toMatch(/ECONNREFUSED.*\(network error; retried\)/);
    const broken = await settled((await ordo.enqueue('http', { url: server.url('/broken') }, { maxAttempts: 3, retry: { baseMs: 10 } })).id);
    expect(broken.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(server.to('/broken')).toHaveLength(3);
  });

  it('caps a long Retry-After at an hour, and pauses the queue 30 s on a 429 without Retry-After', async () => {
    const { ordo, server } = await setup({ '/busy': answer(429, 'busy'), '/later': answer(503, '', { 'retry-after': '7200' }) });
    const before = Date.now();
    const { id } = await ordo.enqueue('http', { url: server.url('/later') });
    const waiting = await waitFor(() => ordo.getJob(id), (job) => job!.attempts.length === 1, 'the first attempt to end');
    expect(waiting!.state).toBe('pending');
    expect(waiting!.attempts[0]!.error!.message).toContain('retrying after 1h as Retry-After asks (it asked for 2h; capped at 1h)');
    expect(waiting!.runAt.getTime() - before).toBeGreaterThanOrEqual(LIMITS.maxHttpRetryAfterMs);
    expect(waiting!.runAt.getTime() - Date.now()).toBeLessThanOrEqual(LIMITS.maxHttpRetryAfterMs);

    const started = Date.now();
    const busy = await ordo.enqueue('http', { url: server.url('/busy') });
    await waitFor(() => ordo.stats(), (stats) => stats.some((s) => s.queue === 'default' && s.pausedUntil !== null), 'the queue to pause');
    const handedBack = (await ordo.getJob(busy.id))!;
    expect(handedBack).toMatchObject({ state: 'pending', attempt: 0, attempts: [] });
    expect(handedBack.runAt.getTime() - started).toBeGreaterThanOrEqual(30_000);
    const paused = (await ordo.stats()).find((s) => s.queue === 'default')!;
    expect(paused.pausedUntil!.getTime() - started).toBeGreaterThanOrEqual(30_000);
    expect(paused.pausedUntil!.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
  });

  it('keeps the chosen headers, caps the body, and parses JSON when the body is whole', async () => {
    const big = 'x'.repeat(10_000);
    const { ordo, server } = await setup({
      '/json': answer(200, JSON.stringify({ id: 7, tags: ['a'] }), { 'content-type': 'application/json; charset=utf-8', etag: '"v1"', 'x-secret': 's' }),
      '/big': answer(200, big, { 'content-type': 'text/plain' }),
      '/bigjson': answer(200, JSON.stringify({ big }), { 'content-type': 'application/json' }),
    });
    const json = await settled((await ordo.enqueue('http', { url: server.url('/json') })).id);
    expect(json.result).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', etag: '"v1"' },
      body: '{"id":7,"tags":["a"]}',
      json: { id: 7, tags: ['a'] },
      url: server.url('/json'),
      redirects: 0,
    });
    const chosen = await settled((await ordo.enqueue('http', { url: server.url('/json'), resultHeaders: ['X-Secret'] })).id);
    expect((chosen.result as { headers: object }).headers).toEqual({ 'x-secret': 's' });
    const capped = await settled((await ordo.enqueue('http', { url: server.url('/big'), maxBodyBytes: 1_000 })).id);
    expect(capped.result).toMatchObject({ status: 200, body: 'x'.repeat(1_000), truncated: true });
    const cut = await settled((await ordo.enqueue('http', { url: server.url('/bigjson'), maxBodyBytes: 100 })).id);
    expect(cut.result).toMatchObject({ truncated: true });
    expect(cut.result).not.toHaveProperty('json');
    const whole = await settled((await ordo.enqueue('http', { url: server.url('/big') })).id);
    expect((whole.result as { body: string }).body).toHaveLength(Math.min(big.length, DEFAULTS.http.maxBodyBytes));
  });

  it('sends the method, the headers and a JSON body as JSON; a text body as it is', async () => {
    const { ordo, server } = await setup({ '/hook': answer(201, 'created') });
    const json = await settled((await ordo.enqueue('http', { url: server.url('/hook'), method: 'POST', headers: { 'X-Token': 't1' }, body: { n: 1 } })).id);
    expect(json).toMatchObject({ state: 'succeeded', result: { status: 201 } });
    const text = await settled((await ordo.enqueue('http', { url: server.url('/hook'), method: 'PUT', headers: { 'content-type': 'text/csv' }, body: 'a,b' })).id);
    expect(text.state).toBe('succeeded');
    const [first, second] = server.to('/hook');
    expect(first).toMatchObject({ method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json', 'x-token': 't1' } });
    expect(second).toMatchObject({ method: 'PUT', body: 'a,b', headers: { 'content-type': 'text/csv' } });
  });

  it("aborts the request at the payload's timeout, at the job's timeout, and on cancellation", async () => {
    const { ordo, server } = await setup({ '/hang': () => undefined });
    const timedOut = await settled((await ordo.enqueue('http', { url: server.url('/hang'), timeout: '200ms' }, { maxAttempts: 1 })).id);
    expect(timedOut.state).toBe('failed');
    expect(timedOut.attempts[0]!.error!.message).toBe(`GET ${server.url('/hang')}: no complete answer within 200ms (timeout)`);
    const jobTimeout = await settled((await ordo.enqueue('http', { url: server.url('/hang') }, { maxAttempts: 1, timeout: 200 })).id);
    expect(jobTimeout.attempts[0]!.outcome).toBe('timed_out');
    const { id } = await ordo.enqueue('http', { url: server.url('/hang') });
    await waitFor(() => server.to('/hang').length, (n) => n === 3, 'the third request to arrive');
    await ordo.cancel(id);
    expect((await settled(id)).state).toBe('cancelled');
    // Every request was dropped by the client, not left hanging.
    await waitFor(() => server.to('/hang').map((r) => r.aborted), (aborted) => aborted.every(Boolean), 'the server to see every request aborted');
  });

  it('refuses bad payloads at enqueue, naming the field', async () => {
    const { ordo } = await setup({});
    const refused: [unknown, RegExp][] = [
      [{}, /url: /],
      [{ url: 'ftp://example.com/file' }, /url: expected an absolute http: or https: URL/],
      [{ url: '/relative' }, /url: expected an absolute http: or https: URL/],
      [{ url: 'https://user:pw@example.com/' }, /url: expected a URL without user:password@/],
      [{ url: 'https://example.com', method: 'FETCH' }, /method: /],
      [{ url: 'https://example.com', body: 'x' }, /body: expected no body with GET/],
      [{ url: 'https://example.com', headers: { 'bad name': 'x' } }, /headers/],
      [{ url: 'https://example.com', headers: { 'x-a': 'line\r\nbreak' } }, /headers\.x-a: expected a header value without line breaks/],
      [{ url: 'https://example.com', timeout: '5 parsecs' }, /timeout: expected a duration/],
      [{ url: 'https://example.com', timeout: 0 }, /timeout: expected a duration from 1 ms/],
      [{ url: 'https://example.com', maxRedirects: 21 }, /maxRedirects: /],
      [{ url: 'https://example.com', maxBodyBytes: LIMITS.maxHttpBodyBytes + 1 }, /maxBodyBytes: /],
      [{ url: 'https://example.com', expectStatus: [] }, /expectStatus: /],
      [{ url: 'https://example.com', follow: true }, /follow/],
    ];
    for (const [payload, field] of refused) {
      const attempt = ordo.enqueue('http', payload);
      await expect(attempt, JSON.stringify(payload)).rejects.toThrow(ValidationError);
      await expect(attempt, JSON.stringify(payload)).rejects.toThrow(field);
    }
    expect((await ordo.listJobs()).total).toBe(0);
  });

  it('is a built-in task: a user task named http is refused, and the tasks folder listing leaves it out unless asked', () => {
    const mine = defineTask('http', async () => 'mine');
    expect(() => new TaskRegistry([mine])).toThrow(ConfigError);
    expect(() => new TaskRegistry([mine])).toThrow('http is a built-in task; give yours another name');
    const registry = new TaskRegistry([defineTask('other', async () => null)]);
    expect(registry.has('http')).toBe(true);
    expect(registry.names()).toEqual(['other']);
    expect(registry.size).toBe(1);
    expect(registry.list({ builtIn: true }).map((t) => [t.name, t.source, t.hasSchema])).toEqual([['http', 'built-in', true], ['other', null, false], ['workflow.start', 'built-in', true]]);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates; anything else is no header', () => {
    const now = Date.parse('2026-01-02T03:04:05Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Fri, 02 Jan 2026 03:05:05 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:00 GMT', now)).toBe(0);
    for (const bad of [null, '', '-5', '1.5', 'soon', '2026-01-02T03:05:05Z']) expect(retryAfterMs(bad, now), String(bad)).toBeNull();
  });
});
