/**
 * `ordo emit KEY [PAYLOAD] [--keep 1h]`: emits an event for the durable functions waiting on
 * `KEY`, on the database or through a server. The first emit of a key wins, so a second one
 * says so rather than pretending it changed anything; either way it says how many waiting runs
 * were woken.
 */
import type { Command } from 'commander';
import { renameField } from '../core/errors.js';
import type { CliContext } from './context.js';
import { inputOf } from './workflows.js';

interface EmitFlags {
  keep?: string;
  json?: boolean;
}

export function registerEmit(cli: CliContext, program: Command): void {
  program
    .command('emit')
    .description('emit an event for the durable functions waiting on its key (ctx.waitForEvent): the first emit of a key wins')
    .argument('<key>', 'the event key, such as order-paid:42')
    .argument('[payload]', 'what the waiting functions receive: JSON text, or @FILE to read it from a file (@- reads standard input); null when absent')
    .option('--keep <duration>', 'how long the event is kept for waits that come later (default 24h)')
    .option('--json', 'print {stored, woken} as JSON')
    .action(async (key: string, payloadArg: string | undefined, flags: EmitFlags, command: Command) => {
      const payload = payloadArg === undefined ? undefined : inputOf(payloadArg, cli.io, 'payload');
      await cli.withClient(command, async (ordo) => {
        const options = flags.keep === undefined ? {} : { keep: flags.keep };
        const answer = await ordo.emit(key, payload, options).catch((err: unknown) => Promise.reject(renameField(err, (field) => (field === 'keep' ? '--keep' : field))));
        if (flags.json) return cli.print.json(answer);
        const runs = `${answer.woken} waiting run${answer.woken === 1 ? '' : 's'} woken`;
        cli.print.line(answer.stored ? `stored; ${runs}` : `already emitted (first emit wins); ${runs}`);
      });
    });
}
