/**
 * `ordo tasks` and `ordo workers`: what this project defines and who is running it.
 */
import type { Command } from 'commander';
import { withClient } from './context.js';
import { readCommand } from './read-command.js';

export function registerInspect(program: Command): void {
  readCommand(program, {
    name: 'tasks',
    description: 'list the tasks defined in the tasks folder',
    read: (ordo) => ordo.listTasks(),
    create: true,
    row: (t) => ({ ...t, schema: t.hasSchema ? 'yes' : 'no' }),
    columns: ['name', 'queue', 'schema', 'description', 'source'],
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
