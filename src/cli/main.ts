/**
 * The `ordo` command line: a thin layer over the client and the config module. Every read
 * command takes --json; errors print one actionable line and end with the exit code of their
 * category (`ERROR_MAPPING`: 2 bad input, 3 not found, 4 database or server unavailable, 5 not
 * possible in the job's state or taken, 6 refused by the server's tokens, 1 otherwise).
 * The client commands work on the database (`--db`) or through an Ordo server (`--server`).
 *
 * `main` runs in-process: the streams, environment and working folder are injected, and the
 * exit code is returned, so tests call it directly and `bin/ordo.js` sets `process.exitCode`.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULTS } from '../core/defaults.js';
import { ConfigError } from '../core/errors.js';
import { CliContext } from './context.js';
import { registerEmit } from './emit.js';
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
import { registerWorkflows } from './workflows.js';

export function buildProgram(cli: CliContext): Command {
  const program = new Command('ordo')
    .description('Ordo: background jobs, queues and workers on SQLite or PostgreSQL')
    .configureOutput({ writeOut: (text) => cli.io.stdout.write(text), writeErr: (text) => cli.io.stderr.write(text) })
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--db <database>', `SQLite file or postgres:// URL (env ORDO_DATABASE_URL, DATABASE_URL; default ${DEFAULTS.database})`)
    .option('--schema <schema>', `PostgreSQL schema (env ORDO_SCHEMA; default ${DEFAULTS.schema})`)
    .option('--tasks <dir>', `folder of task modules (env ORDO_TASKS; default ${DEFAULTS.tasksDir})`)
    .option('--server <url>', 'go through an Ordo server instead of the database, e.g. http://127.0.0.1:7000 (env ORDO_SERVER)')
    .option('--token <token>', "the server's API token, with --server (env ORDO_TOKEN)")
    .addHelpText('after', '\nSettings come from flags, then the environment, then ordo.config.json or ordo.config.ts in the working folder, then the defaults.')
    .showHelpAfterError('(run ordo --help for usage)')
    .hook('preAction', (_program, action) => refuseServerForDatabaseCommands(cli, action))
    .exitOverride();
  registerEnqueue(cli, program);
  registerWorker(cli, program);
  registerScheduler(cli, program);
  registerJobs(cli, program);
  registerQueues(cli, program);
  registerSchedules(cli, program);
  registerWorkflows(cli, program);
  registerEmit(cli, program);
  registerServer(cli, program);
  registerTokens(cli, program);
  registerInspect(cli, program);
  return program;
}

/** Commands that work on the database itself: running jobs, firing schedules, the schema, serving the API, its tokens. */
const DATABASE_COMMANDS = new Set(['worker', 'scheduler', 'migrate', 'dev', 'server', 'tokens']);

/** Stops a database command before it runs when `--server` (or ORDO_SERVER) is set: it would not do what the user means. */
function refuseServerForDatabaseCommands(cli: CliContext, action: Command): void {
  let top = action;
  while (top.parent?.parent) top = top.parent;
  if (!DATABASE_COMMANDS.has(top.name())) return;
  const target = cli.server(action);
  if (!target) return;
  throw new ConfigError(
    `ordo ${top.name()} works on the database itself and cannot go through a server (${target.source} ${target.url}): ${target.source === '--server' ? 'drop --server' : 'unset ORDO_SERVER'} and give the database with --db (or ORDO_DATABASE_URL)`,
  );
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
