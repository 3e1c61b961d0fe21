/**
 * Flow control's cost, per engine: 10,000 no-op jobs drained by one `ordo worker` process
 * (concurrency 50, as users run it; this process only enqueues and watches), on a queue
 * without limits and on the same queue with a per-key limit of 1 over 1,000 keys. Both
 * runs carry the same keys; only the limit differs. The jobs are all enqueued before the
 * worker starts, and the time is the database's own (first claim to last end over the job
 * rows), so neither the process start-up nor this process's polling counts. Each figure is
 * the median of `ORDO_BENCH_RUNS` (3) runs on a fresh database; the ratio limited/unlimited
 * is what the limit keeps of the throughput (flow control asks for at least 0.5).
 *
 *   ORDO_BENCH_FLOW_JOBS=10000 ORDO_BENCH_FLOW_KEYS=1000 ORDO_BENCH_ONLY=flow npm run bench
 */
import pg from 'pg';
import { createOrdo, type JobRecord, type Ordo } from '../dist/index.js';
import { sleep, startWorker, stopWorker } from './worker-process.js';

const RUNS = Number(process.env.ORDO_BENCH_RUNS ?? 3);
const JOBS = Number(process.env.ORDO_BENCH_FLOW_JOBS ?? 10_000);
const KEYS = Number(process.env.ORDO_BENCH_FLOW_KEYS ?? 1000);
const CONCURRENCY = Number(process.env.ORDO_BENCH_CONCURRENCY ?? 50);
/** A plain no-op job: `noop` of bench/tasks/workflows.ts. */
const TASK = 'workflows.noop';
const QUEUE = 'flow-bench';

/** A fresh database to measure on, and what removes it. */
export interface FreshDatabase {
  db: string;
  schema?: string;
  cleanup(): void;
}

export interface FlowBenchTarget {
  engine: 'sqlite' | 'postgres';
  fresh(run: number): FreshDatabase;
}

type Mode = 'unlimited' | 'keyed';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function allJobs(ordo: Ordo): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  for (let offset = 0; offset < JOBS; offset += 1000) jobs.push(...(await ordo.listJobs({ queue: QUEUE }, { limit: 1000, offset })).jobs);
  return jobs;
}

/** One run: enqueue, drain with a worker process; jobs/s from the first claim to the last end. */
async function once(target: FlowBenchTarget, mode: Mode, run: number): Promise<number> {
  const database = target.fresh(run);
  const ordo = await createOrdo({ db: database.db, ...(database.schema ? { schema: database.schema } : {}) });
  try {
    if (mode === 'keyed') await ordo.setQueueLimits(QUEUE, { keyConcurrency: 1 });
    for (let i = 0; i < JOBS; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, JOBS - i) }, (_, j) => ({ task: TASK, payload: { i: i + j }, options: { queue: QUEUE, concurrencyKey: `k${(i + j) % KEYS}` } }));
      await ordo.enqueueMany(batch);
    }
    const worker = await startWorker({ engine: target.engine, ...database }, { name: 'bench-flow', concurrency: CONCURRENCY, queues: QUEUE });
    try {
      for (;;) {
        await sleep(100);
        const stats = (await ordo.stats()).find((s) => s.queue === QUEUE);
        if (stats && stats.pending === 0 && stats.running === 0) break;
      }
    } finally {
      await stopWorker(worker);
    }
    const jobs = await allJobs(ordo);
    const failed = jobs.filter((job) => job.state !== 'succeeded');
    if (jobs.length !== JOBS || failed.length > 0) throw new Error(`flow bench (${target.engine}, ${mode}): ${jobs.length} jobs, ${failed.length} not succeeded`);
    const first = Math.min(...jobs.map((job) => job.startedAt!.getTime()));
    const last = Math.max(...jobs.map((job) => job.finishedAt!.getTime()));
    return (JOBS / (last - first)) * 1000;
  } finally {
    await ordo.close();
    if (database.schema) await dropSchema(database.db, database.schema);
    database.cleanup();
  }
}

/** A PostgreSQL run's schema is dropped after it: 10,000 job rows each, on a server that may be the user's own. */
async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** How the engine keeps what it commits, as the figures depend on it: read from the server. */
async function durability(target: FlowBenchTarget): Promise<string> {
  // The SQLite store's own setting (store/sqlite/connection.ts): WAL, synced at checkpoints.
  if (target.engine === 'sqlite') return 'WAL, synchronous=NORMAL';
  const { db, cleanup } = target.fresh(-1);
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    const setting = async (name: string): Promise<string> => (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
    return `fsync=${await setting('fsync')}, synchronous_commit=${await setting('synchronous_commit')}`;
  } finally {
    await client.end();
    cleanup();
  }
}

/** Prints the "Flow control" figures of one engine: both modes and their ratio. */
export async function benchFlow(target: FlowBenchTarget): Promise<void> {
  const rates: Record<Mode, number[]> = { unlimited: [], keyed: [] };
  for (let r = 0; r < RUNS; r++) {
    // Alternated, so a machine that slows down during the bench slows both alike.
    for (const mode of ['unlimited', 'keyed'] as const) rates[mode].push(await once(target, mode, r));
  }
  const unlimited = median(rates.unlimited);
  const keyed = median(rates.keyed);
  const spread = (xs: number[]): string => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
  console.log(
    `flow control (${target.engine}, ${await durability(target)}): ${JOBS} no-op jobs, worker process of concurrency ${CONCURRENCY}, median of ${RUNS}: ` +
      `unlimited ${Math.round(unlimited)} jobs/s (${spread(rates.unlimited)}), ` +
      `1 per key over ${KEYS} keys ${Math.round(keyed)} jobs/s (${spread(rates.keyed)}); ratio limited/unlimited ${(keyed / unlimited).toFixed(2)}`,
  );
}
