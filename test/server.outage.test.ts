/**
 * A database outage under a running server: every endpoint that needs the database answers
 * 503 with `Retry-After` (a problem naming no host or file), `/healthz` stays 200, `/readyz`
 * turns 503; when PostgreSQL comes back the same server answers again without a restart.
 * A lost SQLite file cannot come back (the store refuses it for good), so there the server
 * stays up and says so.
 */
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { dropCreatedSchemas, postgresFixture, sqliteFixture } from './support/engines.js';
import { useServers, type Answer, type TestServer } from './support/server.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

/** A TCP proxy to PostgreSQL that can refuse every connection (an outage) and forward again. */
async function switchableProxy(targetUrl: string): Promise<{ url: string; down(): void; up(): void; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined).on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    down() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      refusing = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function expectUnavailable(api: TestServer, token: string): Promise<void> {
  for (const [method, path] of [['GET', '/readyz'], ['GET', '/api/v1/jobs'], ['POST', '/api/v1/jobs'], ['GET', '/api/v1/queues'], ['GET', '/metrics']] as const) {
    const answer: Answer = await api.call(method, path, { token, body: method === 'POST' ? { task: 'any.task' } : undefined });
    expect(answer.status, `${method} ${path}`).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.body).toMatchObject({ status: 503, detail: 'the database is unavailable; retry in 5 s' });
    expect(answer.body.details).toBeUndefined();
  }
  expect((await api.call('GET', '/healthz')).status).toBe(200);
  expect((await api.call('GET', '/api/openapi.json')).status).toBe(200);
}

describe('a PostgreSQL outage under a server', () => {
  const serve = useServers(postgresFixture);
  let store: Store | undefined;
  let proxy: Awaited<ReturnType<typeof switchableProxy>> | undefined;
  afterEach(async () => {
    await store?.close();
    await proxy?.close();
  });

  it('answers 503 with Retry-After while the database is away, and serves again when it is back', async () => {
    const { db, schema } = await postgresFixture.freshDatabase();
    proxy = await switchableProxy(db);
    store = await openStore(proxy.url, { schema });
    const api: TestServer = await serve({ store, options: { tokenCacheMs: 60_000 } });
    const token = await api.token('admin');
    expect((await api.call('GET', '/readyz')).status).toBe(200);
    const { id } = (await api.call('POST', '/api/v1/jobs', { token, body: { task: 'any.task' } })).body;

    proxy.down();
    await expectUnavailable(api, token);

    proxy.up();
    await waitFor(() => api.call('GET', '/readyz'), (answer) => answer.status === 200, 'readiness after the outage');
    expect((await api.call('GET', `/api/v1/jobs/${id}`, { token })).body).toMatchObject({ id, state: 'pending' });
    expect((await api.call('POST', '/api/v1/jobs', { token, body: { task: 'any.task' } })).status).toBe(201);
  });
});

describe('a SQLite file lost under a server', () => {
  const serve = useServers(sqliteFixture);

  it('answers 503 with Retry-After on every endpoint that needs it, and keeps serving', async () => {
    const { db } = await sqliteFixture.freshDatabase();
    const store = await openStore(db);
    const api = await serve({ store, options: { tokenCacheMs: 60_000 } });
    const token = await api.token('admin');
    expect((await api.call('GET', '/readyz')).status).toBe(200);
    for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
    await waitFor(() => api.call('GET', '/readyz'), (answer) => answer.status === 503, 'the loss to be noticed');
    await expectUnavailable(api, token);
    await store.close();
  });
});
