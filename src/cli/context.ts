/**
 * Options every command shares (`--db`, `--schema`, `--tasks`) and the client they open.
 * Commands stay thin: parse, call the client, print.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createOrdo, type Ordo } from '../client/ordo.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { checkDatabaseLocator, DEFAULT_DATABASE, isPostgresUrl, resolveDatabase, sqlitePath } from '../store/open.js';
import { loadTasks } from '../tasks/loader.js';
import { fileConfig } from './config.js';

export interface GlobalOptions {
  db?: string;
  schema?: string;
  tasks?: string;
}

export const DEFAULT_TASKS_DIR = './tasks';

/** Flags, then environment, then ordo.config.json; unset where none says. */
export function globalOptions(command: Command): GlobalOptions {
  const flags = command.optsWithGlobals<GlobalOptions>();
  const file = fileConfig();
  return {
    db: resolveDatabase(flags.db) ?? file.db,
    schema: flags.schema ?? process.env.ORDO_SCHEMA ?? file.schema,
    tasks: flags.tasks ?? process.env.ORDO_TASKS ?? file.tasks,
  };
}

export interface ClientNeeds {
  /** May create the SQLite file (enqueue, migrate); read commands must not, a typo would go unnoticed. */
  create?: boolean;
}

/**
 * Opens a client. The tasks folder is loaded so payloads are validated at enqueue; the
 * default folder may be missing, one named with --tasks must exist.
 */
export async function openClient(command: Command, needs: ClientNeeds = {}): Promise<Ordo> {
  const options = globalOptions(command);
  const db = options.db ?? DEFAULT_DATABASE;
  checkDatabaseLocator(db);
  if (!needs.create && !isPostgresUrl(db) && !existsSync(sqlitePath(db))) {
    throw new ConfigError(`database: no Ordo database at ${resolve(db)}; check --db (or ORDO_DATABASE_URL), or enqueue a job or start a worker first`);
  }
  const tasks = await loadTasks(options.tasks ?? DEFAULT_TASKS_DIR, { required: options.tasks !== undefined });
  return createOrdo({ db, schema: options.schema, tasks });
}

/** The tasks folder a command loads, for messages. */
export function tasksFolder(command: Command): string {
  return resolve(globalOptions(command).tasks ?? DEFAULT_TASKS_DIR);
}

/** Runs `body` with an open client and closes it afterwards. */
export async function withClient<T>(command: Command, body: (ordo: Ordo) => Promise<T>, needs: ClientNeeds = {}): Promise<T> {
  const ordo = await openClient(command, needs);
  try {
    return await body(ordo);
  } finally {
    await ordo.close();
  }
}

/** Parses a whole-number option within bounds, naming the option when the value is not one. */
export function intOption(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = min === Number.MIN_SAFE_INTEGER ? 'a whole number' : `a whole number from ${min} to ${max}`;
      throw new InvalidArgumentError(`${name}: expected ${range}, received ${JSON.stringify(value)}`);
    }
    return n;
  };
}
