/**
 * The PostgreSQL engine when the database goes away: short retryable StoreUnavailableErrors
 * instead of driver stack traces, no crash when idle connections die, and full recovery
 * (pool, LISTEN, leader) when a restarted server comes back.
 */
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrdo } from '../src/client/ordo.js';
import { OrdoError, StoreUnavailableError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { InsertResult } from '../src/core/types.js';
import { type PostgresStore, createPostgresStore } from '../src/store/postgres/engine.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker } from '../src/worker/worker.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './support/global-setup.js';
import { job } from './support/jobs.js';
import {
  type FreezableProxy,
  admin,
  freezableProxy,
  freshSchema,
  heardQueues,
  terminateSessions,
  testUrl,
  usePostgres,
  waitForSignal,
} from './support/postgres.js';
import { waitUntil } from './support/wait.js';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

/**
 * A session of its own, inside a transaction, that locks job `id` of `schema` and holds an
 * uncommitted job with unique key `held`: store calls touching either wait on it.
 */
async function blocker(store: PostgresStore, schema: string, id: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testUrl() });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  await client.query(`SELECT 1 FROM "${schema}".jobs WHERE id = $1 FOR UPDATE`, [id]);
  await store.jobInsertMany({ jobs: [job({ uniqueKey: 'held' })], tx: client });
  return client;
}

/** How many sessions of `applicationName` wait on a lock. */
async function waitingOnLocks(applicationName: string): Promise<number> {
  const rows = await admin(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName]);
  return rows.length;
}

/** `promise`, or a rejection after `ms`: a test of "does not hang" must not hang. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
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

  it('rejects a transaction whose connection is terminated mid-flight, and the process survives', async () => {
    const schema = freshSchema('cut');
    const store = await pgs.open({ schema, applicationName: 'ordo-test-tx-cut' });
    const [{ id }] = (await store.jobInsertMany({ jobs: [job()] })) as [InsertResult];
    const locker = await blocker(store, schema, id);
    try {
      // Blocks on SELECT … FOR UPDATE behind the locker, inside a store-owned transaction.
      const cancel = store.jobCancel({ id }).then(() => null, (err: unknown) => err);
      // Blocks on the unique index behind the locker's uncommitted insert of the same key.
      const insert = store.jobInsertMany({ jobs: [job({ uniqueKey: 'held' })] }).then(() => null, (err: unknown) => err);
      await waitUntil(async () => (await waitingOnLocks('ordo-test-tx-cut')) === 2, 5000, 'both calls to wait on locks');
      expect(await terminateSessions('ordo-test-tx-cut')).toBeGreaterThanOrEqual(2);
      expect(await cancel).toBeInstanceOf(StoreUnavailableError);
      expect(await insert).toBeInstanceOf(StoreUnavailableError);
    } finally {
      await locker.end();
    }
    // The pool replaced the broken connections.
    expect(await store.jobCancel({ id })).toEqual({ state: 'cancelled', cancelRequested: false });
  });
});

describe('postgres engine over half-open connections', () => {
  const pgs = usePostgres();
  const proxies: FreezableProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  async function proxy(): Promise<FreezableProxy> {
    const started = await freezableProxy(testUrl());
    proxies.push(started);
    return started;
  }

  it('fails a statement that gets no answer after queryTimeoutMs, then carries on over a new connection', async () => {
    const { url, freeze } = await proxy();
    const store = await pgs.open({ url, queryTimeoutMs: 500 });
    const [{ id }] = (await store.jobInsertMany({ jobs: [job()] })) as [InsertResult];
    const [running] = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 60_000 });
    freeze();
    const started = Date.now();
    const error = await within(store.jobHeartbeat({ workerId: 'w', jobs: [running!], leaseMs: 60_000 }).catch((err: unknown) => err), 5000);
    expect(Date.now() - started).toBeLessThan(3000);
    expectUnavailable(error);
    expect((await store.jobGet({ id }))?.state).toBe('running');
  });

  it('pings its LISTEN connection, reconnects when the ping times out, and wakes subscribers for what it missed', async () => {
    const { url, freeze } = await proxy();
    const schema = freshSchema('ping');
    // Pings every 2 x 300 ms.
    const reader = await pgs.open({ url, schema, queryTimeoutMs: 300 });
    const writer = await pgs.open({ schema });
    const heard = await heardQueues(reader);
    freeze();
    // Its NOTIFY is stuck in the frozen connection and dies with it.
    await writer.jobInsertMany({ jobs: [job({ queue: 'while-frozen' })] });
    await waitUntil(() => heard.includes('while-frozen'), 10_000, 'the missed queue to be signalled after the LISTEN connection was replaced');
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
      const before = await worker.leaderElect({ name: 'scheduler', holderId: 'w', ttlMs: 1000 });
      expect(before).toEqual({ term: expect.any(Number) });

      await server.stop();
      expectUnavailable(await worker.jobClaim({ workerId: 'w', queues: ['q'], limit: 1, leaseMs: 1000 }).catch((e: unknown) => e));
      expectUnavailable(await worker.leaderElect({ name: 'scheduler', holderId: 'w', ttlMs: 1000 }).catch((e: unknown) => e));

      await server.start();
      await waitUntil(() => client.jobInsertMany({ jobs: [job({ queue: 'q' })] }).then(() => true, () => false), 10_000, 'the pool to reconnect');
      await waitForSignal(client, heard, 'after-restart', 15_000, 'LISTEN to be back');
      // Leader again; the restart ended the session that held the role, so this is a new term.
      const after = await worker.leaderElect({ name: 'scheduler', holderId: 'w', ttlMs: 1000 });
      expect(after?.term).toBeGreaterThan(before!.term);
      expect((await worker.jobClaim({ workerId: 'w', queues: ['q'], limit: 1, leaseMs: 1000 })).length).toBe(1);
    } finally {
      await Promise.all([worker.close(), client.close()]);
    }
  });
  it('keeps an in-process client alive across the restart: unique-key enqueues and cancels in a loop', async () => {
    const schema = freshSchema('loop');
    const store = createPostgresStore({ url: server.url, schema, applicationName: 'ordo-test-loop' });
    const locker = new pg.Client({ connectionString: server.url });
    locker.on('error', () => undefined);
    try {
      await store.migrate();
      let stop = false;
      let done = 0;
      const errors: unknown[] = [];
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          try {
            const [inserted] = await store.jobInsertMany({ jobs: [job({ uniqueKey: `key-${i % 5}` })] });
            await store.jobCancel({ id: inserted!.id });
            done++;
          } catch (err) {
            errors.push(err);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      })();
      await waitUntil(() => done >= 20, 10_000, 'the loop to get going');
      // And one store transaction that is certainly in flight when the server stops.
      const [{ id }] = (await store.jobInsertMany({ jobs: [job()] })) as [InsertResult];
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM "${schema}".jobs WHERE id = $1 FOR UPDATE`, [id]);
      const blocked = store.jobCancel({ id }).then(() => null, (err: unknown) => err);
      await waitUntil(async () => (await locker.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'ordo-test-loop' AND wait_event_type = 'Lock'`)).rowCount === 1, 5000, 'the cancel to wait');

      await server.stop();
      // The shutdown ends the locker's session too, so the cancel may win the lock and commit
      // first; either way it must settle without crashing the process, and a failure must be
      // a StoreUnavailableError (the terminate-during-lock case is pinned down above).
      const outcome = await blocked;
      if (outcome !== null) expect(outcome).toBeInstanceOf(StoreUnavailableError);
      await server.start();
      const before = done;
      await waitUntil(() => done >= before + 20, 20_000, 'the loop to carry on after the restart');
      stop = true;
      await loop;
      expect(errors.length).toBeGreaterThan(0);
      for (const err of errors) expect(err, String(err)).toBeInstanceOf(StoreUnavailableError);
    } finally {
      await Promise.all([store.close(), locker.end().catch(() => undefined)]);
    }
  });
  it('lets a worker write the results it held through an outage longer than its lease: nothing runs twice', async () => {
    const schema = freshSchema('held');
    const store = createPostgresStore({ url: server.url, schema });
    await store.migrate();
    const ordo = await createOrdo({ store });
    const runs = new Map<string, number>();
    let openShort!: () => void;
    let openLong!: () => void;
    const short = new Promise<void>((resolve) => (openShort = resolve));
    const long = new Promise<void>((resolve) => (openLong = resolve));
    const task = defineTask('gated', async (payload: { gate: string }, ctx) => {
      runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
      await (payload.gate === 'short' ? short : long);
      return payload.gate;
    });
    const worker = createWorker({ store, tasks: [task], leaseMs: 1_000, rescueMs: 50, pollMs: 20, logger: createLogger({ level: 'silent' }) });
    try {
      const ids: string[] = [];
      for (const gate of ['short', 'short', 'long']) ids.push((await ordo.enqueue('gated', { gate })).id);
      await worker.start();
      await waitUntil(() => runs.size === 3, 10_000, 'all three jobs to start');
      await waitUntil(() => worker.isMaintenanceLeader, 10_000, 'the worker to lead maintenance');

      await server.stop();
      openShort(); // two results are kept while the server is down
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // two and a half leases
      await server.start();

      for (const id of ids.slice(0, 2)) await waitUntil(async () => (await store.jobGet({ id }).catch(() => null))?.state === 'succeeded', 20_000, `kept result of ${id}`);
      await waitUntil(() => worker.isMaintenanceLeader, 20_000, 'leadership again');
      await new Promise((resolve) => setTimeout(resolve, 1_300)); // the rescuer's quiet lease, and some
      expect((await store.jobGet({ id: ids[2]! }))?.state).toBe('running');
      openLong();
      for (const id of ids) {
        await waitUntil(async () => (await store.jobGet({ id }))?.state === 'succeeded', 10_000, `job ${id} to succeed`);
        expect((await store.jobGet({ id }))!.attempts.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([[1, 'succeeded', worker.name]]);
      }
      expect([...runs.values()]).toEqual([1, 1, 1]);
    } finally {
      openShort();
      openLong();
      await worker.stop({ graceMs: 0 });
      await ordo.close();
      await store.close();
    }
  });
});
