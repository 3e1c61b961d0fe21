/**
 * The workloads, each measured on one system at a time, producer and workers in processes of
 * their own. Throughput runs from the first job's start to the moment the store holds every
 * job as finished (the producer polls for it); CPU from that first start to the same moment.
 */
import { processCpuMs, serverCpuMs } from './cpu.js';
import type { WorkloadName } from './options.js';
import { now, sleep } from './rpc.js';
import type { RowId } from './rows.js';
import { checkDrained, checkPartial, checkStored, inSession, type Bench, type Check } from './session.js';
import type { Producer } from './processes.js';
import type { System } from './systems.js';

/** One workload's figures for one system in one round, with the exactly-once verdicts of its measurements. */
export interface Measured {
  values: Partial<Record<RowId, number>>;
  checks: Check[];
}

export interface Workload {
  name: WorkloadName;
  applies(system: System): boolean;
  run(bench: Bench, system: System): Promise<Measured>;
}

/** Longest a measurement may wait for its jobs before it is called a failure. */
const LIMIT_MS = 10 * 60_000;
const CHUNK = 1000;

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end after ${LIMIT_MS / 1000} s`)), LIMIT_MS)));
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

interface Drain {
  rate: number;
  cpuWorker: number;
  cpuDb: number;
  check: Check;
}

/** Enqueues `jobs`, then lets `processes` workers of `concurrency` each run them all. */
async function drain(bench: Bench, system: System, jobs: number, concurrency: number, processes = 1): Promise<Drain> {
  return inSession(bench, system, async (session) => {
    const producer = (await session.producer()).calls;
    await producer.enqueueBulk(jobs, CHUNK);
    await session.settle();
    if (process.env.ORDO_BENCH_PROFILE && session.serverPid === bench.pg.pid) await resetStatements(bench);
    const workers = await session.workers({ concurrency, size: jobs }, processes);
    const cpu = () => ({ worker: processCpuMs(workers.pids), db: session.serverPid ? serverCpuMs(session.serverPid) : NaN });
    let before = cpu();
    await workers.go(() => (before = cpu()), jobs);
    await within(workers.ran(jobs), `${system.name} running ${jobs} jobs`);
    const { at, counts } = await producer.waitDrained(jobs, LIMIT_MS);
    const after = cpu();
    const report = await workers.stop();
    if (process.env.ORDO_BENCH_PROFILE && session.serverPid === bench.pg.pid) await printStatements(bench, `${system.name} c${concurrency}`, jobs);
    const per1k = (ms: number) => (ms / jobs) * 1000;
    return {
      rate: (jobs / (at - report.first)) * 1000,
      cpuWorker: per1k(after.worker - before.worker),
      cpuDb: per1k(after.db - before.db),
      check: checkDrained(report, counts, jobs),
    };
  });
}

async function resetStatements(bench: Bench): Promise<void> {
  if (bench.pg.statements === 'pg_stat_statements') await bench.pg.admin.query('SELECT pg_stat_statements_reset()');
}

/** The statements that cost the database most during a drain, per 1,000 jobs. */
async function printStatements(bench: Bench, label: string, jobs: number): Promise<void> {
  if (bench.pg.statements !== 'pg_stat_statements') return;
  const { rows } = await bench.pg.admin.query<{ calls: string; ms: number; rows: string; query: string }>(
    `SELECT calls, total_exec_time AS ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 8`,
  );
  console.log(`statements of ${label}, per 1,000 jobs: calls, exec ms, rows`);
  for (const row of rows) console.log(`  ${((Number(row.calls) / jobs) * 1000).toFixed(1).padStart(7)} ${((row.ms / jobs) * 1000).toFixed(1).padStart(7)} ${((Number(row.rows) / jobs) * 1000).toFixed(0).padStart(6)}  ${row.query}`);
}

const processing: Workload = {
  name: 'process',
  applies: () => true,
  async run(bench, system) {
    const [low, high] = bench.options.concurrency;
    const a = await drain(bench, system, bench.options.jobs, low);
    const b = await drain(bench, system, bench.options.jobs, high);
    const values: Measured['values'] = { 'process-c10': a.rate, 'process-c50': b.rate, 'cpu-worker': a.cpuWorker, 'cpu-total': a.cpuWorker + (Number.isNaN(a.cpuDb) ? 0 : a.cpuDb) };
    if (!Number.isNaN(a.cpuDb)) values['cpu-db'] = a.cpuDb;
    return { values, checks: [a.check, b.check] };
  },
};

const scaling: Workload = {
  name: 'scaling',
  applies: (system) => system.scaling,
  async run(bench, system) {
    const values: Measured['values'] = {};
    const checks: Check[] = [];
    for (const processes of bench.options.scaling) {
      const run = await drain(bench, system, bench.options.jobs, bench.options.concurrency[0], processes);
      values[`scaling-${processes}` as RowId] = run.rate;
      checks.push(run.check);
    }
    return { values, checks };
  },
};

const enqueue: Workload = {
  name: 'enqueue',
  applies: () => true,
  async run(bench, system) {
    const { enqueueJobs, jobs } = bench.options;
    const modes: [RowId, number, (producer: Producer['calls']) => Promise<number>][] = [
      ['enqueue-seq', enqueueJobs, (p) => p.enqueueSequential(enqueueJobs)],
      ['enqueue-50', enqueueJobs, (p) => p.enqueueInFlight(enqueueJobs, 50)],
      ['enqueue-bulk', jobs, (p) => p.enqueueBulk(jobs, CHUNK)],
    ];
    const values: Measured['values'] = {};
    const checks: Check[] = [];
    for (const [row, n, send] of modes) {
      await inSession(bench, system, async (session) => {
        const producer = (await session.producer()).calls;
        await session.settle();
        values[row] = (n / (await send(producer))) * 1000;
        checks.push(checkStored(await producer.counts(), n));
      });
    }
    return { values, checks };
  },
};

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Jobs sent one every few ms to an idle worker: how long from `enqueue` to the handler's start, less `delayMs`. */
async function lateness(bench: Bench, system: System, delayMs: number): Promise<{ sorted: number[]; check: Check }> {
  const { samples, spacingMs, concurrency } = bench.options;
  return inSession(bench, system, async (session) => {
    const producer = (await session.producer()).calls;
    const workers = await session.workers({ concurrency: concurrency[0], size: samples });
    await workers.go(undefined, samples);
    // Let the worker reach its idle state (startup queries, a first empty claim) before timing it.
    await sleep(500);
    const sent = await producer.enqueuePaced(samples, spacingMs, delayMs);
    await within(workers.ran(samples), `${system.name} running ${samples} jobs`);
    const { counts } = await producer.waitDrained(samples, LIMIT_MS);
    const report = await workers.stop();
    const late = Array.from(sent, (t, i) => report.starts[i]! - t - delayMs).sort((a, b) => a - b);
    return { sorted: late, check: checkDrained(report, counts, samples) };
  });
}

const latency: Workload = {
  name: 'latency',
  applies: () => true,
  async run(bench, system) {
    const { sorted, check } = await lateness(bench, system, 0);
    return { values: { 'latency-p50': percentile(sorted, 50), 'latency-p99': percentile(sorted, 99) }, checks: [check] };
  },
};

const delayed: Workload = {
  name: 'delayed',
  applies: () => true,
  async run(bench, system) {
    const { sorted, check } = await lateness(bench, system, bench.options.delayMs);
    return { values: { 'delayed-p50': percentile(sorted, 50), 'delayed-p99': percentile(sorted, 99) }, checks: [check] };
  },
};

/** Statements (or transactions) the database has run for the benchmark's database so far, the harness's own left out. */
async function statementsSoFar(bench: Bench): Promise<number> {
  const sql =
    bench.pg.statements === 'pg_stat_statements'
      ? `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT ILIKE '%pg_stat_statements%'`
      : 'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()';
  return Number((await bench.pg.admin.query<{ n: string }>(sql)).rows[0]!.n);
}

const idle: Workload = {
  name: 'idle',
  applies: () => true,
  async run(bench, system) {
    const seconds = bench.options.idleSeconds;
    return inSession(bench, system, async (session) => {
      // The worker alone: it makes its own schema or queue, as a first deployment does.
      const workers = await session.workers({ concurrency: bench.options.concurrency[0], size: 1 });
      await workers.go();
      await sleep(2000);
      const pg = system.storage === 'postgres';
      const before = { statements: pg ? await statementsSoFar(bench) : 0, cpu: processCpuMs(workers.pids), at: now() };
      await sleep(seconds * 1000);
      const elapsed = (now() - before.at) / 1000;
      const values: Measured['values'] = { 'idle-cpu': ((processCpuMs(workers.pids) - before.cpu) / 1000 / elapsed) * 100 };
      // The reading itself is one transaction when only transactions can be counted.
      if (pg) values['idle-statements'] = (await statementsSoFar(bench)) - before.statements - (bench.pg.statements === 'transactions' ? 1 : 0);
      if (pg) values['idle-statements']! /= elapsed;
      const report = await workers.stop();
      return { values, checks: [{ ok: report.ran === 0, detail: report.ran === 0 ? 'no job, none ran' : `${report.ran} runs with no job enqueued` }] };
    });
  },
};

/** Claim speed with `size` jobs pending: jobs started per second over a window after a warm-up, at the high concurrency. */
async function claimSpeed(bench: Bench, system: System, size: number): Promise<{ rate: number; check: Check }> {
  const warmup = Math.min(1000, Math.floor(size / 10));
  const window = Math.min(5000, Math.floor(size / 2));
  return inSession(bench, system, async (session) => {
    const producer = (await session.producer()).calls;
    await producer.enqueueBulk(size, CHUNK);
    await session.settle();
    const workers = await session.workers({ concurrency: bench.options.concurrency[1], size });
    await workers.go();
    await within(workers.ran(warmup + window), `${system.name} running ${warmup + window} jobs`);
    const report = await workers.stop();
    const starts = Array.from(report.starts).filter((t) => t > 0).sort((a, b) => a - b);
    const rate = (window / (starts[warmup + window - 1]! - starts[warmup - 1]!)) * 1000;
    return { rate, check: checkPartial(report, await producer.counts(), size) };
  });
}

const backlog: Workload = {
  name: 'backlog',
  applies: (system) => system.backlog,
  async run(bench, system) {
    const small = await claimSpeed(bench, system, bench.options.backlog.small);
    const large = await claimSpeed(bench, system, bench.options.backlog.large);
    return {
      values: { 'backlog-small': small.rate, 'backlog-large': large.rate, 'backlog-flat': (large.rate / small.rate) * 100 },
      checks: [small.check, large.check],
    };
  },
};

export const WORKLOAD_LIST: readonly Workload[] = [processing, enqueue, latency, delayed, idle, backlog, scaling];
