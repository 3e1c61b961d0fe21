/**
 * `RateLimitedError`, on both engines with a real worker: the job goes back to pending
 * without using an attempt (no attempt record), due after `afterMs`, and the whole queue's
 * starts pause that long on the store, so the queue's next job waits for the pause too while
 * another queue's jobs go on.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { RateLimitedError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

const quiet = createLogger({ level: 'silent' });
const PAUSE_MS = 1_500;

describe.each(engines)('a handler throwing RateLimitedError on $name', (engine) => {
  let store: Store | undefined;
  let worker: Worker | undefined;

  afterEach(async () => {
    await worker?.stop({ graceMs: 0 });
    await store?.close();
    [store, worker] = [undefined, undefined];
  });

  it('hands the job back uncharged and pauses its queue: the queue waits, another queue does not', async () => {
    const starts: { id: string; at: number }[] = [];
    let refused = false;
    const call = defineTask('call_api', { queue: 'api' }, async (_p, ctx) => {
      starts.push({ id: ctx.jobId, at: Date.now() });
      if (!refused) {
        refused = true;
        throw new RateLimitedError('api: 429', { afterMs: PAUSE_MS });
      }
      return ctx.attempt;
    });
    const other = defineTask('other_work', { queue: 'other' }, async (_p, ctx) => {
      starts.push({ id: ctx.jobId, at: Date.now() });
    });
    store = await freshStore(engine);
    const ordo: Ordo = await createOrdo({ store, tasks: [call, other] });
    const first = await ordo.enqueue('call_api', {}, { priority: -1 });
    const second = await ordo.enqueue('call_api', {});
    worker = createWorker({ store, tasks: [call, other], logger: quiet, pollMs: 20, concurrency: 1, queues: ['api', 'other'] });
    await worker.start();

    const paused = await waitFor(() => ordo.stats(), (stats) => stats.some((s) => s.queue === 'api' && s.pausedUntil !== null), 'the api queue to pause');
    const refusedAt = starts[0]!.at;
    expect(starts[0]!.id).toBe(first.id);
    expect(paused.find((s) => s.queue === 'api')!.pausedUntil!.getTime()).toBeGreaterThanOrEqual(refusedAt + PAUSE_MS - 100);
    // The pause is written before the job is handed back (so no claim slips in between).
    const handedBack = (await waitFor(() => ordo.getJob(first.id), (job) => job?.state !== 'running', 'the job to be handed back'))!;
    expect(handedBack).toMatchObject({ state: 'pending', attempt: 0, attempts: [] });
    expect(handedBack.runAt.getTime()).toBeGreaterThanOrEqual(refusedAt + PAUSE_MS - 100);

    // Another queue runs during the pause.
    const meanwhile = await ordo.enqueue('other_work', {});
    await waitFor(() => ordo.getJob(meanwhile.id), (job) => job?.state === 'succeeded', 'the other queue to run');
    expect(Date.now()).toBeLessThan(refusedAt + PAUSE_MS);

    const done = (id: string) => waitFor(() => ordo.getJob(id), (job) => job?.state === 'succeeded', `job ${id} to succeed`) as Promise<JobRecord>;
    const [a, b] = [await done(first.id), await done(second.id)];
    // No attempt used by the refusal: the first job succeeded on attempt 1, with one record.
    expect(a.attempt).toBe(1);
    expect(a.attempts.map((x) => x.outcome)).toEqual(['succeeded']);
    expect(a.result).toBe(1);
    expect(b.attempt).toBe(1);
    // The queue's other job did not start before the pause ended.
    const secondStart = starts.find((s) => s.id === second.id)!.at;
    expect(secondStart).toBeGreaterThanOrEqual(refusedAt + PAUSE_MS - 100);
    await ordo.close();
  });
});
