/**
 * The limited claim's plan on PostgreSQL: a keyed claim of a queue with a per-key limit over
 * 1,000 keys reads about as many pages as the jobs it starts, not as the keys or jobs
 * waiting (the walk of keys stops as soon as the allowed starts are found), a walk past
 * busy keys costs a seek or two per key, and the keyless turn is skipped while the store
 * remembers it found none; a key whose jobs are all delayed costs a seek. jobNextDueIn of a
 * queue held back by its pause, rate or concurrency.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MAX_KEYS_VISITED, keyedPassSql } from '../src/store/postgres/sql/flow-claim.js';
import { NO_LIMITS } from '../src/core/flow.js';
import { HELD_BY_LIMITS_MS } from '../src/store/records.js';
import { finishOf, job } from './support/jobs.js';
import { freshSchema, testUrl, usePostgres } from './support/postgres.js';
import { type PlanNode } from './support/plans.js';

const KEYS = 1000;
const PER_KEY = 10;
const key = (n: number): string => `k${String(n).padStart(4, '0')}`;

describe('postgres limited claim plan', () => {
  const pgs = usePostgres();

  /**
   * One keyed pass under EXPLAIN ANALYZE in a rolled-back transaction: jobs started, pages
   * read, ms. `memo`: the store's memo of a keyless turn that found nothing (newest id then).
   */
  async function explainPass(schema: string, wanted: number, cursor: string | null, memo: string | null = null): Promise<{ rows: number; pages: number; ms: number }> {
    const client = new pg.Client({ connectionString: testUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      const until = memo === null ? null : Date.now() + 3_600_000;
      const values = ['default', wanted, 'w', 60_000, null, null, 1, 1, null, 1, cursor === null ? '' : `${cursor}\u0001`, cursor, MAX_KEYS_VISITED, memo, until];
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${keyedPassSql(`"${schema}"`)}`, values);
      const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] })['QUERY PLAN'][0];
      return { rows: plan.Plan['Actual Rows'], pages: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'], ms: plan['Execution Time'] };
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  }

  it('starts one job per free key, reading pages for the jobs it starts, not for the 1,000 keys waiting', async () => {
    const schema = freshSchema('flowplan');
    const store = await pgs.open({ schema });
    await store.queueLimitsSet({ queue: 'default', limits: { concurrency: null, rate: null, keyConcurrency: 1, keyRate: null, fair: false } });
    const jobs = Array.from({ length: KEYS * PER_KEY }, (_, i) => ({ ...job(), concurrencyKey: key(i % KEYS) }));
    for (let i = 0; i < jobs.length; i += 2000) await store.jobInsertMany({ jobs: jobs.slice(i, i + 2000) });
    await pgs.admin(`ANALYZE "${schema}".jobs`);

    const fresh = await explainPass(schema, 50, null);
    expect(fresh.rows).toBe(50);
    console.log(`keyed pass, 50 of ${KEYS} free keys: ${fresh.pages} pages, ${fresh.ms.toFixed(2)} ms`);
    // Measured: ~980 pages, 2.5 ms (about 20 a job: the walk's seek, the key's running count,
    // its first job, the row lock, and the update of the row and its indexes).
    expect(fresh.pages).toBeLessThan(1500);

    // The first half of the keys busy: a walk from the smallest key passes 500 of them first.
    const claimed = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 500, leaseMs: 60_000 });
    expect(new Set(claimed.map((j) => j.concurrencyKey)).size).toBe(500);
    await pgs.admin(`ANALYZE "${schema}".jobs`);
    const past = await explainPass(schema, 50, null);
    expect(past.rows).toBe(50);
    console.log(`keyed pass, 50 after ${KEYS / 2} busy keys: ${past.pages} pages, ${past.ms.toFixed(2)} ms`);
    // Measured: ~4,600 pages, 19 ms: a busy key costs its seek and its running count.
    expect(past.pages).toBeLessThan(8_000);
  }, 120_000);

  it('passes a key whose jobs are all delayed with a seek, not a read of its jobs', async () => {
    /** A keyed pass of 10 over `keys` keys of `perKey` delayed jobs, a due key after every 100th. */
    const delayedPass = async (keys: number, perKey: number): Promise<{ rows: number; pages: number; ms: number }> => {
      const schema = freshSchema('flowdelayed');
      const store = await pgs.open({ schema });
      await store.queueLimitsSet({ queue: 'default', limits: { ...NO_LIMITS, keyConcurrency: 1 } });
      // "d0100+" sorts between "d0100" and "d0101".
      const delayed = Array.from({ length: keys * perKey }, (_, i) => ({ ...job({ delayMs: 3_600_000 }), concurrencyKey: `d${String(i % keys).padStart(4, '0')}` }));
      const due = Array.from({ length: 10 * 10 }, (_, i) => ({ ...job(), concurrencyKey: `d${String(((i % 10) * keys) / 10).padStart(4, '0')}+` }));
      const jobs = [...delayed, ...due];
      for (let i = 0; i < jobs.length; i += 5000) await store.jobInsertMany({ jobs: jobs.slice(i, i + 5000) });
      await pgs.admin(`ANALYZE "${schema}".jobs`);
      const pass = await explainPass(schema, 10, null);
      console.log(`keyed pass, 10 due keys among ${keys} keys of ${perKey} delayed jobs: ${pass.pages} pages, ${pass.ms.toFixed(2)} ms`);
      return pass;
    };
    // Measured, reading each passed key's delayed jobs: 1,138 pages, 8.6 ms; 100 keys of 1,000
    // jobs: 1,402 pages, 8.7 ms. With a seek per key: 3,122 pages, 9.4 ms (a seek reads about
    // 3 pages, a key's 100 entries about half of one); 530 pages, 2.4 ms.
    const many = await delayedPass(KEYS, 100);
    expect(many.rows).toBe(10);
    expect(many.pages).toBeLessThan(5 * KEYS);
    const deep = await delayedPass(100, 1000);
    expect(deep.rows).toBe(10);
    expect(deep.pages).toBeLessThan(800);
  }, 300_000);

  it('skips the keyless turn while the store remembers it found none, unless a keyless job came since', async () => {
    const schema = freshSchema('flowkeyless');
    const store = await pgs.open({ schema });
    await store.queueLimitsSet({ queue: 'default', limits: { concurrency: null, rate: null, keyConcurrency: 1, keyRate: null, fair: false } });
    const jobs = Array.from({ length: 20_000 }, (_, i) => ({ ...job(), concurrencyKey: key(i % 10) }));
    for (let i = 0; i < jobs.length; i += 2000) await store.jobInsertMany({ jobs: jobs.slice(i, i + 2000) });
    await pgs.admin(`ANALYZE "${schema}".jobs`);
    const top = (await pgs.admin<{ top: string }>(`SELECT max(id)::text AS top FROM "${schema}".jobs`))[0]!.top;
    // Ten keys, one job each, then the keyless turn: it reads every pending job to find none.
    const walked = await explainPass(schema, 50, null);
    const skipped = await explainPass(schema, 50, null, top);
    expect(walked.rows).toBe(10);
    expect(skipped.rows).toBe(10);
    console.log(`keyed pass over 20,000 jobs of 10 keys: keyless turn walked ${walked.pages} pages, ${walked.ms.toFixed(2)} ms; skipped ${skipped.pages} pages, ${skipped.ms.toFixed(2)} ms`);
    // Measured: 592 pages, 9.6 ms walked; 273 pages, 2.3 ms skipped (the ten starts alone).
    expect(skipped.pages * 2).toBeLessThan(walked.pages);
    // A keyless job inserted since the memo: the turn runs and starts it.
    await store.jobInsertMany({ jobs: [job()] });
    const fresh = await explainPass(schema, 50, null, top);
    expect(fresh.rows).toBe(11);
  }, 120_000);
});

describe('postgres jobNextDueIn of a limited queue', () => {
  const pgs = usePostgres();

  it('waits for the pause to end or the rate’s next start, not only for the job’s run_at', async () => {
    const store = await pgs.open({ schema: freshSchema('flownext') });
    await store.jobInsertMany({ jobs: [job({ queue: 'rated' }), job({ queue: 'rated' }), job({ queue: 'paused' }), job({ queue: 'loose' }), job({ queue: 'loose' })] });
    await store.queueLimitsSet({ queue: 'rated', limits: { ...NO_LIMITS, rate: { limit: 1, periodMs: 60_000, burst: 1 } } });
    await store.queueLimitsSet({ queue: 'loose', limits: { ...NO_LIMITS, rate: { limit: 1, periodMs: 60_000, burst: 2 } } });
    await store.queuePauseFor({ queue: 'paused', ms: 30_000 });
    expect(await store.jobClaim({ workerId: 'w', queues: ['rated'], limit: 5, leaseMs: 60_000 })).toHaveLength(1);
    expect(await store.jobClaim({ workerId: 'w', queues: ['loose'], limit: 1, leaseMs: 60_000 })).toHaveLength(1);
    expect(await store.jobClaim({ workerId: 'w', queues: ['rated', 'paused'], limit: 5, leaseMs: 60_000 })).toEqual([]);
    // The rate's next start in about a minute, the pause's end in about 30 s.
    const rated = await store.jobNextDueIn({ queues: ['rated'] });
    expect(rated).toBeGreaterThan(59_000);
    expect(rated).toBeLessThanOrEqual(60_000);
    const paused = await store.jobNextDueIn({ queues: ['paused'] });
    expect(paused).toBeGreaterThan(29_000);
    expect(paused).toBeLessThanOrEqual(30_000);
    // The earliest of the queues; a burst of 2 still allows a start now.
    const either = await store.jobNextDueIn({ queues: ['rated', 'paused'] });
    expect(either).toBeGreaterThan(29_000);
    expect(either).toBeLessThanOrEqual(30_000);
    expect(await store.jobNextDueIn({ queues: ['loose', 'rated'] })).toBe(0);
  }, 60_000);

  it('answers a queue held by its concurrency with HELD_BY_LIMITS_MS, and 0 once a slot is free', async () => {
    const store = await pgs.open({ schema: freshSchema('flowheld') });
    await store.jobInsertMany({ jobs: Array.from({ length: 3 }, () => job({ queue: 'full' })) });
    await store.queueLimitsSet({ queue: 'full', limits: { ...NO_LIMITS, concurrency: 2 } });
    const running = await store.jobClaim({ workerId: 'w', queues: ['full'], limit: 5, leaseMs: 60_000 });
    expect(running).toHaveLength(2);
    expect(await store.jobNextDueIn({ queues: ['full'] })).toBe(HELD_BY_LIMITS_MS);
    await store.jobFinishMany({ finishes: [finishOf(running[0]!)] });
    expect(await store.jobNextDueIn({ queues: ['full'] })).toBe(0);
  }, 60_000);
});
