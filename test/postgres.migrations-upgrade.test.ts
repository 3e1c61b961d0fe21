/**
 * Upgrading a PostgreSQL schema made by an older version (3): jobs keep their rows, gain an
 * empty trace id, and a job waiting for (or running) a retry gets the finish time of its
 * last attempt, which `finished_at` now keeps; the tokens table and the audit log (version
 * 5) arrive empty; the jobs have no concurrency key and the queue no limit (version 8).
 */
import { expect, it } from 'vitest';
import { NO_LIMITS } from '../src/core/flow.js';
import { MIGRATIONS } from '../src/store/postgres/migrations.js';
import { freshSchema, usePostgres } from './support/postgres.js';

const pg = usePostgres();

const T1 = '2030-01-01T10:00:00.123Z';
const T2 = '2030-01-01T11:00:00.456Z';
const attempt = (n: number, at: string) => ({ attempt: n, worker: 'w', startedAt: at, finishedAt: at, outcome: 'failed', error: { message: 'x' } });

it('upgrades a version 3 schema: trace ids, finish times of retries, tokens, the audit log', async () => {
  const schema = freshSchema('upg');
  const s = `"${schema}"`;
  await pg.admin(`CREATE SCHEMA ${s}`);
  await pg.admin(`CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const migration of MIGRATIONS.filter((m) => m.version <= 3)) {
    await pg.admin(migration.sql(s));
    await pg.admin(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
  }
  const insert = async (state: string, tries: number, finishedAt: string | null, attempts: unknown[]): Promise<string> => {
    const [row] = await pg.admin<{ id: string }>(
      `INSERT INTO ${s}.jobs (task, queue, payload, state, run_at, max_attempts, attempt, finished_at, attempts)
       VALUES ('t', 'default', '{}', $1, now(), 5, $2, $3, $4) RETURNING id`,
      [state, tries, finishedAt, JSON.stringify(attempts)],
    );
    return row!.id;
  };
  const waiting = await insert('pending', 1, null, [attempt(1, T1)]);
  const running = await insert('running', 3, null, [attempt(1, T1), attempt(2, T2)]);
  const fresh = await insert('pending', 0, null, []);
  const done = await insert('succeeded', 1, '2030-01-01T11:00:01.000Z', [attempt(1, T2)]);

  const store = await pg.open({ schema });
  const get = async (id: string) => (await store.jobGet({ id }))!;
  expect(await get(waiting)).toMatchObject({ state: 'pending', finishedAt: new Date(T1), traceId: null });
  expect(await get(running)).toMatchObject({ state: 'running', finishedAt: new Date(T2), traceId: null });
  expect(await get(fresh)).toMatchObject({ finishedAt: null, traceId: null, concurrencyKey: null });
  expect(await get(done)).toMatchObject({ finishedAt: new Date('2030-01-01T11:00:01.000Z') });
  const { finished } = await store.jobChanges({ afterId: '0', from: new Date(T1), to: new Date(Date.parse(T1) + 1), limit: 10 });
  expect(finished.map((j) => j.id)).toEqual([waiting]);
  expect(await store.tokenList()).toEqual([]);
  expect(await store.auditList({ limit: 10 })).toEqual([]);

  const [index] = await pg.admin<{ def: string }>(`SELECT pg_get_indexdef($1::regclass) AS def`, [`${s}.jobs_finished`]);
  expect(index!.def).toMatch(/\(finished_at, id\) WHERE \(finished_at IS NOT NULL\)/);
  const versions = await pg.admin<{ version: number }>(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
  expect(versions.map((row) => row.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  const [stats] = await store.queueStats();
  expect(stats).toMatchObject({ queue: 'default', limits: NO_LIMITS, pausedUntil: null });
  const claimed = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 5, leaseMs: 60_000 });
  expect(claimed.map((job) => job.id).sort()).toEqual([waiting, fresh].sort());
});
