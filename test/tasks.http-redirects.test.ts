/**
 * The `http` task's redirects and allowed hosts, against a real local server and a real
 * worker on SQLite: redirects followed by hand and bounded, 303 (and 302 after a POST)
 * turned into a GET, credentials kept from other origins, and every hop checked against
 * the worker's `httpAllowHosts`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { freshStore, sqliteFixture } from './support/engines.js';
import { startServer, type Route, type TestServer } from './support/http-server.js';
import { waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

let store: Store | undefined;
let ordo: Ordo | undefined;
let worker: Worker | undefined;
let server: TestServer | undefined;

const redirect = (status: number, to: () => string): Route => (_req, res) => void res.writeHead(status, { location: to() }).end();
const ok: Route = (req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ok`);

/** A server with a chain of redirects, and a worker allowed `allowHosts(port)`. */
async function setup(allowHosts: (port: number) => string[] = () => []): Promise<{ ordo: Ordo; server: TestServer }> {
  const s: TestServer = await startServer({
    '/r1': redirect(302, () => '/r2'),
    '/r2': redirect(303, () => s.url('/final')),
    '/keep': redirect(307, () => '/final'),
    '/loop': redirect(302, () => '/loop'),
    '/cross': redirect(302, () => s.url('/final', '127.0.0.1')),
    '/ftp': redirect(301, () => 'ftp://localhost/file'),
    '/final': ok,
  });
  server = s;
  store = await freshStore(sqliteFixture);
  ordo = await createOrdo({ store });
  worker = createWorker({ store, tasks: [], logger: quiet, pollMs: 20, httpAllowHosts: allowHosts(s.port) });
  await worker.start();
  return { ordo, server: s };
}

afterEach(async () => {
  await worker?.stop({ graceMs: 0 });
  await store?.close();
  await server?.close();
  [store, ordo, worker, server] = [undefined, undefined, undefined, undefined];
});

async function run(payload: object): Promise<JobRecord> {
  const { id } = await ordo!.enqueue('http', payload, { retry: { baseMs: 10 } });
  return (await waitFor(() => ordo!.getJob(id), (job) => job?.state === 'succeeded' || job?.state === 'failed', `job ${id} to end`))!;
}

describe('http redirects', () => {
  it('follows them, turning a 302 after POST and a 303 into a GET without the body', async () => {
    const { server } = await setup();
    const job = await run({ url: server.url('/r1'), method: 'POST', body: { n: 1 }, headers: { authorization: 'Bearer t' } });
    expect(job.result).toMatchObject({ status: 200, body: 'GET ok', redirects: 2, url: server.url('/final') });
    expect(server.requests.map((r) => [r.path, r.method, r.body])).toEqual([['/r1', 'POST', '{"n":1}'], ['/r2', 'GET', ''], ['/final', 'GET', '']]);
    // Same origin all the way: the credentials went along; the body's headers did not.
    expect(server.to('/final')[0]!.headers).toMatchObject({ authorization: 'Bearer t' });
    expect(server.to('/final')[0]!.headers).not.toHaveProperty('content-type');
    expect(job.attempts[0]!.logs!.map((l) => l.message)).toEqual([
      expect.stringMatching(/^POST .*\/r1 -> 302 in \d+ ms$/),
      expect.stringMatching(/^GET .*\/r2 -> 303 in \d+ ms$/),
      expect.stringMatching(/^GET .*\/final -> 200 in \d+ ms$/),
    ]);
  });

  it('keeps the method and body on a 307, and drops credentials on the way to another origin', async () => {
    const { server } = await setup();
    const kept = await run({ url: server.url('/keep'), method: 'PUT', body: 'data', headers: { authorization: 'Bearer t', cookie: 'c=1' } });
    expect(kept.result).toMatchObject({ body: 'PUT ok', redirects: 1 });
    expect(server.to('/final')[0]).toMatchObject({ method: 'PUT', body: 'data', headers: { authorization: 'Bearer t', cookie: 'c=1' } });
    const crossed = await run({ url: server.url('/cross'), headers: { authorization: 'Bearer t', cookie: 'c=1', 'x-kept': 'yes' } });
    expect(crossed.result).toMatchObject({ status: 200, url: server.url('/final', '127.0.0.1') });
    const final = server.to('/final')[1]!;
    expect(final.headers).not.toHaveProperty('authorization');
    expect(final.headers).not.toHaveProperty('cookie');
    expect(final.headers).toMatchObject({ 'x-kept': 'yes' });
  });

  it('fails for good on a redirect loop, after maxRedirects hops', async () => {
    const { server } = await setup();
    const loop = await run({ url: server.url('/loop') });
    expect(loop.state).toBe('failed');
    expect(loop.attempts).toHaveLength(1);
    expect(loop.attempts[0]!.error!.message).toBe(`GET ${server.url('/loop')}: more than 5 redirects (maxRedirects); the last one pointed to /loop`);
    expect(server.to('/loop')).toHaveLength(6);
    const short = await run({ url: server.url('/r1'), maxRedirects: 1 });
    expect(short.attempts[0]!.error!.message).toContain('more than 1 redirects');
  });

  it('returns a redirect listed in expectStatus instead of following it', async () => {
    const { server } = await setup();
    const job = await run({ url: server.url('/r1'), maxRedirects: 0, expectStatus: [302] });
    expect(job.result).toMatchObject({ status: 302, headers: { location: '/r2' }, redirects: 0 });
    expect(server.to('/r2')).toHaveLength(0);
  });

  it('fails for good on a redirect to a scheme other than http(s)', async () => {
    const { server } = await setup();
    const job = await run({ url: server.url('/ftp') });
    expect(job.state).toBe('failed');
    expect(job.attempts[0]!.error!.message).toBe('ftp://localhost/file: only http: and https: URLs are requested');
  });
});

describe('http allowed hosts', () => {
  it('reaches a listed host, and fails for good, naming the host and the setting, on another one or a redirect to one', async () => {
    const { server } = await setup((port) => [`localhost:${port}`]);
    const allowed = await run({ url: server.url('/final') });
    expect(allowed.state).toBe('succeeded');
    const direct = await run({ url: server.url('/final', '127.0.0.1') });
    expect(direct.state).toBe('failed');
    expect(direct.attempts).toHaveLength(1);
    expect(direct.attempts[0]!.error!.message).toBe(
      `host 127.0.0.1:${server.port} is not among the hosts http jobs may reach (httpAllowHosts / ORDO_HTTP_ALLOW_HOSTS: localhost:${server.port})`,
    );
    const redirected = await run({ url: server.url('/cross') });
    expect(redirected.state).toBe('failed');
    expect(redirected.attempts[0]!.error!.message).toContain(`host 127.0.0.1:${server.port} is not among the hosts`);
    // Only the allowed requests were sent: the first /final and the hop to /cross.
    expect(server.requests.map((r) => r.path)).toEqual(['/final', '/cross']);
  });

  it('holds a port to the one listed', async () => {
    const { server } = await setup((port) => [`localhost:${port + 1}`]);
    const job = await run({ url: server.url('/final') });
    expect(job.attempts[0]!.error!.message).toContain(`host localhost:${server.port} is not among the hosts`);
    expect(server.requests).toHaveLength(0);
  });

  it('comes from ORDO_HTTP_ALLOW_HOSTS when the worker is given none, and a bad entry is refused naming the setting', () => {
    vi.stubEnv('ORDO_HTTP_ALLOW_HOSTS', 'API.example.com, *.internal:8080');
    try {
      expect(createWorker({ tasks: [], logger: quiet }).options.httpAllowHosts).toEqual(['api.example.com', '*.internal:8080']);
      expect(createWorker({ tasks: [], logger: quiet, httpAllowHosts: 'other.example' }).options.httpAllowHosts).toEqual(['other.example']);
      vi.stubEnv('ORDO_HTTP_ALLOW_HOSTS', 'https://example.com/');
      expect(() => createWorker({ tasks: [], logger: quiet })).toThrow(/^ORDO_HTTP_ALLOW_HOSTS: expected host names such as api\.example\.com/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
