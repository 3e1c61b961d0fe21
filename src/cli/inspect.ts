/**
 * `ordo tasks`, `ordo workers` and `ordo migrate`: what this project defines, who is running
 * it, and the database schema.
 */
import type { Command } from 'commander';
import { describeTasks, type TaskInfo } from '../client/ordo.js';
import { formatDuration } from '../core/duration.js';
import type { WorkerRecord } from '../core/types.js';
import type { CliContext } from './context.js';
import { readCommand } from './read-command.js';

export function registerInspect(cli: CliContext, program: Command): void {
  // Listing tasks reads the tasks folder only: no database is opened (or created). Through
  // --server it lists the server's tasks.
  program
    .command('tasks')
    .description('list the tasks defined in the tasks folder (with --server: the tasks the server knows)')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const tasks = cli.server(command) ? await cli.withClient(command, (ordo) => ordo.taskInfo()) : await localTasks(cli, command);
      if (flags.json) return cli.print.json(tasks);
      cli.print.table(tasks.map((t) => ({ ...t, schema: t.hasSchema ? 'yes' : 'no' })), ['name', 'queue', 'schema', 'description', 'source']);
    });

  readCommand(cli, program, {
    name: 'workers',
    description: 'list workers: alive (heartbeating), stale (stopped heartbeating) or stopped, and when each was last seen',
    read: (ordo) => ordo.listWorkers(),
    row: (w) => ({ ...w, queues: w.queues.join(','), running: `${w.running}/${w.concurrency}`, heartbeat: heartbeatAge(w) }),
    columns: ['id', 'status', 'heartbeat', 'queues', 'running', 'lastSeenAt', 'startedAt'],
  });

  program
    .command('migrate')
    .description('create or upgrade the database schema (other commands also do this on first use)')
    .action(async (_flags: unknown, command: Command) => {
      await cli.withLocalClient(command, async (ordo) => {
        const { engine } = await ordo.migrate();
        cli.print.line(`database schema is up to date (${engine})`);
      }, { create: true });
    });
}

async function localTasks(cli: CliContext, command: Command): Promise<TaskInfo[]> {
  return describeTasks(await cli.loadTasks(await cli.config(command)));
}

/** How long ago the worker last heartbeated, and how long after one it counts as alive (its liveness). */
function heartbeatAge(worker: WorkerRecord): string {
  const age = `${formatDuration(Math.max(0, Date.now() - worker.lastSeenAt.getTime()))} ago`;
  return worker.status === 'stopped' ? age : `${age} (liveness ${formatDuration(worker.livenessMs)})`;
}
