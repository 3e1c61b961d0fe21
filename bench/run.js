#!/usr/bin/env node
/**
 * Ordo's own throughput benchmark: enqueue N no-op jobs in batches, then drain them with
 * one worker, and report jobs/s (median of several runs). Engines: SQLite always, PostgreSQL
 * when ORDO_BENCH_DATABASE_URL is set. Peers (BullMQ, pg-boss, graphile-worker) join in a
 * later change; until then this measures Ordo alone.
 *
 *   npm run bench                      # 3 runs × 20,000 jobs
 *   ORDO_BENCH_JOBS=50000 ORDO_BENCH_RUNS=5 npm run bench
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrdo, createWorker, createLogger, defineTask } from '../dist/index.js';

const JOBS = Number(process.env.ORDO_BENCH_JOBS ?? 20_000);
const RUNS = Number(process.env.ORDO_BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.ORDO_BENCH_CONCURRENCY ?? 50);
const noop = defineTask('noop', async () => null);

async function once(db, schema) {
  const ordo = await createOrdo({ db, schema, tasks: [noop] });
  const items = Array.from({ length: JOBS }, (_, i) => ({ task: 'noop', payload: { i } }));
  let start = performance.now();
  for (let i = 0; i < items.length; i += 1000) await ordo.enqueueMany(items.slice(i, i + 1000));
  const enqueueMs = performance.now() - start;
  const worker = createWorker({ store: ordo.store, tasks: [noop], concurrency: CONCURRENCY, logger: createLogger({ level: 'silent' }) });
  let done = 0;
  const finished = new Promise((resolve) => worker.on('job:finish', () => ++done === JOBS && resolve()));
  start = performance.now();
  await worker.start();
  await finished;
  const processMs = performance.now() - start;
  await worker.stop();
  await ordo.close();
  return { enqueue: (JOBS / enqueueMs) * 1000, process: (JOBS / processMs) * 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bench(name, makeDb) {
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const { db, schema, cleanup } = makeDb(r);
    runs.push(await once(db, schema));
    cleanup();
  }
  console.log(`${name.padEnd(9)} enqueue ${Math.round(median(runs.map((x) => x.enqueue)))} jobs/s   process ${Math.round(median(runs.map((x) => x.process)))} jobs/s   (median of ${RUNS} × ${JOBS} jobs, concurrency ${CONCURRENCY})`);
}

await bench('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-'));
  return { db: join(dir, 'bench.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
});
if (process.env.ORDO_BENCH_DATABASE_URL) {
  await bench('postgres', (r) => ({ db: process.env.ORDO_BENCH_DATABASE_URL, schema: `bench_${Date.now()}_${r}`, cleanup: () => {} }));
}
