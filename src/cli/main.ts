/**
 * The `ordo` command line: a thin layer over the client and the config module. Every read
 * command takes --json; errors print one actionable line and end with the exit code of their
 * category (`ERROR_MAPPING`: 2 bad input, 3 not found, 4 database unavailable, 5 not possible
 * in the job's state or taken, 1 otherwise).
 *
 * `main` runs in-process: the streams, environment and working folder are injected, and the
 * exit code is returned, so tests call it directly and `bin/ordo.js` sets `process.exitCode`.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULTS } from '../core/defaults.js';
import { CliContext } from './context.js';
import { registerEnqueue } from './enqueue.js';
import { registerInspect } from './inspect.js';
import { processIO, type CliIO } from './io.js';
import { registerJobs } from './jobs.js';
import { registerQueues } from './queues.js';
import { registerScheduler } from './scheduler.js';
import { registerSchedules } from './schedules.js';
import { registerServer } from './server.js';
import { registerTokens } from './tokens.js';
import { packageVersion } from './version.js';
import { registerWorker } from './worker.js';

export function buildProgram(cli: CliContext): Command {
  const program = new Command('ordo')
    .description('Ordo: background jobs, queues and workers on SQLite or PostgreSQL')
    .configureOutput({ writeOut: (text) => cli.io.stdout.write(text), writeErr: (text) => cli.io.stderr.write(text) })
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--db <database>', `SQLite file or postgres:// URL (env ORDO_DATABASE_URL, DATABASE_URL; default ${DEFAULTS.database})`)
    .option('--schema <schema>', `PostgreSQL schema (env ORDO_SCHEMA; default ${DEFAULTS.schema})`)
    .option('--tasks <dir>', `folder of task modules (env ORDO_TASKS; default ${DEFAULTS.tasksDir})`)
    .addHelpText('after', '\nSettings come from flags, then the environment, then ordo.config.json or ordo.config.ts in the working folder, then the defaults.')
    .showHelpAfterError('(run ordo --help for usage)')
    .exitOverride();
  registerEnqueue(cli, program);
  registerWorker(cli, program);
  registerScheduler(cli, program);
  registerJobs(cli, program);
  registerQueues(cli, program);
  registerSchedules(cli, program);
  registerServer(cli, program);
  registerTokens(cli, program);
  registerInspect(cli, program);
  return program;
}

/**
 * Runs one `ordo` command. `args` are the words after `ordo` (`process.argv.slice(2)`);
 * returns the exit code.
 */
export async function main(args: readonly string[] = process.argv.slice(2), io: Partial<CliIO> = {}): Promise<number> {
  const cli = new CliContext({ ...processIOUnlessGiven(io), ...io });
  try {
    await buildProgram(cli).parseAsync([...args], { from: 'user' });
    return cli.exitCode ?? 0;
  } catch (err) {
    // Commander has already printed its own message (usage errors, --help, --version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return cli.print.error(err);
  }
}

/** The process's streams only where none were injected: attaching their EPIPE guards is a side effect. */
function processIOUnlessGiven(io: Partial<CliIO>): CliIO {
  if (io.stdout && io.stderr && io.env && io.cwd && io.readStdin) return io as CliIO;
  return processIO();
}
