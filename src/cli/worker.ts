/**
 * `ordo worker` and `ordo dev`: a worker in this process, built from the resolved settings,
 * stopped gracefully by SIGTERM/SIGINT (a second signal exits at once). The worker also hosts
 * the maintenance services unless `--no-maintenance`. On a terminal it reports its running
 * count every few seconds while anything changes. `ordo dev` also runs a scheduler on the
 * worker's store (after syncing the schedules its tasks declare), so schedules fire without
 * a second process, and serves the HTTP API on 127.0.0.1 without tokens (`--port`). The
 * command ends when the worker does: 0 after a signal, non-zero when it stopped on its own
 * (its database was lost).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrdoConfig } from '../config/resolve.js';
import { DEFAULTS, LIMITS } from '../core/defaults.js';
import { formatDuration } from '../core/duration.js';
import { errorMapping } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { SchedulerHost } from '../maintenance/scheduler-host.js';
import { syncCodeSchedules } from '../client/code-schedules.js';
import { createOrdo, type Ordo } from '../client/ordo.js';
import type { RunningServer } from '../server/app.js';
import { DEFAULT_HOST, DEFAULT_PORT, checkPort } from '../server/options.js';
import { createWorker, type Worker } from '../worker/worker.js';
import type { WorkerOptions } from '../worker/options.js';
import { intOption, type CliContext } from './context.js';
import { printNextSteps } from './dev-help.js';
import { onStopSignals } from './signals.js';
import { logSync } from './scheduler.js';
import { knownTaskNames, serveApi } from './server.js';

/** The loaded tasks folder, as the client hands it over. */
type TaskRegistry = Awaited<ReturnType<CliContext['loadTasks']>>;

interface WorkerFlags {
  queues?: string;
  concurrency?: number;
  name?: string;
  lease?: string;
  grace?: string;
  poll?: string;
  maintenance?: boolean;
  httpAllowHosts?: string;
  /** `ordo dev` only: the port its API listens on. */
  port?: string;
}

/** The example tasks shipped with the package, used by `ordo dev` when no tasks folder is set. */
export const EXAMPLE_TASKS_DIR = fileURLToPath(new URL('../../examples/tasks', import.meta.url));

function addWorkerOptions(command: Command): Command {
  return command
    .option('-q, --queues <queues>', `queues to serve, in order of precedence (default: "queues" of the config file, else ${DEFAULTS.queues.join(',')}; for dev ${DEFAULTS.devQueues.join(',')})`)
    .option('-c, --concurrency <n>', `jobs run at once (default ${DEFAULTS.concurrency})`, intOption('--concurrency', 1, LIMITS.maxConcurrency))
    .option('-n, --name <name>', 'worker name (default host:pid)')
    .option('--lease <duration>', `lease per claim, renewed by heartbeats (default ${formatDuration(DEFAULTS.leaseMs)})`)
    .option('--grace <duration>', `on SIGTERM, how long running jobs may finish before they are released (default ${formatDuration(DEFAULTS.graceMs)})`)
    .option('--poll <duration>', `longest wait between claims while a queue is held by its limits (default ${formatDuration(DEFAULTS.pollMs)}); otherwise enqueues from any process wake the worker, and an idle one waits up to ${formatDuration(DEFAULTS.notifiedPollMs)} or this, whichever is longer`)
    .option('--http-allow-hosts <hosts>', 'hosts `http` jobs may reach, comma-separated: api.example.com, *.example.com, localhost:8080 (env ORDO_HTTP_ALLOW_HOSTS; default any host)')
    .option('--no-maintenance', 'leave recovering the jobs of dead workers to another process (by default every worker process takes part, one at a time)');
}

export function registerWorker(cli: CliContext, program: Command): void {
  addWorkerOptions(program.command('worker').description('run a worker: claims and runs jobs until SIGTERM/SIGINT')).action(
    async (flags: WorkerFlags, command: Command) => {
      cli.exitCode = await runWorker(cli, command, flags, false);
    },
  );
  addWorkerOptions(program.command('dev').description('run Ordo for development: a worker with the example tasks on the embedded database, and the HTTP API on localhost'))
    .option('-p, --port <port>', 'port of the HTTP API and its docs, on 127.0.0.1 without tokens (0: any free port)', String(DEFAULT_PORT))
    .action(async (flags: WorkerFlags, command: Command) => {
      cli.exitCode = await runWorker(cli, command, flags, true);
    },
  );
}

function workerOptions(cli: CliContext, config: OrdoConfig, flags: WorkerFlags, dev: boolean): WorkerOptions & { maintenance: boolean } {
  return {
    db: config.db,
    schema: config.schema,
    tasks: config.tasks ?? (dev ? EXAMPLE_TASKS_DIR : resolve(cli.io.cwd, DEFAULTS.tasksDir)),
    queues: config.queues ?? [...(dev ? DEFAULTS.devQueues : DEFAULTS.queues)],
    concurrency: config.concurrency,
    name: flags.name,
    leaseMs: config.leaseMs,
    shutdownGraceMs: config.graceMs,
    pollMs: config.pollMs,
    maintenance: config.maintenance,
    retentionMs: config.retentionMs,
    httpAllowHosts: config.httpAllowHosts,
    logger: createLogger({ level: config.logLevel, format: config.logFormat, destination: cli.io.stderr as unknown as NodeJS.WritableStream }),
  };
}

/** Runs a worker until it stops; returns the exit code. */
async function runWorker(cli: CliContext, command: Command, flags: WorkerFlags, dev: boolean): Promise<number> {
  const { queues, concurrency, lease, grace, poll, maintenance, httpAllowHosts } = flags;
  const config = await cli.config(command, { queues, concurrency, lease, grace, poll, maintenance, httpAllowHosts });
  const options = workerOptions(cli, config, flags, dev);
  // The tasks are loaded once here and handed to the worker (and the schedule sync) as a registry.
  const tasks = await cli.loadTasks({ ...config, tasks: options.tasks as string });
  options.tasks = tasks;
  const host = dev ? await startDevScheduler(config, options.logger!, tasks) : null;
  if (!dev) await syncWorkerSchedules(config, options.logger!, tasks);
  const worker = createWorker(host ? { ...options, store: host.store } : options);
  const ended = whenEnded(worker);
  // Signals are handled from the start: a SIGTERM while the worker starts still stops it gracefully.
  const removeSignals = onStopSignals(cli, () => stopAsked(cli, worker, ended), 'exiting now; running jobs are recovered when their lease expires');
  try {
    await worker.start();
  } catch (err) {
    removeSignals();
    await host?.stop();
    throw err;
  }
  const api = host ? await startDevApi(cli, host, tasks, flags, options.logger!) : null;
  if (dev) printNextSteps(cli.io.stderr, config.db, worker, config.graceMs, api?.server.url ?? null);
  if (cli.io.stderr.isTTY) reportActivity(cli, worker, ended.promise);
  const code = await ended.promise;
  removeSignals();
  await api?.server.stop();
  await api?.ordo.close();
  await host?.stop(); // after the worker and the API: it closes the store they share
  return code;
}

/**
 * `ordo worker`: syncs the schedules its tasks declare (so deploying the code is enough), on a
 * short-lived client, only if some task declares one. The tasks are loaded here once and handed
 * to the worker as a registry. Firing is left to `ordo scheduler` processes.
 */
async function syncWorkerSchedules(config: OrdoConfig, logger: Logger, tasks: TaskRegistry): Promise<void> {
  if (!tasks.names().some((name) => tasks.get(name)?.options.schedule)) return;
  const ordo = await createOrdo({ db: config.db, schema: config.schema, tasks });
  try {
    logSync(logger, await syncCodeSchedules(ordo, tasks));
  } finally {
    await ordo.close();
  }
}

/**
 * `ordo dev`'s scheduler: syncs the schedules the tasks declare and fires due ones, on a
 * store the worker then shares (so its fires wake the worker at once). Maintenance stays
 * with the worker. The tasks are loaded here once and handed to the worker as a registry.
 */
async function startDevScheduler(config: OrdoConfig, logger: Logger, tasks: TaskRegistry): Promise<SchedulerHost> {
  const host = new SchedulerHost({ db: config.db, schema: config.schema, maintenance: false, logger, prepare: async (store) => logSync(logger, await syncCodeSchedules(store, tasks)) });
  await host.start();
  return host;
}

/**
 * `ordo dev`'s API: on loopback without tokens, over a client on the store the worker and
 * scheduler share. A port already taken is reported and the rest of `ordo dev` runs on.
 */
async function startDevApi(cli: CliContext, host: SchedulerHost, tasks: TaskRegistry, flags: WorkerFlags, logger: Logger): Promise<{ server: RunningServer; ordo: Ordo } | null> {
  const port = checkPort(flags.port ?? DEFAULT_PORT, '--port');
  const ordo = await createOrdo({ store: host.store, tasks });
  try {
    const server = await serveApi(cli, ordo, { host: DEFAULT_HOST, port, auth: false, logger, taskNames: knownTaskNames(tasks) });
    return { server, ordo };
  } catch (err) {
    await ordo.close();
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    cli.print.note(`port ${port} is in use: the HTTP API is not served (choose another with --port)`);
    return null;
  }
}

interface Ending {
  promise: Promise<number>;
  /** A stop was asked for: the exit code comes from how that stop went. */
  asked: boolean;
  resolve(code: number): void;
}

/** Resolves with the exit code once the worker is down: 1, or the lost database's code, if no one asked it to stop. */
function whenEnded(worker: Worker): Ending {
  const ending = { asked: false } as Ending;
  ending.promise = new Promise<number>((resolve) => (ending.resolve = resolve));
  // The worker stops on its own only when its database is lost; `closed` says with what.
  void worker.closed.then((lost) => {
    if (!ending.asked) ending.resolve(lost ? errorMapping(lost).exitCode : 1);
  });
  return ending;
}

/** A stop asked by a signal: exit 0 once it is done, 1 if it failed. */
function stopAsked(cli: CliContext, worker: Worker, ending: Ending): void {
  ending.asked = true;
  worker.stop().then(
    () => ending.resolve(0),
    (err) => {
      cli.print.note(`stop failed: ${(err as Error).message}`);
      ending.resolve(1);
    },
  );
}


function reportActivity(cli: CliContext, worker: Worker, ended: Promise<number>): void {
  let done = 0;
  let failed = 0;
  let last = '';
  worker.events.on('job:finished', (finish, applied) => {
    if (!applied) return;
    if (finish.outcome === 'succeeded') done++;
    else if (finish.state === 'failed') failed++;
  });
  const timer = setInterval(() => {
    const line = `running ${worker.runningCount}/${worker.options.concurrency} · succeeded ${done} · failed ${failed}`;
    if (line !== last) cli.io.stderr.write(`${new Date().toTimeString().slice(0, 8)} ${line}\n`);
    last = line;
  }, 5_000);
  timer.unref();
  void ended.then(() => clearInterval(timer));
}
