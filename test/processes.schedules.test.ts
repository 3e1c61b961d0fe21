/**
 * Schedules fire exactly once across real processes on one SQLite file (the built CLI, so
 * `npm run build` first): three `ordo scheduler` processes, the maintenance leader killed
 * with SIGKILL and another frozen with SIGSTOP for a few seconds. Every fire time of the
 * misfire `all` schedule has exactly one job, none missed; the misfire `once` schedule loses
 * at most the frozen seconds; no fire time ever has two jobs. See support/schedule-failover.ts.
 */
import { describe, expect, it } from 'vitest';
import { fireSeconds, largestGap, runFailover } from './support/schedule-failover.js';
import { useTempDatabase } from './support/processes.js';

describe('ordo scheduler processes on one SQLite file', () => {
  const temp = useTempDatabase();

  it('fire each fire time once, through a SIGKILL and a SIGSTOP', async () => {
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
    expect(seconds.length, result.logs).toBeGreaterThanOrEqual(6);
    expect(largestGap(result.all)).toBe(1);
    // misfire once: at most the seconds while the frozen process held the database.
    expect(largestGap(result.once)).toBeLessThanOrEqual(4);
  }, 40_000);
});
