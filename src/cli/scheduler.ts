/**
 * `ordo scheduler`: a process that fires due schedules (every such process fires; the store
 * splits the work and the fire ledger keeps each fire time to one job) and, unless
 * `--no-maintenance`, takes part in maintenance (rescuing dead workers' jobs, pruning old
 * ones) under leadership. At start it syncs the schedules declared in code by the tasks
 * folder (`--tasks`, else ./tasks if present). SIGTERM/SIGINT stop it gracefully (a second
 * signal exits at once); it exits non-zero if it stopped on its own (its database was lost).
 */
import type { Command } from 'commander';
import { syncCodeSchedules, type CodeScheduleSync } from '../client/code-schedules.js';
import { DEFAULTS } from '../core/defaults.js';
import { formatDuration } from '../core/duration.js';
import { errorMapping } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { SchedulerHost } from '../maintenance/scheduler-host.js';
import type { CliContext } from './context.js';
import { onStopSignals } from './signals.js';

interface SchedulerFlags {
  name?: string;
  maintenance?: boolean;
  retention?: string;
}

export function registerScheduler(cli: CliContext, program: Command): void {
  program
    .command('scheduler')
    .description('run a scheduler: fires due schedules until SIGTERM/SIGINT (run one or more per deployment)')
    .option('-n, --name <name>', 'name for maintenance leadership (default scheduler:host:pid)')
    .option('--no-maintenance', 'leave recovering dead workers\u2019 jobs and pruning old ones to other processes')
    .option('--retention <duration>', `finished jobs and fire records older than this are pruned by the maintenance leader (default ${formatDuration(DEFAULTS.schedules.pruneAgeMs)})`)
    .action(async (flags: SchedulerFlags, command: Command) => {
      cli.exitCode = await runScheduler(cli, command, flags);
    });
}

/** Runs a scheduler until it stops; returns the exit code. */
async function runScheduler(cli: CliContext, command: Command, flags: SchedulerFlags): Promise<number> {
  const config = await cli.config(command, { maintenance: flags.maintenance, retention: flags.retention });
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, destination: cli.io.stderr as unknown as NodeJS.WritableStream });
  const tasks = await cli.loadTasks(config);
  const host = new SchedulerHost({
    db: config.db,
    schema: config.schema,
    name: flags.name,
    maintenance: config.maintenance,
    leaseMs: config.leaseMs,
    pruneAgeMs: config.retentionMs,
    logger,
    prepare: async (store) => logSync(logger, await syncCodeSchedules(store, tasks)),
  });
  let asked = false;
  const removeSignals = onStopSignals(cli, () => {
    asked = true;
    void host.stop();
  });
  try {
    await host.start();
    const lost = await host.closed;
    if (asked && !lost) return 0;
    return lost ? errorMapping(lost).exitCode : 1;
  } finally {
    removeSignals();
  }
}

export function logSync(logger: Logger, sync: CodeScheduleSync): void {
  if (sync.created.length + sync.updated.length + sync.unchanged.length === 0) return;
  logger.info(sync, 'schedules declared in code synced');
}
