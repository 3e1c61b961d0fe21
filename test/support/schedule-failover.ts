/**
 * The exactly-once proof of schedules across real processes, shared by the SQLite and the
 * PostgreSQL test files: three `ordo scheduler` processes on one database fire two
 * every-second schedules (misfire `all` and `once`); a few seconds in, the maintenance leader
 * is killed with SIGKILL and another scheduler frozen with SIGSTOP (mid-transaction, maybe,
 * holding what it locked), then thawed. What the ledger and the jobs table hold afterwards is
 * returned for the test to check: one job per fire time, never two, and which seconds fired.
 */
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
  /** The fire times at which the processes were killed and frozen, and thawed. */
  killedAt: Date;
  thawedAt: Date;
  /** What the schedulers logged, to show when a check fails. */
  logs: string;
}

/** Starts `ordo scheduler` and resolves once it has logged that it started. */
export async function startScheduler(db: string, globalArgs: readonly string[], name: string): Promise<CliProcess> {
  const scheduler = startCli(['--db', db, ...globalArgs, 'scheduler', '--name', name]);
  await scheduler.waitForOutput('"scheduler started"');
  return scheduler;
}

/** Runs the scenario above (about `phaseMs` × 3 of schedule time) and reads the outcome. */
export async function runFailover(db: string, options: { schema?: string; phaseMs?: number } = {}): Promise<FailoverResult> {
  const phaseMs = options.phaseMs ?? 2_500;
  const globalArgs = options.schema ? ['--schema', options.schema] : [];
  const ordo = await openDb(db, options.schema ? { schema: options.schema } : {});
  const schedulers = await Promise.all(['s1', 's2', 's3'].map((name) => startScheduler(db, globalArgs, name)));
  await ordo.schedules.add('every-all', { task: 'count.record', every: '1s', misfire: 'all' });
  await ordo.schedules.add('every-once', { task: 'count.record', every: '1s', misfire: 'once' });
  await sleep(phaseMs);

  const leader = schedulers.find((s) => s.stderr.includes('"leadership gained"')) ?? schedulers[0]!;
  const frozen = schedulers.find((s) => s !== leader)!;
  const killedAt = new Date();
  leader.kill('SIGKILL');
  process.kill(frozen.pid, 'SIGSTOP');
  await sleep(phaseMs);
  const thawedAt = new Date();
  process.kill(frozen.pid, 'SIGCONT');
  await sleep(phaseMs);

  for (const s of schedulers) s.kill('SIGTERM');
  await Promise.all(schedulers.map((s) => s.exited));
  const history = async (name: string) => (await ordo.schedules.history(name, { limit: 1_000 })).reverse();
  const { jobs } = await ordo.store.jobList({ filter: { task: 'count.record' }, page: { limit: 1_000 } });
  return { all: await history('every-all'), once: await history('every-once'), jobs, killedAt, thawedAt, logs: schedulers.map((s) => s.stderr).join('\n') };
}

/** Seconds (epoch) of the fire times, in order. */
export function fireSeconds(fires: readonly ScheduleFire[]): number[] {
  return fires.map((f) => f.fireTime.getTime() / 1000);
}

/** Largest step between consecutive fire times, in seconds (1 when none was missed). */
export function largestGap(fires: readonly ScheduleFire[]): number {
  const seconds = fireSeconds(fires);
  return Math.max(1, ...seconds.slice(1).map((s, i) => s - seconds[i]!));
}
