/**
 * The `ordo` command line: a thin layer over the client. Every read command takes --json;
 * errors print one actionable line and exit non-zero (2 bad input, 3 not found,
 * 4 database unavailable, 5 not possible in the job's state, 1 otherwise).
 */
import { Command, CommanderError } from 'commander';
import { registerEnqueue } from './enqueue.js';
import { registerInspect } from './inspect.js';
import { registerJobs } from './jobs.js';
import { reportError } from './output.js';
import { registerQueues } from './queues.js';
import { registerWorker } from './worker.js';

export function buildProgram(): Command {
  const program = new Command('ordo')
    .description('Ordo: background jobs, queues and workers on SQLite or PostgreSQL')
    .option('--db <database>', 'SQLite file or postgres:// URL (env ORDO_DATABASE_URL, DATABASE_URL; default ./.ordo/ordo.db)')
    .option('--schema <schema>', 'PostgreSQL schema (env ORDO_SCHEMA; default ordo)')
    .option('--tasks <dir>', 'folder of task modules (env ORDO_TASKS; default ./tasks)')
    .showHelpAfterError('(run ordo --help for usage)')
    .exitOverride();
  registerEnqueue(program);
  registerWorker(program);
  registerJobs(program);
  registerQueues(program);
  registerInspect(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportError(err);
  }
}
