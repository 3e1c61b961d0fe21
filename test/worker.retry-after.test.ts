/**
 * `RetryLaterError`: a handler names when it may be retried, and the worker waits that long
 * instead of the backoff (never less), charging the attempt like any failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { OrdoError, RetryLaterError, ValidationError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { defineTask, type TaskDefinition } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { freshStore, sqliteFixture } from './support/engines.js';
import { waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

let store: Store | undefined;
let worker: Worker | undefined;

async function setup(tasks: TaskDefinition[]): Promise<Ordo> {
  store = await freshStore(sqliteFixture);
  worker = createWorker({ store, tasks, logger: quiet, pollMs: 20 });
  await worker.start();
  return createOrdo({ store, tasks });
}

afterEach(async () => {
  await worker?.stop({ graceMs: 0 });
  await store?.close();
  [store, worker] = [undefined, undefined];
});

const ended = (ordo: Ordo, id: string) =>
  waitFor(() => ordo.getJob(id), (job) => job?.state === 'succeeded' || job?.state === 'failed', `job ${id} to end`) as Promise<JobRecord>;

/** Time from the end of attempt `i` (1-based) to the start of the next. */
const gapAfter = (job: JobRecord, i: number) => job.attempts[i]!.startedAt!.getTime() - job.attempts[i - 1]!.finishedAt.getTime();

describe('RetryLaterError', () => {
  it('retries no earlier than afterMs, even when the backoff would be shorter', async () => {
    const task = defineTask('limited', { retry: { baseMs: 1, capMs: 1 } }, async (_p, ctx) => {
      if (ctx.attempt === 1) throw new RetryLaterError('rate limited', { afterMs: 700 });
      return 'done';
    });
    const ordo = await setup([task]);
    const job = await ended(ordo, (await ordo.enqueue('limited', {})).id);
    expect(job.state).toBe('succeeded');
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'succeeded']);
    expect(job.attempts[0]!.error).toMatchObject({ name: 'RetryLaterError', message: 'rate limited' });
    expect(gapAfter(job, 1)).toBeGreaterThanOrEqual(700);
    expect(gapAfter(job, 1)).toBeLessThan(5_000);
  });

  it('retries after afterMs instead of a longer backoff', async () => {
    const task = defineTask('soon', { retry: { baseMs: 3_600_000 } }, async (_p, ctx) => {
      if (ctx.attempt === 1) throw new RetryLaterError('try again shortly', { afterMs: 50 });
      return ctx.attempt;
    });
    const ordo = await setup([task]);
    const job = await ended(ordo, (await ordo.enqueue('soon', {})).id);
    expect(job.result).toBe(2);
    expect(gapAfter(job, 1)).toBeGreaterThanOrEqual(50);
  });

  it('consumes attempts: the job fails as usual once they are used up', async () => {
    let runs = 0;
    const task = defineTask('never', async () => {
      runs++;
      throw new RetryLaterError('still busy', { afterMs: 10 });
    });
    const ordo = await setup([task]);
    const job = await ended(ordo, (await ordo.enqueue('never', {}, { maxAttempts: 3 })).id);
    expect(job.state).toBe('failed');
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(job.lastError?.message).toBe('still busy');
    expect(runs).toBe(3);
  });

  it('is recognised by name when it comes from another copy of Ordo', async () => {
    class ForeignRetryLater extends Error {
      override name = 'RetryLaterError';
      constructor(readonly afterMs: number) {
        super('from a task module with its own Ordo');
      }
    }
    const task = defineTask('foreign', { retry: { baseMs: 1, capMs: 1 } }, async (_p, ctx) => {
      if (ctx.attempt === 1) throw new ForeignRetryLater(400);
      return 'ok';
    });
    const ordo = await setup([task]);
    const job = await ended(ordo, (await ordo.enqueue('foreign', {})).id);
    expect(job.state).toBe('succeeded');
    expect(gapAfter(job, 1)).toBeGreaterThanOrEqual(400);
  });

  it('is a retryable OrdoError and checks its delay', () => {
    const err = new RetryLaterError('later', { afterMs: 1_000 });
    expect(err).toBeInstanceOf(OrdoError);
    expect({ code: err.code, retryable: err.retryable, afterMs: err.afterMs, details: err.details }).toEqual({ code: 'retry_later', retryable: true, afterMs: 1_000, details: { afterMs: 1_000 } });
    for (const bad of [-1, Number.NaN, Infinity, '10' as unknown as number]) {
      expect(() => new RetryLaterError('later', { afterMs: bad }), String(bad)).toThrow(ValidationError);
      expect(() => new RetryLaterError('later', { afterMs: bad }), String(bad)).toThrow(/^RetryLaterError\.afterMs: expected a number of milliseconds ≥ 0/);
    }
  });
});
