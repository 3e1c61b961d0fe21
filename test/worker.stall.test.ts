/**
 * A handler that blocks the event loop for longer than its lease (CPU-bound work without a
 * break): every timer of the process, heartbeats included, waits for it. The rescuer of the
 * same process leaves its own workers' jobs alone (they cannot be dead while it runs), and
 * when the loop runs again the worker renews its lease and writes the result, so the job ends
 * by its own attempt instead of being taken away, run again, or failed.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo } from '../src/client/ordo.js';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord } from '../src/core/types.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { waitFor } from './support/wait.js';

/** Blocks the event loop for `ms`. */
function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // CPU-bound work that never yields
  }
}

afterAll(dropCreatedSchemas);

describe.each(engines)('a handler that blocks the event loop past its lease on $name', (engine) => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop({ graceMs: 0 })));
  });

  it('ends by its own attempt, run once, on either of two workers', async () => {
    const store = await freshStore(engine);
    const runs: number[] = [];
    const task = defineTask('spin', async (_p, ctx) => {
      runs.push(ctx.attempt);
      spin(1_800); // the lease is 1 s
      return 'spun';
    });
    const ordo = await createOrdo({ store, tasks: [task] });
    try {
      for (const name of ['spin-a', 'spin-b']) {
        const worker = createWorker({ store, tasks: [task], name, leaseMs: 1_000, rescueMs: 50, pollMs: 20, logger: createLogger({ level: 'silent' }) });
        workers.push(worker);
        await worker.start();
      }
      await waitFor(() => workers.some((w) => w.isMaintenanceLeader), Boolean, 'one worker to lead maintenance');
      const { id } = await ordo.enqueue('spin', {}, { maxAttempts: 1 });
      const job = (await waitFor(() => ordo.getJob(id), (j) => j?.state === 'succeeded' || j?.state === 'failed', 'the job to end')) as JobRecord;
      // Another lease of quiet: a late rescue would show up now.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await ordo.getJob(id)).toEqual(job);
      expect(job).toMatchObject({ state: 'succeeded', result: 'spun', attempt: 1 });
      expect(job.attempts.map((a) => a.outcome)).toEqual(['succeeded']);
      expect(runs).toEqual([1]);
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.stop({ graceMs: 0 })));
      await ordo.close();
      await store.close();
    }
  });
});
