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
import { fireSeconds, firedLate, largestGap, runFailover } from './support/schedule-failover.js';
import { join } from 'node:path';
import { TEST_TASKS, openDb, startCli, useTempDatabase, waitFor } from './support/processes.js';

const SCHEDULED_TASKS = join(TEST_TASKS, 'scheduled');

describe('ordo scheduler processes on one SQLite file', () => {
  const temp = useTempDatabase();

  it('fire each fire time once, through a SIGKILL, a SIGSTOP and an outage of all', async () => {
    const result = await runFailover(temp.db);
    const fires = [...result.all, ...result.once];
    // One job per ledger row, never two for a fire time, and no job without a row.
    const jobIds = fires.map((f) => f.jobId);
    expect(jobIds.every((id) => id !== null)).toBe(true);
    expect(new Set(jobIds).size).toBe(jobIds.length);
    expect(result.jobs.map((j) => j.id).sort()).toEqual([...jobIds].sort());
    for (const schedule of [result.all, result.once]) expect(new Set(fireSeconds(schedule)).size).toBe(schedule.length);
    // misfire all: every second from the first fire to the last, including the frozen ones.
    const seconds = fireSeconds(result.all);
    expect(seconds.length, result.logs).toBeGreaterThanOrEqual(7);
    expect(largestGap(result.all)).toBe(1);
    // The outage's first second was fired after it, late (the first fire aside: it may wait a poll).
    expect(firedLate(result.all.slice(1), 1_200).length, result.logs).toBeGreaterThanOrEqual(1);
    // misfire once: the outage's seconds but the latest are lost, and no more.
    expect(largestGap(result.once), result.logs).toBeGreaterThanOrEqual(2);
    expect(largestGap(result.once), result.logs).toBeLessThanOrEqual(5);
    expect(result.exitCodes, result.logs).toEqual([0, 0]);
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
