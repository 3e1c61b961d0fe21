/**
 * Schedules fire exactly once across real processes on one PostgreSQL schema (the built CLI,
 * so `npm run build` first): three `ordo scheduler` processes split the due schedules (FOR
 * UPDATE SKIP LOCKED), the maintenance leader is killed with SIGKILL and another frozen with
 * SIGSTOP (possibly holding a schedule's row lock, which the others then skip), then the
 * third is frozen too (no scheduler runs) and both are thawed. Every fire time of the misfire
 * `all` schedule has exactly one job, none missed; the misfire `once` schedule loses the
 * outage's seconds but its latest, no more; no fire time ever has two jobs.
 */
import { afterEach, describe, it } from 'vitest';
import { admin, freshSchema, testUrl } from './support/postgres.js';
import { stopEverything } from './support/processes.js';
import { expectFiredOnce, runFailover } from './support/schedule-failover.js';

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
    expectFiredOnce(result);
  }, 40_000);
});
