/**
 * `ordo worker` and `ordo dev`: a worker in this process, stopped gracefully by
 * SIGTERM/SIGINT (a second signal exits at once). On a terminal it reports its running
 * count every few seconds while anything changes.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../core/duration.js';
import { createLogger } from '../core/logger.js';
import { DEFAULT_DATABASE } from '../store/open.js';
import { createWorker, type Worker } from '../worker/worker.js';
import { fileConfig } from './config.js';
import { DEFAULT_TASKS_DIR, globalOptions, intOption } from './context.js';

interface WorkerFlags {
  queues?: string;
  concurrency?: number;
  name?: string;
  lease?: string;
  grace?: string;
  poll?: string;
}

/** The example tasks shipped with the package, used by `ordo dev` when no tasks folder is set. */
export const EXAMPLE_TASKS_DIR = fileURLToPath(new URL('../../examples/tasks', import.meta.url));

function addWorkerOptions(command: Command): Command {
  return command
    .option('-q, --queues <queues>', 'queues to serve, in order of precedence (default: "queues" of ordo.config.json, else default; for dev high,default,low)')
    .option('-c, --concurrency <n>', 'jobs run at once (default 10)', intOption('--concurrency', 1, 10_000))
    .option('-n, --name <name>', 'worker name (default host:pid)')
    .option('--lease <duration>', 'lease per claim, renewed by heartbeats', '30s')
    .option('--grace <duration>', 'on SIGTERM, how long running jobs may finish before they are released', '10s')
    .option('--poll <duration>', 'longest idle wait between claims', '1s');
}

export function registerWorker(program: Command): void {
  addWorkerOptions(program.command('worker').description('run a worker: claims and runs jobs until SIGTERM/SIGINT')).action(
    async (flags: WorkerFlags, command: Command) => {
      const options = globalOptions(command);
      await runWorker(command, flags, options.tasks ?? DEFAULT_TASKS_DIR);
    },
  );

  addWorkerOptions(program.command('dev').description('run Ordo for development: a worker with the example tasks on the embedded database'))
    .action(async (flags: WorkerFlags, command: Command) => {
      const options = globalOptions(command);
      const tasks = options.tasks ?? EXAMPLE_TASKS_DIR;
      flags.queues ??= fileConfig().queues?.join(',') ?? 'high,default,low';
      const worker = await runWorker(command, flags, tasks);
      printNextSteps(options.db ?? DEFAULT_DATABASE, worker);
    });
}

async function runWorker(command: Command, flags: WorkerFlags, tasks: string): Promise<Worker> {
  const options = globalOptions(command);
  const leaseMs = parseDuration(flags.lease ?? '30s', '--lease');
  const worker = createWorker({
    db: options.db,
    schema: options.schema,
    tasks,
    queues: (flags.queues ?? fileConfig().queues?.join(',') ?? 'default').split(',').map((q) => q.trim()).filter(Boolean),
    concurrency: flags.concurrency ?? fileConfig().concurrency,
    name: flags.name,
    leaseMs,
    shutdownGraceMs: parseDuration(flags.grace ?? '10s', '--grace'),
    pollMs: Math.max(1, parseDuration(flags.poll ?? '1s', '--poll')),
    logger: createLogger(),
  });
  await worker.start();
  stopOnSignals(worker);
  if (process.stderr.isTTY) reportActivity(worker);
  return worker;
}

function stopOnSignals(worker: Worker): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`ordo: second ${signal}: exiting now; running jobs are recovered when their lease expires\n`);
      process.exit(130);
    }
    process.stderr.write(`ordo: ${signal}: stopping (again to exit at once)\n`);
    worker.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`ordo: stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function reportActivity(worker: Worker): void {
  let done = 0;
  let failed = 0;
  let last = '';
  worker.on('job:finish', (finish) => {
    if (finish.outcome === 'succeeded') done++;
    else if (finish.state === 'failed') failed++;
  });
  const timer = setInterval(() => {
    const line = `running ${worker.runningCount}/${worker.options.concurrency} · succeeded ${done} · failed ${failed}`;
    if (line !== last) process.stderr.write(`${new Date().toTimeString().slice(0, 8)} ${line}\n`);
    last = line;
  }, 5_000);
  timer.unref();
}

function printNextSteps(db: string, worker: Worker): void {
  process.stderr.write(`
Ordo is running: worker ${worker.name} on ${db}, queues ${worker.options.queues.join(',')}.
Try, from another shell:
  npx ordo enqueue send_email '{"email":"a@b.com","message":"hi"}'
  npx ordo enqueue generate_report '{"title":"weekly","rows":40}'
  npx ordo enqueue flaky_sync '{"source":"crm"}'     # fails twice, then succeeds
  npx ordo enqueue send_email '{"email":"later@b.com","message":"hi"}' --delay 30s
  npx ordo jobs list          npx ordo jobs show ID        npx ordo queues stats
  npx ordo tasks              npx ordo workers
Stop with Ctrl-C: running jobs get 10s to finish, then go back to pending for the next worker.

`);
}
