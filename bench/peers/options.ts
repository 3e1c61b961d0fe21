/**
 * The knobs of the side-by-side benchmark, read once from the environment.
 *
 *   ORDO_BENCH_JOBS          jobs per processing measurement (default 20,000)
 *   ORDO_BENCH_RUNS          rounds, each running every system once (default 3)
 *   ORDO_BENCH_ONLY          comma-separated workloads and/or systems to keep (default: all)
 *   ORDO_BENCH_ENQUEUE_JOBS  jobs per one-at-a-time enqueue measurement (default JOBS / 4)
 *   ORDO_BENCH_BACKLOG       pending jobs of the two backlog measurements (default 10000,1000000)
 *   ORDO_BENCH_IDLE_SECONDS  how long an idle worker is watched (default 20)
 *   ORDO_BENCH_PROFILE       a folder: worker processes write V8 CPU profiles there (--cpu-prof),
 *                            and each PostgreSQL drain prints its costliest statements
 */
import { SYSTEMS, type SystemName } from './systems.js';

export const WORKLOADS = ['process', 'enqueue', 'latency', 'delayed', 'idle', 'backlog', 'scaling'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface BenchOptions {
  jobs: number;
  runs: number;
  enqueueJobs: number;
  backlog: { small: number; large: number };
  idleSeconds: number;
  /** Jobs the enqueue→start and delayed measurements send, one every `spacingMs`. */
  samples: number;
  spacingMs: number;
  delayMs: number;
  /** Concurrency of the processing measurements; the first also serves CPU, latency and scaling. */
  concurrency: readonly [number, number];
  scaling: readonly number[];
  workloads: readonly WorkloadName[];
  systems: readonly SystemName[];
}

function count(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0, not ${JSON.stringify(text)}`);
  return value;
}

/**
 * ORDO_BENCH_ONLY: every token names a workload or a system. Workloads left unnamed all run
 * when only systems are named, and the other way round.
 */
function only(): { workloads: WorkloadName[]; systems: SystemName[] } {
  const tokens = (process.env.ORDO_BENCH_ONLY ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const workloads = WORKLOADS.filter((w) => tokens.includes(w));
  const systems = SYSTEMS.map((s) => s.name).filter((s) => tokens.includes(s));
  return { workloads: workloads.length ? workloads : [...WORKLOADS], systems: systems.length ? systems : SYSTEMS.map((s) => s.name) };
}

export function readOptions(): BenchOptions {
  const jobs = count('ORDO_BENCH_JOBS', 20_000);
  const [small, large] = (process.env.ORDO_BENCH_BACKLOG ?? '10000,1000000').split(',').map(Number);
  if (!Number.isInteger(small) || !Number.isInteger(large) || small! < 10 || large! < small!) {
    throw new Error(`ORDO_BENCH_BACKLOG must be two job counts, the smaller first and at least 10 (such as 10000,1000000), not ${JSON.stringify(process.env.ORDO_BENCH_BACKLOG)}`);
  }
  return {
    jobs,
    runs: count('ORDO_BENCH_RUNS', 3),
    enqueueJobs: count('ORDO_BENCH_ENQUEUE_JOBS', Math.max(1, Math.floor(jobs / 4))),
    backlog: { small: small!, large: large! },
    idleSeconds: count('ORDO_BENCH_IDLE_SECONDS', 20),
    samples: Math.min(200, jobs),
    spacingMs: 20,
    delayMs: 2000,
    concurrency: [10, 50],
    scaling: [1, 2, 4],
    ...only(),
  };
}

/** Names every token of ORDO_BENCH_ONLY that is a workload or a system (the other bench parts read the rest). */
export function namesPeerPart(token: string): boolean {
  return (WORKLOADS as readonly string[]).includes(token) || SYSTEMS.some((s) => s.name === token);
}
