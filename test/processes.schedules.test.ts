/**
 * Schedules fire exactly once across real processes on one SQLite file (the built CLI, so
 * `npm run build` first): three `ordo scheduler` processes, the maintenance leader killed
 * with SIGKILL and another frozen with SIGSTOP, then the third frozen too (no scheduler runs)
 * and both thawed. Every fire time of the misfire `all` schedule has exactly one job, none
 * missed; the misfire `once` schedule loses the outage's seconds but its latest, no more; no
 * fire time ever has two jobs. See support/schedule-failover.ts. And `ordo dev` syncs the
 * schedule a task declares, fires it and runs its jobs, alone.
 */
import { describe, expect, it } from 'vitest';
import { expectFiredOnce, runFailover } from './support/schedule-failover.js';
import { join } from 'node:path';
import { TEST_TASKS, openDb, startCli, useTempDatabase, waitFor } from './support/processes.js';

const SCHEDULED_TASKS = join(TEST_TASKS, 'scheduled');

describe('ordo scheduler processes on one SQLite file', () => {
  const temp = useTempDatabase();

  it('fire each fire time once, through a SIGKILL, a SIGSTOP and an outage of all', async () => {
    const result = await runFailover(temp.db);
    expectFiredOnce(result);
  }, 40_000);

  it('ordo dev syncs a schedule declared in code, fires it and runs its jobs in one process', async () => {
    const dev = startCli(['--db', temp.db, '--tasks', SCHEDULED_TASKS, 'dev']);
    await dev.waitForOutput('"worker started"');
    expect(dev.stderr).toContain('schedules declared in code synced');
    const ordo = await openDb(temp.db);
    const done = await waitFor('two fires of beat whose jobs ran', async () => {
      const fires = await ordo.schedules.history('beat');
      return fires.filter((f) => f.jobState === 'succeeded').length >= 2 && fires;
    });
    expect(new Set(done.map((f) => f.fireTime.getTime())).size).toBe(done.length);
    dev.kill('SIGTERM');
    expect((await dev.exited).code).toBe(0);
  }, 30_000);
});
