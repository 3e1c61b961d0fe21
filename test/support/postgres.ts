/**
 * Helpers for the PostgreSQL-specific tests (test/postgres.*.test.ts): stores on a fresh
 * schema of the test server, an admin connection to look at and cut sessions, cleanup, and
 * listening for wake-up signals.
 */
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

/** Terminates every session of `applicationName`; returns how many there were. */
export async function terminateSessions(applicationName: string, where = 'true'): Promise<number> {
  const rows = await admin<{ pid: number }>(
    `SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
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
