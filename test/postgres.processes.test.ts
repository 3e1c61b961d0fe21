/**
 * Ordo on PostgreSQL across real OS processes: `ordo worker` processes (the built CLI, so
 * `npm run build` first) sharing twenty thousand jobs, one of them killed with SIGKILL, the
 * server itself restarted under them, an idle worker woken by LISTEN/NOTIFY, and jobs
 * enqueued in the caller's own transaction. Each test has a schema of its own on the shared
 * test server; the restart test has a private server. The test process enqueues through the
 * TypeScript client and reads the database directly to check what happened.
 *
 * Exactly-once is proven outside the database: the test tasks append the job id to a file
 * per worker process (`count.record` → `ran-<pid>.log`, `slow.nap` → `done-<pid>.log`), so a
 * job that ran twice shows up twice, whatever the job rows say.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedPostgres } from './support/global-setup.js';
import { admin, freshSchema, testUrl } from './support/postgres.js';
import { sleep } from './support/wait.js';
import { TEST_TASKS, openDb, recordedIds, startWorker, stopEverything, tempDir, waitFor, type CliProcess } from './support/processes.js';

const schemas: string[] = [];
const clients: pg.Client[] = [];
/**
 * The restart test's private server, started with the file: its initdb (about 1.5 s) runs
 * while the tests before it do, instead of in front of the restart test.
 */
let privateServer: Promise<EmbeddedServer> | null = null;

beforeAll(() => {
  privateServer = startEmbeddedPostgres();
  privateServer.catch(() => undefined); // reported by the test that awaits it
});

afterAll(async () => {
  await (await privateServer?.catch(() => null))?.destroy();
});

afterEach(async () => {
  await stopEverything();
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
  for (const schema of schemas.splice(0)) await admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
});

/** A schema of the shared test server, dropped after the test. */
function schemaForTest(prefix: string): string {
  const schema = freshSchema(prefix);
  schemas.push(schema);
  return schema;
}

/** A connection of the test's own, closed after the test; errors (a server restart) are ignored. */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

/** `ordo worker` on a PostgreSQL schema with the test tasks. */
function worker(url: string, schema: string, name: string, flags: readonly string[] = []): Promise<CliProcess> {
  return startWorker(url, TEST_TASKS, ['--schema', schema, '--name', name, ...flags]);
}

/** Runs one statement and returns its rows: `admin` on the shared server, or a test's own client. */
type Query = <R>(text: string, values?: unknown[]) => Promise<R[]>;

const shared: Query = (text, values) => admin(text, values);
const on = (client: pg.Client): Query => async <R>(text: string, values?: unknown[]) => (await client.query(text, values)).rows as R[];

interface JobRow {
  id: string;
  state: string;
  locked_by: string | null;
  /** The worker process that ran the job's last attempt, from its result. */
  pid: string | null;
  /** `[attempt, outcome, worker]` of every finished attempt. */
  attempts: [number, string, string][];
}

function jobRows(query: Query, schema: string): Promise<JobRow[]> {
  return query(`
    SELECT id::text, state, locked_by, result->>'pid' AS pid,
           (SELECT coalesce(jsonb_agg(jsonb_build_array(a->'attempt', a->'outcome', a->'worker')), '[]')
            FROM jsonb_array_elements(attempts) AS a) AS attempts
    FROM "${schema}".jobs ORDER BY id`);
}

/** Counts per state of one schema's jobs, e.g. `{ succeeded: 20 }`. */
async function stateCounts(query: Query, schema: string): Promise<Record<string, number>> {
  const rows = await query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM "${schema}".jobs GROUP BY state`);
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

/** Resolves once no job of the schema is pending or running. */
async function allFinished(query: Query, schema: string, timeoutMs: number): Promise<void> {
  await waitFor('every job to finish', async () => {
    const counts = await stateCounts(query, schema);
    return (counts.pending ?? 0) + (counts.running ?? 0) === 0;
  }, { timeoutMs, intervalMs: 50 });
}

/** Job ids recorded per worker process: pid → ids, from `<dir>/<prefix><pid>.log`. */
function idsByProcess(dir: string, prefix: string): Map<number, string[]> {
  const byPid = new Map<number, string[]>();
  for (const name of readdirSync(dir).filter((n) => n.startsWith(prefix))) {
    byPid.set(Number(name.slice(prefix.length, -'.log'.length)), readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
  }
  return byPid;
}

/**
 * A worker's log after an outage must stay readable: it names the problem in a few one-line
 * warnings (logged on the first failure and every 20th), and prints no stack traces.
 */
function expectQuietOutageLog(w: CliProcess): number {
  const mentions = w.stderr.split('\n').filter((line) => /unavailable|ECONNREFUSED|ECONNRESET|terminat|shut ?down|57P0|could not record/i.test(line));
  expect(w.stderr).toMatch(/database unavailable|could not record job results/);
  expect(mentions.length, w.stderr).toBeLessThanOrEqual(20);
  // Raw or JSON-escaped, a stack frame is a line break, spaces and "at ".
  expect(w.stderr, 'stack frames in the worker log').not.toMatch(/(\n|\\n)\s*at \S/);
  return mentions.length;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * After a restart: how long until the first result is recorded (possibly one that finished
 * during the outage and waited in the worker) and until a job claimed after the restart
 * succeeds (the workers are really back at work). Milliseconds from `restartedAt`.
 */
async function measureResume(query: Query, schema: string, doneBefore: number, restartedAt: number): Promise<{ firstRecordMs: number; firstFreshMs: number }> {
  const [{ now }] = (await query<{ now: Date }>('SELECT now()')) as [{ now: Date }];
  let firstRecordMs = -1;
  const firstFreshMs = await waitFor('a job claimed after the restart to succeed', async () => {
    const [row] = await query<{ done: number; fresh: number }>(
      `SELECT count(*) FILTER (WHERE state = 'succeeded')::int AS done,
              count(*) FILTER (WHERE state = 'succeeded' AND started_at >= $1)::int AS fresh
       FROM "${schema}".jobs`,
      [now],
    );
    if (firstRecordMs < 0 && row!.done > doneBefore) firstRecordMs = Date.now() - restartedAt;
    return row!.fresh > 0 && Math.max(1, Date.now() - restartedAt);
  }, { timeoutMs: 20_000, intervalMs: 20 });
  return { firstRecordMs, firstFreshMs };
}

describe('ordo worker processes (postgres)', () => {
  it('four worker processes run 20,000 jobs, each exactly once', async () => {
    const url = testUrl();
    const schema = schemaForTest('many');
    const out = tempDir('ordo-ran-');
    const total = 20_000;
    const names = ['a', 'b', 'c', 'd'].map((n) => `many-${n}`);
    const bootStart = Date.now();
    const workers = await Promise.all(names.map((name) => worker(url, schema, name, ['--concurrency', '50'])));
    const booted = Date.now();
    const client = await openDb(url, { schema });
    const enqueueStart = Date.now();
    const ids = (await client.enqueueMany(Array.from({ length: total }, () => ({ task: 'count.record', payload: { out } })))).map((r) => r.id);
    const enqueued = Date.now();
    await allFinished(shared, schema, 90_000);
    const finished = Date.now();

    expect(new Set(ids).size).toBe(total);
    expect(await stateCounts(shared, schema)).toEqual({ succeeded: total });
    const ran = recordedIds(out, 'ran-');
    expect([...ran].filter(([, count]) => count !== 1), 'jobs that ran more than once').toEqual([]);
    expect([...ran.keys()].sort()).toEqual([...ids].sort());
    // Each job's row names the worker, and its result the process, that wrote its file line.
    const nameOfPid = new Map(workers.map((w, i) => [w.pid, names[i]!]));
    const fileOf = new Map<string, number>();
    for (const [pid, ranIds] of idsByProcess(out, 'ran-')) for (const id of ranIds) fileOf.set(id, pid);
    const perWorker: Record<string, number> = {};
    for (const row of await jobRows(shared, schema)) {
      expect(row.attempts, `job ${row.id}`).toEqual([[1, 'succeeded', row.locked_by]]);
      expect(Number(row.pid), `job ${row.id}`).toBe(fileOf.get(row.id));
      expect(nameOfPid.get(Number(row.pid)), `job ${row.id}`).toBe(row.locked_by);
      perWorker[row.locked_by!] = (perWorker[row.locked_by!] ?? 0) + 1;
    }
    for (const name of names) expect(perWorker[name], `jobs run by ${name}`).toBeGreaterThan(0);
    const runMs = finished - enqueueStart;
    console.log(
      `[pg e2e] 20,000 jobs, 4 worker processes: workers up in ${booted - bootStart} ms, enqueue ${enqueued - enqueueStart} ms, ` +
        `enqueue-to-all-done ${runMs} ms = ${Math.round(total / (runMs / 1000))} jobs/s; per worker ${JSON.stringify(perWorker)}`,
    );
  });

  it('recovers the jobs of a worker killed with SIGKILL: worker_lost, then succeeded elsewhere', async () => {
    const url = testUrl();
    const schema = schemaForTest('kill');
    const out = tempDir('ordo-done-');
    // The shortest lease a worker takes: the rescuer waits out one lease before it sweeps.
    const flags = ['--lease', '1s', '--concurrency', '4'];
    const [doomed, ...survivors] = await Promise.all(['doomed', 'keep-a', 'keep-b'].map((name) => worker(url, schema, name, flags)));
    const client = await openDb(url, { schema });
    const ids = (await client.enqueueMany(Array.from({ length: 24 }, () => ({ task: 'slow.nap', payload: { ms: 500, out } })))).map((r) => r.id);
    const heldBy = async (name: string): Promise<string[]> => (await client.listJobs({ state: 'running', workerId: name })).jobs.map((job) => job.id).sort();
    await waitFor('the doomed worker to run 4 jobs', async () => (await heldBy('doomed')).length === 4, { intervalMs: 20 });
    doomed!.kill('SIGKILL');
    expect((await doomed!.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();
    // What the dead process held: nothing can change these rows now but the rescuer.
    const held = await heldBy('doomed');
    expect(held.length).toBeGreaterThan(0);
    await allFinished(shared, schema, 30_000);
    const recoveredAt = Date.now();

    expect(await stateCounts(shared, schema)).toEqual({ succeeded: ids.length });
    const rows = await jobRows(shared, schema);
    const lost = rows.filter((row) => row.attempts.some(([, outcome]) => outcome === 'worker_lost'));
    expect(lost.map((row) => row.id).sort()).toEqual(held);
    for (const row of rows) {
      const wasHeld = held.includes(row.id);
      const expected = wasHeld ? [[1, 'worker_lost', 'doomed'], [2, 'succeeded', row.locked_by]] : [[1, 'succeeded', row.locked_by]];
      expect(row.attempts, `job ${row.id}`).toEqual(expected);
      if (wasHeld) expect(['keep-a', 'keep-b'], `job ${row.id}`).toContain(row.locked_by);
    }
    // Nothing lost: every job ran to the end somewhere; the survivors ran none twice.
    expect([...recordedIds(out, 'done-').keys()].sort()).toEqual([...ids].sort());
    const bySurvivors = [...idsByProcess(out, 'done-')].filter(([pid]) => pid !== doomed!.pid).flatMap(([, done]) => done);
    expect(bySurvivors.length).toBe(new Set(bySurvivors).size);
    for (const survivor of survivors) expect(survivor.running).toBe(true);
    console.log(`[pg e2e] kill -9 with 1 s lease: ${held.length} jobs held by the dead worker; all ${ids.length} jobs done ${recoveredAt - killedAt} ms after the kill`);
  });

  it('carries on after a PostgreSQL restart: nothing lost, nothing run twice, one-line warnings', async () => {
    const server = await privateServer!;
    const { url } = server;
    const schema = freshSchema('restart');
    const out = tempDir('ordo-done-');
    const workers = await Promise.all(['r-a', 'r-b'].map((name) => worker(url, schema, name, ['--concurrency', '5'])));
    const client = await openDb(url, { schema });
    // Enough 200 ms jobs to keep both workers busy before the outage and after it.
    const total = 102;
    await client.enqueueMany(Array.from({ length: total - 2 }, () => ({ task: 'slow.nap', payload: { ms: 200, out } })));
    const before = on(await connect(url));
    await waitFor('both workers to be busy', async () => {
      const counts = await stateCounts(before, schema);
      return (counts.succeeded ?? 0) >= 20 && (counts.running ?? 0) >= 8;
    }, { intervalMs: 20 });
    // Two jobs that run right through the outage: their results can only be recorded after it.
    const long = { task: 'slow.nap', payload: { ms: 3000, out }, options: { priority: -1 } };
    const spanning = (await client.enqueueMany([long, long])).map((r) => r.id);
    await waitFor('the long jobs to start', async () => (await client.listJobs({ state: 'running' }, { limit: 20 })).jobs.filter((job) => spanning.includes(job.id)).length === 2, { intervalMs: 20 });
    const doneBefore = (await stateCounts(before, schema)).succeeded ?? 0;

    const stopAt = Date.now();
    await server.stop();
    await sleep(Math.max(0, 1000 - (Date.now() - stopAt)));
    await server.start();
    const restartedAt = Date.now();
    const after = on(await connect(url));
    const [{ now: restartDbTime }] = (await after<{ now: Date }>('SELECT now()')) as [{ now: Date }];
    const { firstRecordMs, firstFreshMs } = await measureResume(after, schema, doneBefore, restartedAt);
    await allFinished(after, schema, 40_000);
    const allDoneMs = Date.now() - restartedAt;

    expect(await stateCounts(after, schema)).toEqual({ succeeded: total });
    // The outage (~1 s) was far shorter than the 30 s lease: no job was taken over.
    for (const row of await jobRows(after, schema)) expect(row.attempts, `job ${row.id}`).toEqual([[1, 'succeeded', row.locked_by]]);
    const spans = await after<{ across: boolean }>(
      `SELECT started_at < $2 AND finished_at > $2 AS across FROM "${schema}".jobs WHERE id = ANY($1::bigint[])`,
      [spanning, restartDbTime],
    );
    expect(spans.map((row) => row.across), 'long jobs started before the restart and finished after it').toEqual([true, true]);
    const done = recordedIds(out, 'done-');
    expect(done.size).toBe(total);
    expect([...done].filter(([, count]) => count !== 1), 'jobs that ran to completion twice').toEqual([]);
    expect(firstFreshMs).toBeLessThan(10_000);
    for (const w of workers) expect(w.running, `worker ${w.args.join(' ')} is still running`).toBe(true);
    const warnings = workers.map(expectQuietOutageLog);
    console.log(
      `[pg e2e] restart: outage ${restartedAt - stopAt} ms (stop + 1 s + start); after it was back: first result recorded in ${firstRecordMs} ms, ` +
        `first newly claimed job done in ${firstFreshMs} ms, all ${total} jobs done in ${allDoneMs} ms; outage log lines per worker ${JSON.stringify(warnings)}`,
    );
  });

  it('wakes an idle worker within milliseconds of an enqueue (LISTEN/NOTIFY)', async () => {
    const url = testUrl();
    const schema = schemaForTest('wake');
    const out = tempDir('ordo-ran-');
    // The 1 s poll is the fallback; a median well under it can only come from NOTIFY.
    await worker(url, schema, 'idle', ['--poll', '1s']);
    const client = await openDb(url, { schema });
    const runOne = async (): Promise<string> => {
      const { id } = await client.enqueue('count.record', { out });
      await waitFor(`job ${id} to succeed`, async () => (await client.getJob(id))?.state === 'succeeded', { timeoutMs: 5_000, intervalMs: 2 });
      return id;
    };
    await runOne(); // warm-up: the worker's LISTEN connection and prepared statements are in place
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await runOne());

    const rows = await admin<{ ms: number }>(
      `SELECT (extract(epoch FROM started_at - created_at) * 1000)::float8 AS ms FROM "${schema}".jobs WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    expect(rows).toHaveLength(50);
    const sorted = rows.map((row) => row.ms).sort((a, b) => a - b);
    const median = percentile(sorted, 50);
    console.log(`[pg e2e] idle wake-up, createdAt → startedAt (database clock) over 50 jobs: median ${median.toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`);
    expect(median).toBeLessThan(50);
  });

  it('enqueues inside the caller\'s transaction: a rolled-back job never exists, a committed one runs', async () => {
    const url = testUrl();
    const schema = schemaForTest('tx');
    const out = tempDir('ordo-ran-');
    await worker(url, schema, 'tx-worker');
    const ordo = await openDb(url, { schema });
    const tx = await connect(url);

    await tx.query('BEGIN');
    const rolledBack = await ordo.enqueue('count.record', { out }, { tx });
    await tx.query('ROLLBACK');

    await tx.query('BEGIN');
    const committed = await ordo.enqueue('count.record', { out }, { tx });
    await sleep(300); // the worker is listening and polling: it must not see the job yet
    expect(await ordo.getJob(committed.id), 'a job of an open transaction').toBeNull();
    await tx.query('COMMIT');
    const committedAt = Date.now();
    await waitFor('the committed job to succeed', async () => (await ordo.getJob(committed.id))?.state === 'succeeded', { timeoutMs: 5_000, intervalMs: 5 });
    const ranAfterMs = Date.now() - committedAt;

    expect(rolledBack.id).not.toBe(committed.id);
    expect(await ordo.getJob(rolledBack.id)).toBeNull();
    expect((await ordo.listJobs()).jobs.map((job) => job.id)).toEqual([committed.id]);
    // The rolled-back job came first in id order: had it existed, the worker would have run it first.
    expect([...recordedIds(out, 'ran-')]).toEqual([[committed.id, 1]]);
    console.log(`[pg e2e] transactional enqueue: committed job done ${ranAfterMs} ms after COMMIT`);
  });
});
