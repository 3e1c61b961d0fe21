/**
 * At-least-once with a zombie: a worker process whose handler blocks its event loop past the
 * lease cannot heartbeat, so the maintenance leader takes the job back (`worker_lost`) and
 * another worker runs it again while the zombie is still busy: the job ran twice, once on
 * each worker, and that is what at-least-once allows. What must not happen is worse: the
 * zombie's late result overwriting the attempt that replaced it (the fenced finish discards
 * it), or the zombie, once awake, taking the new attempt away in turn (it is no leader, and a
 * leader whose timers ran late waits a lease of quiet) so that the job ends `failed`.
 *
 * Spawns `ordo worker` (run `npm run build` first: it runs dist/).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord } from '../src/core/types.js';
import { Maintenance } from '../src/maintenance/maintenance.js';
import { openStore } from '../src/store/open.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { openDb, startWorker, TEST_TASKS, tempDir, useTempDatabase, waitFor } from './support/processes.js';

const temp = useTempDatabase();
const quiet = createLogger({ level: 'silent' });

/** `<jobId> <attempt>` lines of attempts that ran to the end, per process id. */
function spun(dir: string): Map<number, string[]> {
  const byPid = new Map<number, string[]>();
  for (const name of readdirSync(dir).filter((n) => n.startsWith('spun-'))) {
    byPid.set(Number(name.slice('spun-'.length, -'.log'.length)), readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
  }
  return byPid;
}

it('ends a job by the attempt that replaced a zombie, never failed because of it', async () => {
  const store = await openStore(temp.db);
  // The leader of maintenance lives here, with the worker that takes over. Its leadership
  // outlasts the freeze of this process (below), so the zombie never leads.
  const maintenance = new Maintenance({ store, holderId: 'test-leader', leaseMs: 1_000, rescueMs: 50, leaderTtlMs: 10_000, logger: quiet });
  let steady: Worker | undefined;
  try {
    await maintenance.start();
    await waitFor('the test process to lead maintenance', async () => maintenance.isLeader);
    const zombie = await startWorker(temp.db, TEST_TASKS, ['--name', 'zombie', '--lease', '1s', '--poll', '50ms', '--concurrency', '1']);
    const client = await openDb(temp.db);
    const out = tempDir('ordo-spin-');
    // Attempt 1 blocks the zombie 2.5 s (2.5 leases); attempt 2 blocks this process 2 s.
    const { id } = await client.enqueue('block.spin', { ms: [2_500, 2_000], out }, { maxAttempts: 2 });
    await waitFor('the zombie to take the job', async () => (await client.getJob(id))?.lockedBy === 'zombie');
    steady = createWorker({ store, tasks: TEST_TASKS, name: 'steady', leaseMs: 1_000, pollMs: 20, maintenance: false, logger: quiet });
    await steady.start();

    const job = await waitFor('the job to end', async () => {
      const current = await client.getJob(id);
      return current && ['succeeded', 'failed', 'cancelled'].includes(current.state) && current;
    }, { timeoutMs: 20_000 }) as JobRecord;
    await waitFor('the zombie to finish its late attempt', async () => [...spun(out).values()].flat().length === 2, { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a late rescue would show now
    expect(await client.getJob(id)).toEqual(job);
    expect(job).toMatchObject({ state: 'succeeded', attempt: 2, result: { pid: process.pid, attempt: 2 } });
    expect(job.attempts.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([[1, 'worker_lost', 'zombie'], [2, 'succeeded', 'steady']]);
    // Both attempts ran to the end, one per worker: at-least-once, and the zombie's result discarded.
    expect(Object.fromEntries(spun(out))).toEqual({ [zombie.pid]: [`${id} 1`], [process.pid]: [`${id} 2`] });
    expect(zombie.running).toBe(true);
  } finally {
    await steady?.stop({ graceMs: 0 });
    await maintenance.stop();
    await store.close();
  }
}, 60_000);
