/**
 * Workflow overhead, per engine, with the worker in a process of its own (`ordo worker
 * --tasks bench/tasks`, concurrency 50, as users run it) while this process only starts
 * runs and watches them. Every step is a no-op (bench/tasks/workflows.ts), so the times are
 * all Ordo's own work.
 *
 * - Fan-out and fan-in: a step returns an array of 10,000, a map runs one job per element, a
 *   last step receives the 10,000 ordered results: time from the start to the run's success.
 * - A chain of 100 steps, against a baseline of 100 plain jobs run one after another
 *   (enqueue one, wait for its end, then the next): the chain's time per step minus the
 *   baseline's time per job is what a workflow adds to each job.
 *
 * Times are the database's own (a run's `finishedAt − createdAt`; a plain job's, summed),
 * so how often this process polls for the end does not count. Each figure is the median of
 * `ORDO_BENCH_RUNS` (3) runs with min–max. SQLite sends no wake-up across processes, so a
 * job enqueued here waits for the worker's next poll: the SQLite worker polls every
 * `ORDO_BENCH_POLL` (10ms), which the baseline pays about half of per job; the chain's next
 * step is inserted by the worker's own process, which wakes it at once. PostgreSQL's worker
 * is woken by NOTIFY either way.
 *
 *   ORDO_BENCH_FANOUT=10000 ORDO_BENCH_CHAIN=100 ORDO_BENCH_ONLY=workflows npm run bench
 */
import { createOrdo, type JobRecord, type Ordo } from '../dist/index.js';
import { SQLITE_POLL, sleep, startWorker, stopWorker } from './worker-process.js';

const RUNS = Number(process.env.ORDO_BENCH_RUNS ?? 3);
const FANOUT = Number(process.env.ORDO_BENCH_FANOUT ?? 10_000);
const CHAIN = Number(process.env.ORDO_BENCH_CHAIN ?? 100);
const CONCURRENCY = Number(process.env.ORDO_BENCH_CONCURRENCY ?? 50);
/** The plain job of the baseline: `noop` of bench/tasks/workflows.ts. */
const PLAIN_TASK = 'workflows.noop';

/** A database to measure on: a SQLite file, or a PostgreSQL URL and a schema of its own. */
export interface BenchDatabase {
  engine: 'sqlite' | 'postgres';
  db: string;
  schema?: string;
}


/** A run or a series of plain jobs: its time in the database's clock, and its jobs. */
interface Timed {
  ms: number;
  jobs: JobRecord[];
}

/** Starts a run of the stored workflow; resolves with its duration and, with `readJobs`, its steps' jobs. */
async function timeRun(ordo: Ordo, workflow: string, input: unknown, pollMs: number, readJobs = false): Promise<Timed> {
  const { runId } = await ordo.workflows.start(workflow, input);
  for (;;) {
    await sleep(pollMs);
    const run = await ordo.workflows.getRun(runId);
    if (run.state === 'running') continue;
    if (run.state !== 'succeeded') throw new Error(`run ${runId} of ${workflow} ended ${run.state}: ${run.error?.message ?? 'no error'}`);
    const jobs = readJobs ? await Promise.all(run.steps.map((step) => ordo.job(step.jobId!))) : [];
    return { ms: run.finishedAt!.getTime() - run.createdAt.getTime(), jobs };
  }
}

/** Runs `count` plain no-op jobs one after another; resolves with the sum of their durations. */
async function timePlainJobs(ordo: Ordo, count: number): Promise<Timed> {
  const jobs: JobRecord[] = [];
  for (let i = 0; i < count; i++) {
    const { id } = await ordo.enqueue(PLAIN_TASK, { i });
    for (;;) {
      await sleep(1);
      const job = await ordo.getJob(id);
      if (job?.state === 'succeeded') {
        jobs.push(job);
        break;
      }
      if (job && job.state !== 'pending' && job.state !== 'running') throw new Error(`plain job ${id} ended ${job.state}`);
    }
  }
  return { ms: jobs.reduce((sum, job) => sum + job.finishedAt!.getTime() - job.createdAt.getTime(), 0), jobs };
}

/**
 * Where a job's time went, as means over `jobs`: `wait` from its insert (a chain step's: its
 * release) to its claim, `attempt` from its claim to its recorded end.
 */
function phases(jobs: readonly JobRecord[]): { wait: number; attempt: number } {
  const mean = (f: (job: JobRecord) => number): number => jobs.reduce((sum, job) => sum + f(job), 0) / jobs.length;
  return {
    wait: mean((job) => job.startedAt!.getTime() - job.createdAt.getTime()),
    attempt: mean((job) => job.finishedAt!.getTime() - job.startedAt!.getTime()),
  };
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(xs: readonly number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
}

const ms = (x: number, digits = 1): string => x.toFixed(digits);
const range = (s: Spread, digits = 1): string => `${ms(s.median, digits)} ms (${ms(s.min, digits)}–${ms(s.max, digits)})`;

/**
 * The chain against the plain jobs, run after run in turn, so both see the same machine load.
 * What a step adds is compared with a plain job's whole time on PostgreSQL (NOTIFY wakes the
 * worker: the wait is Ordo's work), and with its claim-to-end on SQLite, where the wait for
 * the worker's next poll would otherwise hide what a step costs.
 */
async function benchChain(ordo: Ordo, engine: BenchDatabase['engine']): Promise<void> {
  const perStep: number[] = [];
  const perJob: number[] = [];
  const added: number[] = [];
  let plain: JobRecord[] = [];
  let steps: JobRecord[] = [];
  const handoffs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const jobs = await timePlainJobs(ordo, CHAIN);
    const run = await timeRun(ordo, 'bench-chain', {}, 10, true);
    perJob.push(jobs.ms / CHAIN);
    perStep.push(run.ms / CHAIN);
    added.push(run.ms / CHAIN - (engine === 'sqlite' ? phases(jobs.jobs).attempt : jobs.ms / CHAIN));
    plain = plain.concat(jobs.jobs);
    steps = steps.concat(run.jobs);
    // Steps in chain order: from one step's recorded end to the insert of the next one's job.
    for (let i = 1; i < run.jobs.length; i++) handoffs.push(run.jobs[i]!.createdAt.getTime() - run.jobs[i - 1]!.finishedAt!.getTime());
  }
  const over = engine === 'sqlite' ? "a plain job's claim-to-end" : 'a plain job';
  console.log(
    `${engine.padEnd(9)} chain of ${CHAIN} no-op steps: ${range(spread(perStep))} per step; ${CHAIN} plain no-op jobs in turn: ${range(spread(perJob))} per job; ` +
      `adds ${range(spread(added))} per step over ${over}`,
  );
  const [p, w] = [phases(plain), phases(steps)];
  const handoff = handoffs.reduce((a, b) => a + b, 0) / handoffs.length;
  console.log(
    `${''.padEnd(9)} where it goes (means): a plain job waits ${ms(p.wait)} ms from its insert to its claim` +
      (engine === 'sqlite' ? ` (the worker's ${SQLITE_POLL} poll: SQLite wakes no other process)` : '') +
      `, then ${ms(p.attempt)} ms to its recorded end; a chain step waits ${ms(w.wait)} ms from its release to its claim, then ${ms(w.attempt)} ms to its end, ` +
      `and ${ms(handoff)} ms pass from there to the next step's release (the run's advance, in the transaction that records the end)`,
  );
}

async function benchFan(ordo: Ordo, engine: string): Promise<void> {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) times.push((await timeRun(ordo, 'bench-fan', { n: FANOUT }, 100)).ms);
  const s = spread(times);
  console.log(
    `${engine.padEnd(9)} fan-out and fan-in of ${FANOUT}: ${ms(s.median / 1000, 2)} s (${ms(s.min / 1000, 2)}–${ms(s.max / 1000, 2)}) from start to success, ` +
      `${Math.round((FANOUT / s.median) * 1000)} map jobs/s (median of ${RUNS}, 1 worker process, concurrency ${CONCURRENCY})`,
  );
}

/** Measures both on one database: a worker process serves every run, this process starts them. */
export async function benchWorkflows(target: BenchDatabase): Promise<void> {
  const worker = await startWorker(target, { name: 'bench-workflows', concurrency: CONCURRENCY });
  const ordo = await createOrdo({ db: target.db, ...(target.schema ? { schema: target.schema } : {}) });
  try {
    // The chain first: the fan-outs leave tens of thousands of finished jobs behind.
    await benchChain(ordo, target.engine);
    await benchFan(ordo, target.engine);
  } finally {
    await stopWorker(worker);
    await ordo.close();
  }
}
