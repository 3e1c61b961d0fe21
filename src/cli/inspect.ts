/**
 * `ordo tasks` and `ordo workers`: what this project defines and who is running it.
 */
import type { Command } from 'commander';
import { withClient } from './context.js';
import { printJson, printTable } from './output.js';

export function registerInspect(program: Command): void {
  program
    .command('tasks')
    .description('list the tasks defined in the tasks folder')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withClient(command, async (ordo) => {
        const tasks = ordo.listTasks();
        if (flags.json) return printJson(tasks);
        printTable(tasks.map((t) => ({ ...t, schema: t.hasSchema ? 'yes' : 'no' })), ['name', 'queue', 'schema', 'description', 'source']);
      });
    });

  program
    .command('workers')
    .description('list workers and when they were last seen')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withClient(command, async (ordo) => {
        const workers = await ordo.listWorkers();
        if (flags.json) return printJson(workers);
        printTable(workers.map((w) => ({ ...w, queues: w.queues.join(','), running: `${w.running}/${w.concurrency}` })), ['id', 'status', 'queues', 'running', 'lastSeenAt', 'startedAt']);
      });
    });

  program
    .command('migrate')
    .description('create or upgrade the database schema (other commands also do this on first use)')
    .action(async (_flags: unknown, command: Command) => {
      await withClient(command, async (ordo) => {
        await ordo.store.migrate();
        process.stdout.write(`database schema is up to date (${ordo.store.engine})\n`);
      });
    });
}
