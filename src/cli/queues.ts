/**
 * `ordo queues stats|clean|pause|resume`, and `limit|flow` (queue-flow.ts).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { isLimited } from '../core/flow.js';
import { describeLimits, registerQueueFlow } from './queue-flow.js';
import { readCommand } from './read-command.js';

export function registerQueues(cli: CliContext, program: Command): void {
  const queues = program.command('queues').description('queue statistics and control');

  readCommand(cli, queues, {
    name: 'stats',
    description: 'jobs per queue and state, with its flow limits and a pause for a rate limit',
    read: (ordo) => ordo.stats(),
    row: (s) => ({ ...s, paused: s.paused ? 'yes' : 'no', limits: isLimited(s.limits) ? describeLimits(s.limits) : null, 'paused until': s.pausedUntil }),
    columns: ['queue', 'paused', 'pending', 'due', 'running', 'succeeded', 'failed', 'cancelled', 'limits', 'paused until'],
  });
  registerQueueFlow(cli, queues);

  queues
    .command('clean')
    .description("delete a queue's pending jobs")
    .argument('<queue>', 'queue name')
    .option('--json', 'print {queue, deleted} as JSON')
    .action(async (queue: string, flags: { json?: boolean }, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const deleted = await ordo.clean(queue);
        if (flags.json) cli.print.json({ queue, deleted });
        else cli.print.line(`deleted ${deleted} pending job(s) from queue ${queue}`);
      });
    });

  for (const [name, verb] of [['pause', 'paused: workers start no new jobs from it'], ['resume', 'resumed']] as const) {
    queues
      .command(name)
      .description(name === 'pause' ? 'stop workers from starting jobs of a queue' : 'let workers start jobs of a queue again')
      .argument('<queue>', 'queue name')
      .action(async (queue: string, _flags: unknown, command: Command) => {
        await cli.withClient(command, async (ordo) => {
          await (name === 'pause' ? ordo.pause(queue) : ordo.resume(queue));
          cli.print.line(`queue ${queue} ${verb}`);
        });
      });
  }
}
