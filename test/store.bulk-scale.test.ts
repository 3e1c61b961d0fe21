/**
 * Bulk actions at the scale the dashboard promises: one call over 100,000 matching jobs, on
 * each engine, with the dry run's count equal to what the action changes, and each step's
 * time logged (the numbers quoted in the engines' jobs-bulk.ts come from here). A JSON
 * containment filter over the same rows is timed too: on SQLite it walks every payload.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { BulkAction, JobFilter } from '../src/core/types.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { job } from './support/jobs.js';

const JOBS = 100_000;
const BATCH = 5_000;
/** Far above what either engine takes (a few seconds at most), but a bound all the same. */
const STEP_BOUND_MS = 60_000;

afterAll(dropCreatedSchemas);

describe.each(engines)('bulk actions over 100,000 jobs: $name', (engine) => {
  it('cancels, retries and deletes them in one call each, as counted', async () => {
    const store = await freshStore(engine);
    try {
      for (let i = 0; i < JOBS; i += BATCH) {
        await store.jobInsertMany({ jobs: Array.from({ length: BATCH }, (_, k) => job({ queue: 'bulk', payload: { order: { id: i + k, region: (i + k) % 2 ? 'eu' : 'us' }, tags: ['a', 'b'] } })) });
      }
      const timings: string[] = [];
      const timed = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        const result = await run();
        const ms = performance.now() - started;
        timings.push(`${label} ${ms.toFixed(0)} ms`);
        expect(ms, label).toBeLessThan(STEP_BOUND_MS);
        return result;
      };
      const step = async (action: BulkAction, filter: JobFilter, expected: number): Promise<void> => {
        expect(await timed(`${action} dry run`, () => store.jobBulk({ action, filter, dryRun: true }))).toEqual({ count: expected });
        expect(await timed(action, () => store.jobBulk({ action, filter }))).toEqual({ count: expected });
      };

      const contains = { payloadContains: { order: { region: 'eu' }, tags: ['b'] } };
      expect((await timed('list by payloadContains (total)', () => store.jobList({ filter: { queue: 'bulk', ...contains }, page: { limit: 50 } }))).total).toBe(JOBS / 2);
      await step('cancel', { queue: 'bulk' }, JOBS);
      await step('retry', { queue: 'bulk', ...contains }, JOBS / 2);
      await step('retry', { queue: 'bulk' }, JOBS / 2);
      await step('delete', { queue: 'bulk', state: ['pending'] }, JOBS);
      expect((await store.jobList({})).total).toBe(0);
      console.info(`${engine.name}: ${JOBS} jobs: ${timings.join(', ')}`);
    } finally {
      await store.close();
    }
  }, 300_000);
});
