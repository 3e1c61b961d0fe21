/**
 * `ordo queues stats|clean|pause|resume`.
 */
import type { Command } from 'commander';
import { withClient } from './context.js';
import { printJson } from './output.js';
import { readCommand } from './read-command.js';

export function registerQueues(program: Command): void {
  const queues = program.command('queues').description('queue statistics and control');

  readCommand(queues, {
    name: 'stats',
    description: 'jobs per queue and state',
    read: (ordo) => ordo.stats(),
    row: (s) => ({ ...s, paused: s.paused ? 'yes' : 'no' }),
    columns: ['queue', 'paused', 'pending', 'due', 'running', 'succeeded', 'failed', 'cancelled'],
  });

  queues
    .command('clean')
    .description("delete a queue's pending jobs")
    .argument('<queue>', 'queue name')
    .option('--json', 'print {queue, deleted} as JSON')
    .action(async (queue: string, flags: { json?: boolean }, command: Command) => {
      await withClient(command, async (ordo) => {
        const deleted = await ordo.clean(queue);
        if (flags.json) printJson({ queue, deleted });
        else process.stdout.write(`deleted ${deleted} pending job(s) from queue ${queue}\n`);
      });
    });

  for (const [name, verb] of [['pause', 'paused: workers start no new jobs from it'], ['resume', 'resumed']] as const) {
    queues
      .command(name)
      .description(name === 'pause' ? 'stop workers from starting jobs of a queue' : 'let workers start jobs of a queue again')
      .argument('<queue>', 'queue name')
      .action(async (queue: string, _flags: unknown, command: Command) => {
        await withClient(command, async (ordo) => {
          await (name === 'pause' ? ordo.pause(queue) : ordo.resume(queue));
          process.stdout.write(`queue ${queue} ${verb}\n`);
        });
      });
  }
}
