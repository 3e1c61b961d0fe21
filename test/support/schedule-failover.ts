/**
 * The exactly-once proof of schedules across real processes, shared by the SQLite and the
 * PostgreSQL test files: three `ordo scheduler` processes on one database fire two
 * every-second schedules (misfire `all` and `once`). A couple of seconds in, the maintenance
 * leader is killed with SIGKILL and another scheduler frozen with SIGSTOP (mid-transaction,
 * maybe, holding what it locked): the third carries on. Then the third is frozen too, so no
 * scheduler runs for a couple of seconds, and both are thawed. What the ledger and the jobs
 * table hold afterwards is returned for the test to check: one job per fire time, never two;
 * `all` fired every second (the outage's late), `once` skipped the outage's but its latest.
 */
import { expect } from 'vitest';
import type { JobRecord, ScheduleFire } from '../../src/core/types.js';
import { openDb, startCli, type CliProcess } from './processes.js';
import { sleep } from './wait.js';

export interface FailoverResult {
  /** Ledger rows of the misfire `all` schedule, oldest first. */
  all: ScheduleFire[];
  /** Ledger rows of the misfire `once` schedule, oldest first. */
  once: ScheduleFire[];
  /** Every job of the task the schedules enqueue. */
  jobs: JobRecord[];
  /** When the leader was killed and another frozen, when the last was frozen, when both were thawed. */
  killedAt: Date;
  outageAt: Date;
  thawedAt: Date;
  /** Exit codes of the two schedulers stopped by SIGTERM at the end (0: a graceful stop). */
  exitCodes: (number | null)[];
  /** What the schedulers logged, to show when a check fails. */
  logs: string;
}

/** Starts `ordo scheduler` and resolves once it has logged that it started. */
export async function startScheduler(db: string, globalArgs: readonly string[], name: string): Promise<CliProcess> {
  const scheduler = startCli(['--db', db, ...globalArgs, 'scheduler', '--name', name]);
  await scheduler.waitForOutput('"scheduler started"');
  return scheduler;
}

/** Runs the scenario above (about `phaseMs` × 4 of schedule time) and reads the outcome. */
export async function runFailover(db: string, options: { schema?: string; phaseMs?: number } = {}): Promise<FailoverResult> {
  const phaseMs = options.phaseMs ?? 2_000;
  const globalArgs = options.schema ? ['--schema', options.schema] : [];
  const ordo = await openDb(db, options.schema ? { schema: options.schema } : {});
  const schedulers = await Promise.all(['s1', 's2', 's3'].map((name) => startScheduler(db, globalArgs, name)));
  await ordo.schedules.add('every-all', { task: 'count.record', every: '1s', misfire: 'all' });
  await ordo.schedules.add('every-once', { task: 'count.record', every: '1s', misfire: 'once' });
  await sleep(phaseMs);

  const leader = schedulers.find((s) => s.stderr.includes('"leadership gained"')) ?? schedulers[0]!;
  const [frozen, last] = schedulers.filter((s) => s !== leader) as [CliProcess, CliProcess];
  const killedAt = new Date();
  leader.kill('SIGKILL');
  process.kill(frozen.pid, 'SIGSTOP');
  await sleep(phaseMs);
  const outageAt = new Date();
  process.kill(last.pid, 'SIGSTOP');
  await sleep(phaseMs + 500);
  const thawedAt = new Date();
  process.kill(frozen.pid, 'SIGCONT');
  process.kill(last.pid, 'SIGCONT');
  await sleep(phaseMs);

  for (const s of [frozen, last]) s.kill('SIGTERM');
  const exitCodes = (await Promise.all([frozen, last].map((s) => s.exited))).map((r) => r.code);
  const history = async (name: string) => (await ordo.schedules.history(name, { limit: 1_000 })).reverse();
  const { jobs } = await ordo.store.jobList({ filter: { task: 'count.record' }, page: { limit: 1_000 } });
  return { all: await history('every-all'), once: await history('every-once'), jobs, killedAt, outageAt, thawedAt, exitCodes, logs: schedulers.map((s) => s.stderr).join('\n') };
}

/** Seconds (epoch) of the fire times, in order. */
export function fireSeconds(fires: readonly ScheduleFire[]): number[] {
  return fires.map((f) => f.fireTime.getTime() / 1000);
}

/** Fires recorded at least `ms` after their fire time: those a scheduler caught up late. */
export function firedLate(fires: readonly ScheduleFire[], ms: number): ScheduleFire[] {
  return fires.filter((f) => f.firedAt.getTime() - f.fireTime.getTime() >= ms);
}

/** Largest step between consecutive fire times, in seconds (1 when none was missed). */
export function largestGap(fires: readonly ScheduleFire[]): number {
  const seconds = fireSeconds(fires);
  return Math.max(1, ...seconds.slice(1).map((s, i) => s - seconds[i]!));
}

/**
 * What a failover run must show: one job per ledger row and never two for a fire time; the
 * misfire `all` schedule fired every second, the outage's ones late; the misfire `once`
 * schedule lost the outage's seconds but its latest, and no more; the survivors exit 0.
 */
export function expectFiredOnce(result: FailoverResult): void {
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
}
