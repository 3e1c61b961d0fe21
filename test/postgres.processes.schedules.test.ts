/**
 * Schedules fire exactly once across real processes on one PostgreSQL schema (the built CLI,
 * so `npm run build` first): three `ordo scheduler` processes split the due schedules (FOR
 * UPDATE SKIP LOCKED), the maintenance leader is killed with SIGKILL and another frozen with
 * SIGSTOP (possibly holding a schedule's row lock, which the others then skip), then the
 * third is frozen too (no scheduler runs) and both are thawed. Every fire time of the misfire
 * `all` schedule has exactly one job, none missed; the misfire `once` schedule loses the
 * outage's seconds but its latest, no more; no fire time ever has two jobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { admin, freshSchema, testUrl } from './support/postgres.js';
import { stopEverything } from './support/processes.js';
import { fireSeconds, firedLate, largestGap, runFailover } from './support/schedule-failover.js';

const schemas: string[] = [];

afterEach(async () => {
  await stopEverything();
  for (const schema of schemas.splice(0)) await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
});

describe('ordo scheduler processes on one PostgreSQL database', () => {
  it('fire each fire time once, through a SIGKILL, a SIGSTOP and an outage of all', async () => {
    const schema = freshSchema('sched');
    schemas.push(schema);
    const result = await runFailover(testUrl(), { schema });
    const fires = [...result.all, ...result.once];
    const jobIds = fires.map((f) => f.jobId);
    expect(jobIds.every((id) => id !== null)).toBe(true);
    expect(new Set(jobIds).size).toBe(jobIds.length);
    expect(result.jobs.map((j) => j.id).sort()).toEqual([...jobIds].sort());
    for (const schedule of [result.all, result.once]) expect(new Set(fireSeconds(schedule)).size).toBe(schedule.length);
    expect(fireSeconds(result.all).length, result.logs).toBeGreaterThanOrEqual(7);
    expect(largestGap(result.all)).toBe(1);
    // The outage's first second was fired after it, late (the first fire aside: it may wait a poll).
    expect(firedLate(result.all.slice(1), 1_200).length, result.logs).toBeGreaterThanOrEqual(1);
    expect(largestGap(result.once), result.logs).toBeGreaterThanOrEqual(2);
    expect(largestGap(result.once), result.logs).toBeLessThanOrEqual(5);
    expect(result.exitCodes, result.logs).toEqual([0, 0]);
  }, 40_000);
});
