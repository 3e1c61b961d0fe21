/**
 * `ordo server`: the HTTP API and the web dashboard over a client on the database (any number of servers may run
 * against one PostgreSQL). It listens on 127.0.0.1 unless `--host` says otherwise, requires
 * tokens unless `--no-auth` (refused off loopback), and stops gracefully on SIGTERM/SIGINT:
 * no new connections, in-flight requests finished, event streams ended, then the client
 * closed. `ordo dev` serves the same API through `serveApi`.
 */
import type { Command } from 'commander';
import { ValidationError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { startServer, type RunningServer } from '../server/app.js';
import type { ServerClient } from '../server/client.js';
import { DEFAULT_HOST, DEFAULT_PORT, checkPort, isLoopback, parseByteSize } from '../server/options.js';
import type { Ordo, TaskRegistry } from '../client/ordo.js';
import type { CliContext } from './context.js';
import { onStopSignals } from './signals.js';

interface ServerFlags {
  port: string;
  host: string;
  bodyLimit: string;
  auth: boolean;
}

export function registerServer(cli: CliContext, program: Command): void {
  program
    .command('server')
    .description('serve the HTTP API (docs at /docs) and the dashboard (at /) until SIGTERM/SIGINT')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', String(DEFAULT_PORT))
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', DEFAULT_HOST)
    .option('--body-limit <size>', 'largest request body, such as 1mb or 512kb', '1mb')
    .option('--no-auth', 'serve without tokens (only on a loopback host: 127.0.0.1, ::1, localhost)')
    .action(async (flags: ServerFlags, command: Command) => {
      cli.exitCode = await runServer(cli, command, flags);
    });
}

async function runServer(cli: CliContext, command: Command, flags: ServerFlags): Promise<number> {
  const port = checkPort(flags.port, '--port');
  const bodyLimit = parseByteSize(flags.bodyLimit, '--body-limit');
  if (!flags.auth && !isLoopback(flags.host)) {
    throw new ValidationError('--no-auth', 'a loopback --host (127.0.0.1, ::1 or localhost): without tokens anyone who reaches the server could use it', flags.host);
  }
  const { ordo, config } = await cli.openClient(command, { create: true });
  const tasks = await cli.loadTasks(config); // loaded once per process: the client's own registry
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, destination: cli.io.stderr as unknown as NodeJS.WritableStream });
  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  const removeSignals = onStopSignals(cli, () => stopped(), 'exiting now; in-flight requests are cut');
  const stopLogging = logStoreErrors(ordo, logger);
  try {
    const server = await serveApi(cli, ordo, { host: flags.host, port, bodyLimit, auth: flags.auth, logger, taskNames: knownTaskNames(tasks) });
    await stop;
    await server.stop();
    return 0;
  } finally {
    removeSignals();
    stopLogging();
    await ordo.close();
  }
}

/** Repeats of one database error logged at most this often (the change feed retries twice a second). */
const STORE_ERROR_EVERY_MS = 30_000;

/** Logs the database errors the client reports in the background (its change feed's reads), without a line per retry. */
function logStoreErrors(ordo: Ordo, logger: Logger): () => void {
  let last = '';
  let lastAt = 0;
  return ordo.events.on('store:error', (err, during) => {
    const message = err instanceof Error ? err.message : String(err);
    if (message === last && Date.now() - lastAt < STORE_ERROR_EVERY_MS) return;
    last = message;
    lastAt = Date.now();
    logger.warn({ during, error: message }, 'database call failed; retrying');
  });
}

/** The names jobs may name on a server with tasks of its own (built-in ones too); null (any) without. */
export function knownTaskNames(tasks: TaskRegistry): string[] | null {
  return tasks.size > 0 ? tasks.names({ builtIn: true }) : null;
}

export interface ApiSettings {
  host: string;
  port: number;
  bodyLimit?: number;
  /** False: no tokens (the caller has checked the host is loopback). */
  auth: boolean;
  logger: Logger;
  taskNames: readonly string[] | null;
}

/** Starts the API server on `ordo` and says where it listens (and, without tokens, that anyone on this machine may use it). */
export async function serveApi(cli: CliContext, ordo: ServerClient, settings: ApiSettings): Promise<RunningServer> {
  const { host, port, bodyLimit, logger, taskNames } = settings;
  const server = await startServer({ ordo, host, port, bodyLimit, logger, taskNames, auth: settings.auth ? 'tokens' : 'none' });
  cli.print.note(`API listening on ${server.url} (docs: ${server.url}/docs)`);
  cli.print.note(`dashboard: ${server.url}/`);
  if (!settings.auth) cli.print.note(`no tokens required: anyone on this machine can use the API at ${server.url}`);
  return server;
}
