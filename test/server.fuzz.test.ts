/**
 * A thousand malformed or hostile requests on each engine (wrong types, huge and deeply
 * nested bodies, bad JSON, SQL in strings, unknown fields, bad or missing tokens, path
 * tricks, very long ids, null bytes, wrong content types, unknown methods; the dashboard's
 * pages and files among them) and raw requests
 * that are not HTTP at all: no answer is a 5xx, every error is a problem, and the server
 * still serves a valid request afterwards. Requests come from a seeded generator, so a
 * failure names a request that can be replayed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROUTES } from '../src/api/routes.js';
import { defineTask } from '../src/tasks/define.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { useServers } from './support/server.js';

afterAll(dropCreatedSchemas);

const REQUESTS = 1_000;
/** Another seed sends other requests: ORDO_FUZZ_SEED=n npx vitest run test/server.fuzz.test.ts */
const SEED = Number(process.env.ORDO_FUZZ_SEED ?? 8);
const BODY_LIMIT = 64 * 1024;

/** mulberry32: a small seeded generator, so every run sends the same requests. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_TEXT = [
  "1' OR '1'='1",
  "'; DROP TABLE jobs; --",
  '1; DELETE FROM ordo.jobs',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  'a\u0000b',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '\u202e\ufeff𝕆𝕣𝕕𝕠',
  'x'.repeat(10_000),
  '',
  ' ',
  '-1',
  '0',
  '99999999999999999999999999',
  '1e309',
  'NaN',
  'null',
  '__proto__',
  'constructor',
];
const HOSTILE_VALUES: unknown[] = [...HOSTILE_TEXT, null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 63, [], [1, 'a'], {}, { $gt: '' }, { __proto__: { polluted: 1 } }];
const PATH_IDS = ['1', '0', '-5', 'abc', '..%2f..%2fetc', '..', '%2e%2e', '1%00', '%00', '1%20OR%201%3D1', "1'%3B--", '9'.repeat(30), '9'.repeat(3000), '%E0%A4%A', '%ZZ', '1.5', '0x10', encodeURIComponent('𝕆'), 'a/b', '%2F'];
const FIELDS = ['task', 'payload', 'queue', 'priority', 'delay', 'runAt', 'maxAttempts', 'retry', 'uniqueKey', 'uniqueFor', 'timeout', 'traceId', 'name', 'cron', 'every', 'at', 'tz', 'misfire', 'overlap', 'scope', 'jobs', 'action', 'filter', 'dryRun', 'count', 'state', 'q', 'resultQ', 'payloadContains', 'resultContains', 'dealy', '__proto__', 'constructor'];
const QUERY_KEYS = ['state', 'queue', 'task', 'worker', 'createdFrom', 'createdTo', 'q', 'resultQ', 'payloadContains', 'resultContains', 'limit', 'offset', 'cursor', 'outcome', 'from', 'to', 'window', 'action', 'unknown', '__proto__'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', '', 'application/problem+json'];
const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD'];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function generator(seed: number, tokens: { admin: string; read: string }) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number) => next() < p;

  const value = (depth = 0): unknown => {
    if (depth < 2 && chance(0.2)) return Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 3) }, () => [pick(FIELDS), value(depth + 1)]));
    return chance(0.3) ? pick(HOSTILE_TEXT) : pick(HOSTILE_VALUES);
  };
  const body = (): string | undefined => {
    const kind = Math.floor(next() * 10);
    // Valid jobs whose payload carries hostile text: stored as data, never run as SQL.
    if (kind === 9) return JSON.stringify({ task: 'greet', payload: { name: pick(HOSTILE_TEXT.filter((t) => t.length <= 50)) }, queue: chance(0.5) ? 'q1' : undefined });
    if (kind === 0) return undefined;
    if (kind === 1) return pick(['{', '{"task":', '[1,2', '{"a":1}}', 'nul', "{'task':'a'}", '\u0000', '{"task":"a",}', '']);
    if (kind === 2) return JSON.stringify({ task: 'greet', payload: { blob: 'x'.repeat(BODY_LIMIT + 10) } });
    if (kind === 3) return '['.repeat(5_000) + ']'.repeat(5_000);
    if (kind === 4) return JSON.stringify(value());
    if (kind === 5) return `{"task":"greet","__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}`;
    // Near-valid bodies: right fields, hostile values, sometimes an unknown field.
    const fields: Record<string, unknown> = { task: chance(0.5) ? 'greet' : pick(HOSTILE_TEXT) };
    for (let i = Math.floor(next() * 4); i > 0; i--) fields[pick(FIELDS)] = value();
    if (kind === 8) return JSON.stringify({ jobs: Array.from({ length: chance(0.1) ? 1001 : 3 }, () => fields) });
    return JSON.stringify(fields);
  };
  const target = (): { path: string; method?: string } => {
    if (chance(0.1)) return { path: pick(['/', '/jobs', '/jobs/1', '/schedules/%00', '/app.js', '/index.html', '/..%2fpackage.json', '/api', '/api/v1', '/api/v1/', '//api//v1//jobs', '/api/v1/jobs/../tokens', '/api/v1/%2e%2e/%2e%2e/etc/passwd', '/docs/../../package.json', '/docs/static/../../../etc/passwd', '/docs/static/%2e%2e%2f%2e%2e%2fpackage.json', '/metrics?x=' + 'a'.repeat(5000), '/api/v1/events?queue=' + encodeURIComponent(pick(HOSTILE_TEXT)).slice(0, 300)]) };
    // Enqueueing is the way in most exposed to the outside: a third of the requests aim at it.
    const route = chance(0.3) ? ROUTES['jobs.create'] : pick(Object.values(ROUTES));
    let text = `/api/v1${route.path}`.replace(/\{(\w+)\}/g, () => pick(PATH_IDS));
    if (chance(0.5)) {
      const pairs = Array.from({ length: 1 + Math.floor(next() * 3) }, () => `${encodeURIComponent(pick(QUERY_KEYS))}=${encodeURIComponent(String(pick(HOSTILE_VALUES))).slice(0, 2000)}`);
      text += `?${pairs.join('&')}`;
    }
    return { path: text, method: route.method };
  };
  return (): FuzzRequest => {
    const headers: Record<string, string> = {};
    const auth = Math.floor(next() * 8);
    if (auth <= 3) headers.authorization = `Bearer ${tokens.admin}`;
    else if (auth === 4) headers.authorization = `Bearer ${tokens.read}`;
    else if (auth === 5) headers.authorization = pick(['Bearer', 'Bearer  ', 'bearer x', 'Basic YTpi', `Bearer ${tokens.admin}x`, `Bearer ${'A'.repeat(2000)}`, "Bearer ' OR 1=1 --", `Bearer ${tokens.admin.replace(/.$/, '_')}`]);
    if (chance(0.3)) headers['x-request-id'] = pick(['ok-1', 'x'.repeat(500), 'bad id with spaces', '\u00e9t\u00e9']).replace(/[^\x20-\x7e]/g, '?');
    const { path, method: routeMethod } = target();
    const method = routeMethod && chance(0.8) ? routeMethod : pick(METHODS);
    const withBody = method !== 'GET' && method !== 'HEAD' ? body() : undefined;
    if (withBody !== undefined) {
      const type = chance(0.8) ? 'application/json' : pick(CONTENT_TYPES);
      if (type) headers['content-type'] = type;
    }
    return { method, path, headers, body: withBody };
  };
}

/** Requests no HTTP client would send: the server must answer (or close) with a 4xx, never fall over. */
const RAW = [
  'GARBAGE\r\n\r\n',
  'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
  'POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/v1/jobs HTTP/9.9\r\nHost: x\r\n\r\n',
];

function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.write(text, 'latin1');
    setTimeout(() => socket.end(), 200);
  });
}

const greet = defineTask('greet', { schema: z.object({ name: z.string().max(50) }) }, async () => null);

describe.each(engines)('hostile requests on $name', (engine) => {
  const serve = useServers(engine);

  it(`answers ${REQUESTS} malformed or hostile requests with no 5xx and keeps serving`, async () => {
    // A dashboard of its own, so its pages answer alike whether or not `npm run build` ran.
    const dashboard = mkdtempSync(join(tmpdir(), 'ordo-fuzz-dashboard-'));
    writeFileSync(join(dashboard, 'index.html'), '<!doctype html><script type="module" src="/app.js"></script>');
    writeFileSync(join(dashboard, 'app.js'), '');
    const api = await serve({ tasks: [greet], options: { bodyLimit: BODY_LIMIT, dashboard } });
    const tokens = { admin: await api.token('admin'), read: await api.token('read') };
    const make = generator(engine.name === 'sqlite' ? SEED : SEED + 1, tokens);
    const statuses = new Map<number, number>();
    for (let sent = 0; sent < REQUESTS; sent += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const request = make();
          const what = `${request.method} ${request.path.slice(0, 200)} ${JSON.stringify(request.headers).slice(0, 200)} ${request.body?.slice(0, 200)}`;
          // A hung request fails here, naming itself, instead of timing the whole test out.
          const response = await fetch(api.url + request.path, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => {
            throw new Error(`${what}: ${(err as Error).message}`);
          });
          if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
            // A valid request for the event stream: it is open, and stays open until left.
            expect(response.status, what).toBe(200);
            await response.body!.cancel();
            statuses.set(200, (statuses.get(200) ?? 0) + 1);
            return;
          }
          const text = await response.text();
          expect(response.status, `${what} → ${text.slice(0, 300)}`).toBeLessThan(500);
          if (response.status >= 400 && request.method !== 'HEAD') {
            expect(response.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
            expect(JSON.parse(text), what).toMatchObject({ status: response.status, code: expect.any(String), detail: expect.any(String) });
          }
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }),
      );
    }
    for (const text of RAW) expect(await rawRequest(api.url, text)).toMatch(/^(HTTP\/1\.1 4\d\d |$)/);

    // A fair mix reached the handlers, not only the router and the token check.
    for (const status of [200, 201, 400, 401, 403, 404, 413, 415]) expect(statuses.get(status) ?? 0, `answers with ${status}: ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('admin');
    // Still serving, and still right.
    expect((await api.call('GET', '/healthz')).status).toBe(200);
    const created = await api.call('POST', '/api/v1/jobs', { token: tokens.admin, body: { task: 'greet', payload: { name: 'after' } } });
    expect(created.status).toBe(201);
    expect((await api.call('GET', `/api/v1/jobs/${created.body.id}`, { token: tokens.admin })).body).toMatchObject({ task: 'greet', payload: { name: 'after' } });
    const listed = (await api.call('GET', '/api/v1/tokens', { token: tokens.admin })).body.tokens.map((t: { name: string }) => t.name);
    expect(listed).toEqual(expect.arrayContaining(['test-admin', 'test-read']));
  });
});
