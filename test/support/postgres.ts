/**
 * Helpers for the PostgreSQL-specific tests (test/postgres.*.test.ts): stores on a fresh
 * schema of the test server, an admin connection to look at and cut sessions, and cleanup.
 */
import pg from 'pg';
import { afterEach, inject } from 'vitest';
import type { JobInsert } from '../../src/core/types.js';
import { type PostgresStore, type PostgresStoreOptions, createPostgresStore } from '../../src/store/postgres/engine.js';

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

/** A due job with every field resolved. */
export function pgJob(overrides: Partial<JobInsert> = {}): JobInsert {
  return {
    task: 'test.task',
    queue: 'default',
    payload: { n: 1 },
    priority: 0,
    runAt: null,
    delayMs: 0,
    maxAttempts: 3,
    timeoutMs: null,
    backoffBaseMs: null,
    backoffCapMs: null,
    uniqueKey: null,
    ...overrides,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until true, failing after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
