/**
 * Job behaviour specific to the PostgreSQL engine: unique keys under real concurrency (ON
 * CONFLICT across pools), ids as decimal bigint strings, jsonb's refusal of NUL characters
 * and out-of-range retry delays handled without ever failing a finish batch, attempt times
 * from the database clock, and prepared statements that survive a migration adding a column.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.js';
import type { InsertResult, JobRecord } from '../src/core/types.js';
import { finishOf, job } from './support/jobs.js';
import { freshSchema, usePostgres } from './support/postgres.js';

const YEAR_MS = 365.25 * 24 * 60 * 60 * 1000;

describe('postgres jobs', () => {
  const pgs = usePostgres();

  it('creates one job when many stores enqueue the same unique key at once', async () => {
    const schema = freshSchema('unq');
    const stores = await Promise.all(Array.from({ length: 5 }, () => pgs.open({ schema })));
    const results = (
      await Promise.all(
        stores.flatMap((store) =>
          Array.from({ length: 8 }, (_, i) => store.jobInsertMany({ jobs: [job({ uniqueKey: 'nightly' }), job({ uniqueKey: `own-${i}` })] })),
        ),
      )
    ).flat();
    const nightly = results.filter((_, i) => i % 2 === 0);
    expect(nightly.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(nightly.map((r) => r.id)).size).toBe(1);
    const { total } = await stores[0]!.jobList({});
    expect(total).toBe(1 + 8); // own-0 … own-7 are shared by the five stores too
  });

  it('survives batches taking the same unique keys in opposite orders', async () => {
    const schema = freshSchema('unq');
    const [a, b] = await Promise.all([pgs.open({ schema }), pgs.open({ schema })]);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const batch = (order: string[]) => order.map((uniqueKey) => job({ uniqueKey }));
    const rounds = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a! : b!).jobInsertMany({ jobs: batch(i % 2 === 0 ? keys : [...keys].reverse()) })),
    );
    const ids = new Set(rounds.flat().map((r) => r.id));
    expect(ids.size).toBe(keys.length);
    expect(rounds.flat().filter((r) => r.created)).toHaveLength(keys.length);
  });

  it('returns ids as decimal strings that order like the bigints they are', async () => {
    const store = await pgs.open();
    const results = await store.jobInsertMany({ jobs: Array.from({ length: 12 }, () => job()) });
    const ids = results.map((r) => r.id);
    expect(ids.every((id) => /^[1-9][0-9]*$/.test(id))).toBe(true);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
    for (const bad of ['0', '-1', 'abc', '1.5', '99999999999999999999', '']) expect(await store.jobGet({ id: bad })).toBeNull();
  });

  it('refuses a payload holding a NUL character, naming the field', async () => {
    const store = await pgs.open();
    await expect(store.jobInsertMany({ jobs: [job({ payload: { text: 'a\u0000b' } })] })).rejects.toThrow(ValidationError);
    await expect(store.jobInsertMany({ jobs: [job({ payload: { text: 'a\\u0000b' } })] })).resolves.toHaveLength(1);
  });

  it('stores results, errors and logs holding NUL characters without failing the batch', async () => {
    const store = await pgs.open();
    await store.jobInsertMany({ jobs: [job(), job()] });
    const running = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 2, leaseMs: 60_000 });
    const base = { workerId: 'w', startedAt: new Date(), finishedAt: new Date() };
    const { applied } = await store.jobFinishMany({
      finishes: [
        { ...base, id: running[0]!.id, attempt: 1, state: 'succeeded', outcome: 'succeeded', result: 'x\u0000y', logs: [{ at: new Date(), message: '\u0000' }] },
        { ...base, id: running[1]!.id, attempt: 1, state: 'failed', outcome: 'failed', error: { message: 'bad \u0000 byte', stack: 'at \\u0000' } },
      ],
    });
    expect(applied).toHaveLength(2);
    const done = await store.jobGet({ id: running[0]!.id });
    expect(done?.result).toBe('x\ufffdy');
    expect(done?.attempts[0]?.logs?.[0]?.message).toBe('\ufffd');
    const failed = await store.jobGet({ id: running[1]!.id });
    expect(failed?.lastError).toEqual({ message: 'bad \ufffd byte', stack: 'at \\u0000' });
  });

  it('keeps its prepared statements working after a migration adds a column', async () => {
    const schema = freshSchema('col');
    // One connection, so the second round runs on the connection that prepared the first.
    const store = await pgs.open({ schema, poolSize: 1 });
    const [first, second] = await store.jobInsertMany({ jobs: [job(), job()] });
    const claim = (): Promise<JobRecord[]> => store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 60_000 });
    expect((await claim()).map((j) => j.id)).toEqual([first!.id]);
    expect(await store.jobGet({ id: first!.id })).toMatchObject({ state: 'running' });
    await pgs.admin(`ALTER TABLE "${schema}".jobs ADD COLUMN added_later text`);
    expect((await claim()).map((j) => j.id)).toEqual([second!.id]);
    expect(await store.jobGet({ id: second!.id })).toMatchObject({ state: 'running' });
    expect((await store.jobList({})).total).toBe(2);
  });

  it('treats a retry delay that is not a finite number >= 0 as 0, and caps it at 100 years, in one batch', async () => {
    const store = await pgs.open();
    await store.jobInsertMany({ jobs: Array.from({ length: 5 }, () => job()) });
    const running = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 5, leaseMs: 60_000 });
    const delays = [Number.NaN, -5000, Number.POSITIVE_INFINITY, 1e300, 60_000];
    const before = Date.now();
    const { applied } = await store.jobFinishMany({
      finishes: running.map((r, i) => finishOf(r, { state: 'pending', outcome: 'failed', error: { message: 'x' }, retryDelayMs: delays[i] })),
    });
    expect(applied).toHaveLength(5);
    const dueIn = async (r: JobRecord): Promise<number> => (await store.jobGet({ id: r.id }))!.runAt.getTime() - before;
    for (const r of running.slice(0, 3)) expect(Math.abs(await dueIn(r))).toBeLessThan(5000);
    expect(Math.abs((await dueIn(running[3]!)) - 100 * YEAR_MS)).toBeLessThan(60_000);
    expect(Math.abs((await dueIn(running[4]!)) - 60_000)).toBeLessThan(5000);
  });

  it("records an attempt's finish by the database clock, not the worker's", async () => {
    const store = await pgs.open();
    const [{ id }] = (await store.jobInsertMany({ jobs: [job()] })) as [InsertResult];
    const [running] = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 60_000 });
    // A worker whose clock is an hour behind.
    const skewed = new Date(Date.now() - 3_600_000);
    await store.jobFinishMany({ finishes: [finishOf(running!, { finishedAt: skewed })] });
    const done = (await store.jobGet({ id }))!;
    const [attempt] = done.attempts;
    expect(attempt!.startedAt).toEqual(running!.startedAt);
    expect(attempt!.finishedAt.getTime()).toBe(done.finishedAt!.getTime());
    expect(attempt!.finishedAt.getTime()).toBeGreaterThanOrEqual(running!.startedAt!.getTime());
  });
});
