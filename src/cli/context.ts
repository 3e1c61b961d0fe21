/**
 * What every command shares: the injected streams, the settings resolved from the global
 * options (`--db`, `--schema`, `--tasks`, or `--server` and `--token`), and the client they
 * open. Commands stay thin: parse, call the client, print.
 *
 * With `--server URL` (or `ORDO_SERVER`) the client commands talk to an Ordo server over
 * HTTP instead of the database, through the same `OrdoClient` methods, so they print the
 * same. Commands that need the database itself use `withLocalClient`; `main` refuses
 * `--server` for them before they run.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { createOrdo, loadTaskFolder, type Ordo, type OrdoClient, type TaskRegistry } from '../client/ordo.js';
import { envValue } from '../config/env.js';
import { resolveConfig, type ConfigFlags, type OrdoConfig } from '../config/resolve.js';
import { DEFAULTS } from '../core/defaults.js';
import { ConfigError } from '../core/errors.js';
import type { CliIO } from './io.js';
import { Printer } from './output.js';

export interface ClientNeeds {
  /** May create the database (enqueue, migrate); read commands must not, a typo would go unnoticed. */
  create?: boolean;
}

/** Where `--server` came from, for messages that name what the user typed. */
export interface ServerTarget {
  url: string;
  token: string | undefined;
  /** `--server` or `ORDO_SERVER`. */
  source: string;
}

export class CliContext {
  readonly print: Printer;
  /** Set by a command whose exit code is not simply 0 on success (a worker that stopped on its own). */
  exitCode: number | undefined;

  constructor(readonly io: CliIO) {
    // Read before any setting resolves: an error resolving them must honour it too.
    this.print = new Printer(io, envValue(io.env, 'ORDO_DEBUG') !== undefined);
  }

  /** Settings: the command's flags and the global ones, then environment, config file, defaults. */
  config(command: Command, flags: ConfigFlags = {}): Promise<OrdoConfig> {
    const globals = command.optsWithGlobals<{ db?: string; schema?: string; tasks?: string }>();
    return resolveConfig({ db: globals.db, schema: globals.schema, tasks: globals.tasks, ...flags }, { env: this.io.env, cwd: this.io.cwd });
  }

  /** The tasks folder a command loads: the one named, else `DEFAULTS.tasksDir` (which may be missing). */
  tasksFolder(config: OrdoConfig): string {
    return config.tasks ?? resolve(this.io.cwd, DEFAULTS.tasksDir);
  }

  loadTasks(config: OrdoConfig): Promise<TaskRegistry> {
    return loadTaskFolder(this.tasksFolder(config), { required: config.tasks !== undefined });
  }

  /**
   * The server the client commands go through (`--server`, else `ORDO_SERVER`), with its
   * token (`--token`, else `ORDO_TOKEN`); null to use the database. The token is never
   * printed, whatever happens.
   */
  server(command: Command): ServerTarget | null {
    const globals = command.optsWithGlobals<{ server?: string; token?: string }>();
    const fromEnv = (name: 'ORDO_SERVER' | 'ORDO_TOKEN') => envValue(this.io.env, name);
    const url = globals.server ?? fromEnv('ORDO_SERVER');
    if (url === undefined) {
      if (globals.token !== undefined) throw new ConfigError('--token is the API token of a server: give it with --server URL (or ORDO_SERVER)');
      return null;
    }
    return { url, token: globals.token ?? fromEnv('ORDO_TOKEN'), source: globals.server !== undefined ? '--server' : 'ORDO_SERVER' };
  }

  /**
   * Opens a client on the database with the tasks folder loaded, so payloads are validated
   * at enqueue; the default folder may be missing, a named one must exist.
   */
  async openClient(command: Command, needs: ClientNeeds = {}): Promise<{ ordo: Ordo; config: OrdoConfig }> {
    const config = await this.config(command);
    const tasks = await this.loadTasks(config);
    const ordo = await createOrdo({ db: config.db, schema: config.schema, tasks, create: needs.create === true });
    return { ordo, config };
  }

  /**
   * Runs `body` with a client, the server's when `--server` is given, else one on the
   * database, and closes it afterwards.
   */
  async withClient<T>(command: Command, body: (ordo: OrdoClient, config: OrdoConfig) => Promise<T>, needs: ClientNeeds = {}): Promise<T> {
    const target = this.server(command);
    if (!target) return this.withLocalClient(command, body, needs);
    const config = await this.config(command);
    const ordo = await createOrdo({ url: target.url, token: target.token });
    try {
      return await body(ordo, config);
    } finally {
      await ordo.close();
    }
  }

  /** Runs `body` with a client on the database (for what only it can do) and closes it afterwards. */
  async withLocalClient<T>(command: Command, body: (ordo: Ordo, config: OrdoConfig) => Promise<T>, needs: ClientNeeds = {}): Promise<T> {
    const { ordo, config } = await this.openClient(command, needs);
    try {
      return await body(ordo, config);
    } finally {
      await ordo.close();
    }
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
