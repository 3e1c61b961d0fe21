/**
 * Helpers for the PostgreSQL-specific tests (test/postgres.*.test.ts): stores on a fresh
 * schema of the test server, an admin connection to look at and cut sessions, cleanup,
 * listening for wake-up signals, and a TCP proxy whose connections can be frozen to make
 * them half-open (alive to both ends, but nothing gets through).
 */
import { type Socket, connect, createServer } from 'node:net';
import pg from 'pg';
import { afterEach, inject } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import { type PostgresStore, type PostgresStoreOptions, createPostgresStore } from '../../src/store/postgres/engine.js';
import { job } from './jobs.js';
import { waitUntil } from './wait.js';

let counter = 0;

/** A schema name no other test uses. */
export function freshSchema(prefix = 'p'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

/** The URL of the test database. */
export function testUrl(): string {
  return inject('postgresUrl');
}

/**
 * Registers cleanup for the calling file: stores opened with `open()` are closed and schemas
 * they used are dropped after each test.
 */
export function usePostgres(): {
  open(options?: Partial<PostgresStoreOptions> & { migrate?: boolean }): Promise<PostgresStore>;
  admin<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
} {
  const stores: PostgresStore[] = [];
  const schemas = new Set<string>();
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const schema of schemas) await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    schemas.clear();
  });
  return {
    async open(options = {}) {
      const schema = options.schema ?? freshSchema();
      schemas.add(schema);
      const store = createPostgresStore({ url: testUrl(), ...options, schema });
      stores.push(store);
      if (options.migrate !== false) await store.migrate();
      return store;
    },
    admin,
  };
}

/** Runs one statement on a short-lived connection of its own. */
export async function admin<R = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: testUrl() });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Terminates every session of `applicationName` and waits (up to 5 s each) until they are gone, locks released; returns how many there were. */
export async function terminateSessions(applicationName: string, where = 'true'): Promise<number> {
  const rows = await admin<{ pid: number }>(
    `SELECT pg_terminate_backend(pid, 5000), pid FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
    [applicationName],
  );
  return rows.length;
}

/** Subscribes to `store`'s wake-ups and waits until it listens; the array collects the queues heard. */
export async function heardQueues(store: PostgresStore): Promise<string[]> {
  const heard: string[] = [];
  store.onJobsAvailable((queue) => heard.push(queue));
  await store.listening();
  return heard;
}

/**
 * Inserts a job on `queue` with `writer` until `heard` includes that queue: a LISTEN that
 * was cut is back only once a signal sent after the cut arrives.
 */
export async function waitForSignal(writer: Store, heard: readonly string[], queue: string, timeoutMs: number, what: string): Promise<void> {
  await waitUntil(
    async () => {
      await writer.jobInsertMany({ jobs: [job({ queue })] });
      return heard.includes(queue);
    },
    timeoutMs,
    what,
  );
}

/** A TCP proxy to a PostgreSQL server; `url` is the server's URL with the proxy's port. */
export interface FreezableProxy {
  readonly url: string;
  /**
   * Stops forwarding on every connection open now, in both directions, without closing any:
   * to the client they look exactly like a half-open connection (a peer gone without a word).
   * Connections opened later work normally.
   */
  freeze(): void;
  /** Closes every connection and the proxy. */
  close(): Promise<void>;
}

/** Starts a proxy to the server of `targetUrl` on a free loopback port. */
export async function freezableProxy(targetUrl: string): Promise<FreezableProxy> {
  const target = new URL(targetUrl);
  const pairs: [Socket, Socket][] = [];
  const frozen: Socket[] = [];
  const server = createServer((downstream) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const cut = (): void => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    pairs.push([downstream, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(typeof address === 'object' && address ? address.port : 0);
  return {
    url: url.toString(),
    freeze() {
      for (const [downstream, upstream] of pairs.splice(0)) {
        downstream.unpipe(upstream);
        upstream.unpipe(downstream);
        downstream.pause();
        upstream.pause();
        frozen.push(downstream, upstream);
      }
    },
    async close() {
      for (const socket of [...frozen.splice(0), ...pairs.splice(0).flat()]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
