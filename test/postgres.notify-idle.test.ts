/**
 * An idle `ordo worker` on PostgreSQL is quiet: the built CLI (so `npm run build` first), with
 * maintenance and without, left idle for 20 s, issues fewer than one statement per second —
 * NOTIFY does the waking, so its fallback poll, its worker row and the rescuer's sweeps are
 * spaced out — and a job enqueued after that idle time still starts within 50 ms.
 *
 * Statements are counted by pg_stat_statements, per database: each worker has a database of
 * its own on a private server (the extension must be preloaded, which takes a restart, and
 * the shared test server's other users would be counted too).
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedPostgres } from './support/global-setup.js';
import { sleep } from './support/wait.js';
import { TEST_TASKS, openDb, startWorker, stopEverything, tempDir, waitFor } from './support/processes.js';

const IDLE_MS = 20_000;
/** After "worker started", before counting: the start's last statements (first claim, election) are done. */
const SETTLE_MS = 2_000;

let server: EmbeddedServer;
let admin: pg.Client;

/** The server's URL with another database. */
function databaseUrl(name: string): string {
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  const root = new pg.Client({ connectionString: server.url });
  await root.connect();
  await root.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
  // Autovacuum's own transactions are not the worker's statements, but nothing else here.
  await root.query('ALTER SYSTEM SET autovacuum = off');
  await root.end();
  await server.stop();
  await server.start();
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE EXTENSION pg_stat_statements');
  for (const name of ['idle_maintenance', 'idle_plain']) await admin.query(`CREATE DATABASE ${name}`);
}, 60_000);

afterAll(async () => {
  await admin?.end().catch(() => undefined);
  await server?.destroy();
});

afterEach(stopEverything);

interface Counted {
  calls: number;
  query: string;
}

/** Calls of every statement run in `database` so far (the counting queries themselves left out). */
async function statements(database: string): Promise<Map<string, number>> {
  const { rows } = await admin.query<Counted>(
    `SELECT s.calls::int AS calls, s.query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
     WHERE d.datname = $1 AND s.query NOT LIKE '%pg_stat_statements%'`,
    [database],
  );
  const calls = new Map<string, number>();
  for (const row of rows) calls.set(row.query, (calls.get(row.query) ?? 0) + row.calls);
  return calls;
}

/** Statements issued between two counts, by text, most frequent first. */
function delta(before: Map<string, number>, after: Map<string, number>): Counted[] {
  return [...after]
    .map(([query, calls]) => ({ query: query.replace(/\s+/g, ' ').slice(0, 100), calls: calls - (before.get(query) ?? 0) }))
    .filter((row) => row.calls > 0)
    .sort((a, b) => b.calls - a.calls);
}

describe('an idle ordo worker on PostgreSQL', () => {
  it('issues under one statement per second, with maintenance and without, and still starts a new job within 50 ms', async () => {
    const workers = [
      { database: 'idle_maintenance', flags: [] as string[] },
      { database: 'idle_plain', flags: ['--no-maintenance'] },
    ];
    await Promise.all(workers.map(({ database, flags }) => startWorker(databaseUrl(database), TEST_TASKS, flags)));
    await sleep(SETTLE_MS);
    const before = await Promise.all(workers.map(({ database }) => statements(database)));
    await sleep(IDLE_MS);
    const after = await Promise.all(workers.map(({ database }) => statements(database)));

    for (const [i, { database }] of workers.entries()) {
      const issued = delta(before[i]!, after[i]!);
      const total = issued.reduce((sum, row) => sum + row.calls, 0);
      const perSecond = total / (IDLE_MS / 1000);
      expect(perSecond, `${database}: ${total} statements in ${IDLE_MS / 1000} s idle:\n${issued.map((row) => `${row.calls}  ${row.query}`).join('\n')}`).toBeLessThan(1);
    }

    // NOTIFY still wakes the idle workers at once: the claim follows the insert within 50 ms.
    const out = tempDir('ordo-idle-');
    for (const { database } of workers) {
      const ordo = await openDb(databaseUrl(database));
      const { id } = await ordo.enqueue('count.record', { out });
      const reader = new pg.Client({ connectionString: databaseUrl(database) });
      await reader.connect();
      try {
        // Both times are the database's: the insert's statement time and the claim's.
        const ms = await waitFor(`job ${id} of ${database} to start`, async () => {
          const { rows } = await reader.query<{ ms: number | null }>(`SELECT (extract(epoch FROM started_at - created_at) * 1000)::float8 AS ms FROM ordo.jobs WHERE id = $1`, [id]);
          return rows[0]?.ms ?? null;
        });
        expect(ms, `${database}: from insert to claim`).toBeLessThan(50);
      } finally {
        await reader.end();
      }
    }
  }, 90_000);
});
