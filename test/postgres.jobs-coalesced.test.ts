/**
 * Concurrent enqueues on PostgreSQL share one insert (store/coalescer.ts): one statement and
 * one commit for many callers, each still answered with its own jobs, in its own order, and a
 * caller whose batch the database refuses fails alone.
 */
import { describe, expect, it } from 'vitest';
import { job } from './support/jobs.js';
import { freshSchema, usePostgres } from './support/postgres.js';

describe('postgres concurrent enqueues', () => {
  const pgs = usePostgres();

  it('joins 300 concurrent enqueues into a few inserts, answering each caller its own jobs', async () => {
    const store = await pgs.open({ schema: freshSchema('coal') });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.jobInsertMany({ jobs: [job({ payload: { i, part: 0 } }), job({ payload: { i, part: 1 } })] })),
    );
    const jobs = await Promise.all(results.flat().map(({ id }) => store.jobGet({ id })));
    // Each caller got its own two jobs, in its order, ids ascending within the call.
    results.forEach((pair, i) => {
      expect(pair.map((r) => r.created)).toEqual([true, true]);
      expect(jobs[2 * i]!.payload).toEqual({ i, part: 0 });
      expect(jobs[2 * i + 1]!.payload).toEqual({ i, part: 1 });
      expect(BigInt(pair[0]!.id) < BigInt(pair[1]!.id)).toBe(true);
    });
    expect(new Set(jobs.map((j) => j!.id)).size).toBe(600);
    // The jobs of one insert share its statement time: joined, 300 calls made far fewer inserts.
    const statements = new Set(jobs.map((j) => j!.createdAt.getTime())).size;
    expect(statements).toBeLessThan(30);
  });

  it('fails only the caller whose jobs the database refuses, and writes the others', async () => {
    const store = await pgs.open({ schema: freshSchema('coal') });
    // A delay past PostgreSQL's timestamp range: the database refuses the statement (22008).
    const bad = job({ delayMs: 1e300 });
    const first = store.jobInsertMany({ jobs: [job({ payload: { first: true } })] });
    const settled = await Promise.allSettled([
      store.jobInsertMany({ jobs: [job({ payload: { n: 1 } })] }),
      store.jobInsertMany({ jobs: [bad] }),
      store.jobInsertMany({ jobs: [job({ payload: { n: 2 } })] }),
    ]);
    await first;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22008' });
    const { jobs } = await store.jobList({});
    expect(jobs.map((j) => j.payload).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([{ first: true }, { n: 1 }, { n: 2 }]);
  });
});
