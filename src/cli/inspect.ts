/**
 * `ordo tasks` and `ordo workers`: what this project defines and who is running it.
 */
import type { Command } from 'commander';
import { loadTasks } from '../tasks/loader.js';
import { DEFAULT_TASKS_DIR, globalOptions, withClient } from './context.js';
import { printJson, printTable } from './output.js';
import { readCommand } from './read-command.js';

export function registerInspect(program: Command): void {
  // Listing tasks reads the tasks folder only: no database is opened (or created).
  program
    .command('tasks')
    .description('list the tasks defined in the tasks folder')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const given = globalOptions(command).tasks;
      const tasks = (await loadTasks(given ?? DEFAULT_TASKS_DIR, { required: given !== undefined })).list();
      if (flags.json) return printJson(tasks);
      printTable(tasks.map((t) => ({ ...t, schema: t.hasSchema ? 'yes' : 'no' })), ['name', 'queue', 'schema', 'description', 'source']);
    });

  readCommand(program, {
    name: 'workers',
    description: 'list workers and when they were last seen',
    read: (ordo) => ordo.listWorkers(),
    row: (w) => ({ ...w, queues: w.queues.join(','), running: `${w.running}/${w.concurrency}` }),
    columns: ['id', 'status', 'queues', 'running', 'lastSeenAt', 'startedAt'],
  });

  program
    .command('migrate')
    .description('create or upgrade the database schema (other commands also do this on first use)')
    .action(async (_flags: unknown, command: Command) => {
      await withClient(command, async (ordo) => {
        await ordo.store.migrate();
        process.stdout.write(`database schema is up to date (${ordo.store.engine})\n`);
      }, { create: true });
    });
}
