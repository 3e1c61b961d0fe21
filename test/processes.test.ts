/**
 * Ordo across real OS processes on one SQLite file: `ordo worker` processes started, killed
 * with SIGKILL, stopped with SIGTERM, and three of them sharing ten thousand jobs. The test
 * process only enqueues through the CLI and watches the database.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/types.js';
import type { Ordo } from '../src/client/ordo.js';
import {
  EXAMPLE_TASKS, TEST_TASKS, openDb, recordedIds, runCliOk, startWorker, tempDir, useTempDatabase, waitFor,
} from './support/processes.js';

const temp = useTempDatabase();

/** Enqueues one job per payload through `ordo enqueue -f` (JSON Lines); returns the ids. */
async function enqueueFile(tasks: string, task: string, payloads: object[]): Promise<string[]> {
  const file = join(temp.dir, `${task}-${Date.now()}.jsonl`);
  writeFileSync(file, `${payloads.map((p) => JSON.stringify(p)).join('\n')}\n`);
  return (await runCliOk(['--db', temp.db, '--tasks', tasks, 'enqueue', task, '-f', file])).trim().split('\n');
}

async function allJobs(client: Ordo, total: number): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  for (let offset = 0; offset < total; offset += 1000) jobs.push(...(await client.listJobs({}, { limit: 1000, offset })).jobs);
  return jobs;
}

/** Job ids recorded per worker process: pid → ids, from `<dir>/<prefix><pid>.log`. */
function idsByProcess(dir: string, prefix: string): Map<number, string[]> {
  const byPid = new Map<number, string[]>();
  for (const name of readdirSync(dir).filter((n) => n.startsWith(prefix))) {
    byPid.set(Number(name.slice(prefix.length, -'.log'.length)), readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
  }
  return byPid;
}

/** Resolves once every job of the database is in a terminal state. */
async function waitUntilAllFinished(client: Ordo, timeoutMs: number): Promise<void> {
  await waitFor('every job to finish', async () => {
    const stats = await client.stats();
    return stats.every((s) => s.pending === 0 && s.running === 0);
  }, { timeoutMs, intervalMs: 50 });
}

/** Resolves with the jobs `workerId` runs once it runs exactly `count` of them. */
async function waitForRunning(client: Ordo, workerId: string, count: number): Promise<JobRecord[]> {
  return waitFor(`the first worker to run ${count} jobs`, async () => {
    const { jobs } = await client.listJobs({ state: 'running', workerId });
    return jobs.length === count && jobs;
  }, { intervalMs: 20 });
}

describe('ordo worker processes (sqlite)', () => {
  it('runs a job enqueued from the CLI and records its one attempt', async () => {
    // The worker starts while the job is enqueued: two process start-ups at once, not in turn.
    const [, enqueued] = await Promise.all([
      startWorker(temp.db, EXAMPLE_TASKS, ['--name', 'e2e-worker', '--poll', '100ms']),
      runCliOk(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', '{"email":"a@b.com","message":"hi"}']),
    ]);
    const id = enqueued.trim();
    const client = await openDb(temp.db);
    await waitFor('the job to succeed', async () => (await client.getJob(id))?.state === 'succeeded', { timeoutMs: 15_000, intervalMs: 20 });
    const job = JSON.parse(await runCliOk(['--db', temp.db, 'jobs', 'show', id, '--json'])) as JobRecord;
    expect(job).toMatchObject({ state: 'succeeded', attempt: 1, lockedBy: 'e2e-worker', result: { delivered: true, to: 'a@b.com' }, lastError: null });
    expect(job.attempts).toHaveLength(1);
    const [attempt] = job.attempts;
    expect(attempt).toMatchObject({ attempt: 1, outcome: 'succeeded', worker: 'e2e-worker', result: { delivered: true, to: 'a@b.com' } });
    const started = Date.parse(attempt!.startedAt as unknown as string);
    const finished = Date.parse(attempt!.finishedAt as unknown as string);
    expect(finished - started).toBeGreaterThanOrEqual(150); // the task sleeps 200 ms
    expect(started).toBeGreaterThanOrEqual(Date.parse(job.createdAt as unknown as string));
    expect(attempt!.logs?.map((l) => l.message)).toEqual(['sending 2 characters to a@b.com']);
  });

  /** Writes `files` into a fresh tasks folder outside the repo (no package.json, no ordo import). */
  function scriptsFolder(files: Record<string, string>): string {
    const tasks = join(temp.dir, 'scripts');
    mkdirSync(tasks);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(tasks, name), text);
    return tasks;
  }

  /** Lists the folder's tasks through the CLI, runs one job of each with a worker, returns the jobs. */
  async function runScripts(tasks: string, jobs: Record<string, object>): Promise<Record<string, JobRecord>> {
    const listed = JSON.parse(await runCliOk(['--db', temp.db, '--tasks', tasks, 'tasks', '--json'])) as { name: string }[];
    expect(listed.map((t) => t.name)).toEqual(Object.keys(jobs).sort());
    // The worker starts while the jobs are enqueued, each by a CLI process of its own.
    const entries = Object.entries(jobs);
    const [, ...enqueued] = await Promise.all([
      startWorker(temp.db, tasks, ['--poll', '100ms']),
      ...entries.map(([task, payload]) => enqueueFile(tasks, task, [payload])),
    ]);
    const ids = Object.fromEntries(entries.map(([task], index) => [task, enqueued[index]![0]!]));
    const client = await openDb(temp.db);
    await waitUntilAllFinished(client, 15_000);
    const result: Record<string, JobRecord> = {};
    for (const [task, id] of Object.entries(ids)) result[task] = (await client.getJob(id))!;
    return result;
  }

  const PLAIN_JS = 'export async function double(payload) {\n  return { doubled: payload.n * 2 };\n}\n';
  const PLAIN_TS = 'export function hello(payload: { name: string }): string {\n  return `hello ${payload.name}`;\n}\n';

  it('runs plain exported functions of a .js file outside the repo as module.function', async () => {
    const jobs = await runScripts(scriptsFolder({ 'math.js': PLAIN_JS }), { 'math.double': { n: 21 } });
    expect(jobs['math.double']).toMatchObject({ state: 'succeeded', result: { doubled: 42 } });
  });

  // A .ts file in a folder without package.json (so without `"type": "module"`) must load
  // on Node 20 too, next to a plain .js file.
  it('runs plain exported functions of .ts and .js files outside the repo as module.function', async () => {
    const jobs = await runScripts(scriptsFolder({ 'greet.ts': PLAIN_TS, 'math.js': PLAIN_JS }), { 'greet.hello': { name: 'ordo' }, 'math.double': { n: 21 } });
    expect(jobs['greet.hello']).toMatchObject({ state: 'succeeded', result: 'hello ordo' });
    expect(jobs['math.double']).toMatchObject({ state: 'succeeded', result: { doubled: 42 } });
  });

  it('recovers the jobs of a worker killed with SIGKILL: worker_lost, then succeeded elsewhere', async () => {
    const out = tempDir('ordo-done-');
    // The shortest lease a worker takes: the rescuer waits out one lease before it sweeps.
    // The worker starts while the jobs are enqueued; it claims them once they are in.
    const [ids, doomed] = await Promise.all([
      enqueueFile(TEST_TASKS, 'slow.nap', Array.from({ length: 8 }, () => ({ ms: 1000, out }))),
      startWorker(temp.db, TEST_TASKS, ['--name', 'doomed', '--lease', '1s', '--concurrency', '4', '--poll', '100ms']),
    ]);
    const client = await openDb(temp.db);
    const runningAtKill = await waitForRunning(client, 'doomed', 4);
    doomed.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    await startWorker(temp.db, TEST_TASKS, ['--name', 'rescuer', '--lease', '1s', '--concurrency', '8', '--poll', '100ms']);
    await waitUntilAllFinished(client, 30_000);

    const jobs = await allJobs(client, ids.length);
    expect(jobs).toHaveLength(8);
    for (const job of jobs) expect(job.state, `job ${job.id}`).toBe('succeeded');
    const lost = jobs.filter((job) => job.attempts.some((a) => a.outcome === 'worker_lost'));
    // The kill came within milliseconds of the claim, well inside the 1 s each job takes.
    expect(lost.map((j) => j.id).sort()).toEqual(runningAtKill.map((j) => j.id).sort());
    for (const job of jobs) {
      const expected = lost.includes(job) ? [[1, 'worker_lost', 'doomed'], [2, 'succeeded', 'rescuer']] : [[1, 'succeeded', 'rescuer']];
      expect(job.attempts.map((a) => [a.attempt, a.outcome, a.worker]), `job ${job.id}`).toEqual(expected);
    }
    // Every job ran to the end exactly once: the doomed worker's runs were cut short, and
    // the rescuer ran each job once, whether it had been lost or not.
    const completions = recordedIds(out, 'done-');
    expect([...completions.keys()].sort()).toEqual([...ids].sort());
    expect([...completions].filter(([, count]) => count !== 1), 'jobs that ran to completion more than once').toEqual([]);
  });

  it('on SIGTERM releases running jobs without charging an attempt and exits 0; another worker finishes them', async () => {
    const out = tempDir('ordo-done-');
    // Each job takes 1 s: far longer than noticing two run, the signal and the 300 ms grace.
    const [ids, stopping] = await Promise.all([
      enqueueFile(TEST_TASKS, 'slow.nap', Array.from({ length: 6 }, () => ({ ms: 1000, out }))),
      startWorker(temp.db, TEST_TASKS, ['--name', 'stopping', '--concurrency', '2', '--grace', '300ms', '--poll', '100ms']),
    ]);
    const client = await openDb(temp.db);
    const running = await waitForRunning(client, 'stopping', 2);
    stopping.kill('SIGTERM');
    const exit = await stopping.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain('releasing');

    for (const { id } of running) {
      expect(await client.getJob(id), `released job ${id}`).toMatchObject({ state: 'pending', attempt: 0, attempts: [] });
    }
    expect((await client.stats()).find((s) => s.queue === 'default')).toMatchObject({ pending: 6, running: 0 });

    await startWorker(temp.db, TEST_TASKS, ['--name', 'successor', '--concurrency', '6', '--poll', '100ms']);
    await waitUntilAllFinished(client, 20_000);
    const jobs = await allJobs(client, ids.length);
    for (const job of jobs) {
      expect(job.state, `job ${job.id}`).toBe('succeeded');
      expect(job.attempt, `job ${job.id}`).toBe(1);
      expect(job.attempts.map((a) => [a.attempt, a.outcome, a.worker]), `job ${job.id}`).toEqual([[1, 'succeeded', 'successor']]);
    }
    const completions = recordedIds(out, 'done-');
    expect([...completions.keys()].sort()).toEqual([...ids].sort());
    expect([...completions].filter(([, count]) => count !== 1), 'jobs that ran to completion more than once').toEqual([]);
  });

  it('three worker processes on one SQLite file run 10,000 jobs exactly once', async () => {
    const out = tempDir('ordo-ran-');
    const total = 10_000;
    // All three are up and polling before the jobs exist, so each gets a share however
    // unevenly a loaded machine starts processes.
    const names = ['a', 'b', 'c'].map((n) => `many-${n}`);
    const workers = await Promise.all(names.map((name) => startWorker(temp.db, TEST_TASKS, ['--name', name, '--concurrency', '50', '--poll', '100ms'])));
    const started = Date.now();
    const ids = await enqueueFile(TEST_TASKS, 'count.record', Array.from({ length: total }, () => ({ out })));
    const enqueuedAt = Date.now();
    expect(new Set(ids).size).toBe(total);
    const client = await openDb(temp.db);
    await waitUntilAllFinished(client, 90_000);
    const finishedAt = Date.now();

    const stats = (await client.stats()).find((s) => s.queue === 'default');
    expect(stats).toMatchObject({ pending: 0, running: 0, succeeded: total, failed: 0, cancelled: 0 });
    const ran = recordedIds(out, 'ran-');
    expect(ran.size).toBe(total);
    const twice = [...ran].filter(([, count]) => count !== 1);
    expect(twice, 'jobs that ran more than once').toEqual([]);
    expect([...ran.keys()].sort()).toEqual([...ids].sort());
    // Each job's row names the worker, and its result the process, that wrote its file line.
    const nameOfPid = new Map(workers.map((w, i) => [w.pid, names[i]!]));
    const fileOf = new Map<string, number>();
    for (const [pid, ranIds] of idsByProcess(out, 'ran-')) for (const id of ranIds) fileOf.set(id, pid);
    const byWorker: Record<string, number> = {};
    for (const job of await allJobs(client, total)) {
      expect(job.attempts.map((a) => [a.attempt, a.outcome, a.worker]), `job ${job.id}`).toEqual([[1, 'succeeded', job.lockedBy]]);
      const pid = (job.result as { pid?: number } | null)?.pid;
      expect(pid, `job ${job.id}`).toBe(fileOf.get(job.id));
      expect(nameOfPid.get(pid!), `job ${job.id}`).toBe(job.lockedBy);
      byWorker[job.lockedBy!] = (byWorker[job.lockedBy!] ?? 0) + 1;
    }
    for (const name of names) expect(byWorker[name], `jobs run by ${name}`).toBeGreaterThan(0);
    for (const w of workers) expect(w.running, `worker ${w.args.join(' ')} is still running`).toBe(true);
    console.log(
      `10,000 jobs, 3 worker processes (sqlite): enqueue ${enqueuedAt - started} ms (CLI start-up included), ` +
        `enqueue-to-all-done ${finishedAt - started} ms = ${Math.round(total / ((finishedAt - started) / 1000))} jobs/s; per worker ${JSON.stringify(byWorker)}`,
    );
  });
});
