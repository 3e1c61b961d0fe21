/**
 * The PostgreSQL engine when the database goes away: short retryable StoreUnavailableErrors
 * instead of driver stack traces, no crash when idle connections die, and full recovery
 * (pool, LISTEN, leader) when a restarted server comes back.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdoError, StoreUnavailableError } from '../src/core/errors.js';
import { createPostgresStore } from '../src/store/postgres/engine.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './support/global-setup.js';
import { job } from './support/jobs.js';
import { freshSchema, heardQueues, terminateSessions, usePostgres, waitForSignal } from './support/postgres.js';
import { waitUntil } from './support/wait.js';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

function expectUnavailable(err: unknown): void {
  expect(err).toBeInstanceOf(StoreUnavailableError);
  expect((err as OrdoError).retryable).toBe(true);
  expect((err as Error).message).toMatch(/^PostgreSQL is unavailable \(.+\); retry later$/);
  expect((err as Error).message).not.toContain('\n');
}

describe('postgres engine without a server', () => {
  it('throws a short StoreUnavailableError from every kind of call', async () => {
    const store = createPostgresStore({ url: `postgres://ordo:ordo@127.0.0.1:${await closedPort()}/nowhere` });
    try {
      for (const call of [
        () => store.migrate(),
        () => store.jobGet({ id: '1' }),
        () => store.jobClaim({ workerId: 'w', queues: ['default'], limit: 5, leaseMs: 1000 }),
        () => store.jobInsertMany({ jobs: [job({ uniqueKey: 'k' })] }),
        () => store.jobCancel({ id: '1' }),
        () => store.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 1000 }),
      ]) {
        expectUnavailable(await call().then(() => null, (err: unknown) => err));
      }
    } finally {
      await store.close();
    }
  });

  it('fails calls after close with a non-retryable error, and close is idempotent', async () => {
    const store = createPostgresStore({ url: 'postgres://ordo:ordo@127.0.0.1:1/x' });
    await Promise.all([store.close(), store.close()]);
    await store.close();
    const err = await store.jobGet({ id: '1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrdoError);
    expect((err as OrdoError).retryable).toBe(false);
  });
});

describe('postgres engine when connections die', () => {
  const pgs = usePostgres();

  it('survives its idle pooled connections being terminated', async () => {
    const store = await pgs.open({ applicationName: 'ordo-test-idle' });
    await Promise.all(Array.from({ length: 4 }, () => store.jobInsertMany({ jobs: [job()] })));
    expect(await terminateSessions('ordo-test-idle')).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the pool see the errors
    expect((await store.jobList({})).total).toBe(4);
  });
});

describe('postgres engine across a server restart', () => {
  let server: EmbeddedServer;

  beforeAll(async () => {
    server = await startEmbeddedPostgres();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('reports the outage, then recovers pool, LISTEN and leadership', async () => {
    const schema = freshSchema('rst');
    const worker = createPostgresStore({ url: server.url, schema });
    const client = createPostgresStore({ url: server.url, schema });
    try {
      await worker.migrate();
      const heard = await heardQueues(worker);
      expect(await worker.leaderElect({ name: 'scheduler', holderId: 'w', ttlMs: 1000 })).toBe(true);

      await server.stop();
      expectUnavailable(await worker.jobClaim({ workerId: 'w', queues: ['q'], limit: 1, leaseMs: 1000 }).catch((e: unknown) => e));
      expectUnavailable(await worker.leaderElect({ name: 'scheduler', holderId: 'w', ttlMs: 1000 }).catch((e: unknown) => e));

      await server.start();
      await waitUntil(() => client.jobInsertMany({ jobs: [job({ queue: 'q' })] }).then(() => true, () => false), 10_000, 'the pool to reconnect');
      await waitForSignal(client, heard, 'after-restart', 15_000, 'LISTEN to be back');
      expect(await worker.leaderElect({ name: 'scheduler', holderId: 'w', ttlMs: 1000 })).toBe(true);
      expect((await worker.jobClaim({ workerId: 'w', queues: ['q'], limit: 1, leaseMs: 1000 })).length).toBe(1);
    } finally {
      await Promise.all([worker.close(), client.close()]);
    }
  });
});
