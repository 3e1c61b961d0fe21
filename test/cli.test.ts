/**
 * The command line as a user sees it, run in-process through `main(args, io)` with captured
 * output, on a temp SQLite file, with the example tasks. Asserts what is printed, the exit
 * codes (2 bad input, 3 not found, 5 not possible in the job's state) and what ends up in
 * the database. Workers run as real processes (`cli.process.test.ts` covers what needs one).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobRecord, QueueStats, WorkerRecord } from '../src/core/types.js';
import { runMain, runMainOk } from './support/cli-run.js';
import { EXAMPLE_TASKS, openDb, startWorker, useTempDatabase, waitFor, type CliResult } from './support/processes.js';

const temp = useTempDatabase();

/** `ordo --db DB --tasks examples/tasks ARGS...` */
function ordo(...args: string[]): Promise<CliResult> {
  return runMain(['--db', temp.db, '--tasks', EXAMPLE_TASKS, ...args]);
}

async function ordoOk(...args: string[]): Promise<string> {
  return runMainOk(['--db', temp.db, '--tasks', EXAMPLE_TASKS, ...args]);
}

async function showJob(id: string): Promise<JobRecord> {
  return JSON.parse(await ordoOk('jobs', 'show', id, '--json')) as JobRecord;
}

async function listJobs(...filters: string[]): Promise<{ jobs: JobRecord[]; total: number }> {
  return JSON.parse(await ordoOk('jobs', 'list', '--json', ...filters)) as { jobs: JobRecord[]; total: number };
}

const EMAIL = '{"email":"a@b.com","message":"hi"}';

describe('ordo enqueue', () => {
  it('prints the new job id, and the job is pending with its payload', async () => {
    const out = await ordoOk('enqueue', 'send_email', EMAIL);
    expect(out).toMatch(/^\d+\n$/);
    const job = await showJob(out.trim());
    expect(job).toMatchObject({ id: out.trim(), task: 'send_email', queue: 'default', state: 'pending', attempt: 0, payload: { email: 'a@b.com', message: 'hi' } });
  });

  it('joins a payload the shell split into several tokens, also after --', async () => {
    const split = await ordoOk('enqueue', 'send_email', '{"email":', '"a@b.com",', '"message":"hi', 'there"}');
    const dashed = await ordoOk('enqueue', 'send_email', '--', '{"email":"c@d.com",', '"message":"yo"}');
    expect((await showJob(split.trim())).payload).toEqual({ email: 'a@b.com', message: 'hi there' });
    expect((await showJob(dashed.trim())).payload).toEqual({ email: 'c@d.com', message: 'yo' });
  });

  it('-f reads one JSON object spread over several lines', async () => {
    const file = join(temp.dir, 'one.json');
    writeFileSync(file, '{\n  "email": "a@b.com",\n  "message": "hi"\n}\n');
    const out = await ordoOk('enqueue', 'send_email', '-f', file);
    expect(out).toMatch(/^\d+\n$/);
    expect((await showJob(out.trim())).payload).toEqual({ email: 'a@b.com', message: 'hi' });
  });

  it('-f reads JSON Lines: prints one id per line and inserts every job in order', async () => {
    const file = join(temp.dir, 'jobs.jsonl');
    writeFileSync(file, ['{"email":"1@b.com","message":"one"}', '', '{"email":"2@b.com","message":"two"}', '{"email":"3@b.com","message":"three"}', ''].join('\n'));
    const ids = (await ordoOk('enqueue', 'send_email', '-f', file)).trim().split('\n');
    expect(ids).toHaveLength(3);
    const { jobs, total } = await listJobs();
    expect(total).toBe(3);
    expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(ids.map((id) => (byId.get(id)!.payload as { message: string }).message)).toEqual(['one', 'two', 'three']);
  });

  it('-f with a line that is not JSON fails naming that line and inserts nothing', async () => {
    const file = join(temp.dir, 'bad.jsonl');
    writeFileSync(file, ['{"email":"1@b.com","message":"one"}', '{"email":"2@b.com","message":"two"}', '{"email": "3@b.com",', '{"email":"4@b.com","message":"four"}'].join('\n'));
    const result = await ordo('enqueue', 'send_email', '-f', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 3');
    expect(result.stdout).toBe('');
    expect((await listJobs()).total).toBe(0);
  });

  it('-f with a line that breaks the task schema fails naming that line and the field, and inserts nothing', async () => {
    const file = join(temp.dir, 'schema.jsonl');
    writeFileSync(file, ['{"email":"1@b.com","message":"one"}', '', '{"email":"2@b.com","message":"two"}', '{"email":"not-an-email","message":"four"}'].join('\n'));
    const result = await ordo('enqueue', 'send_email', '-f', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 4');
    expect(result.stderr).toContain('email');
    expect((await listJobs()).total).toBe(0);
  });

  it('-f with more lines than one insert takes still inserts nothing when the last line is bad', async () => {
    const file = join(temp.dir, 'long.jsonl');
    const lines = Array.from({ length: 2_500 }, (_, i) => JSON.stringify({ email: `u${i}@b.com`, message: `m${i}` }));
    lines.push('{"email":"nope","message":"last"}');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const result = await ordo('enqueue', 'send_email', '-f', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 2501');
    expect((await listJobs()).total).toBe(0);
  });

  it('refuses a payload that is not JSON, naming the problem and the expected form', async () => {
    const result = await ordo('enqueue', 'send_email', 'not json');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('payload');
    expect(result.stderr).toContain('not valid JSON');
    expect(result.stderr).toContain('JSON object');
    expect((await listJobs()).total).toBe(0);
  });

  it('refuses a JSON payload that is not an object', async () => {
    const result = await ordo('enqueue', 'send_email', '[1,2]');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('payload');
    expect(result.stderr).toContain('array');
    expect(result.stderr).toContain('JSON object');
    expect((await listJobs()).total).toBe(0);
  });

  it('refuses a payload that breaks the task schema, naming the field', async () => {
    const result = await ordo('enqueue', 'send_email', '{"email":"not-an-email","message":"hi"}');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/email: .*invalid/i);
    expect((await listJobs()).total).toBe(0);
  });

  it('--delay 2h10m20s makes the job due that far ahead', async () => {
    const before = Date.now();
    const id = (await ordoOk('enqueue', 'send_email', EMAIL, '--delay', '2h10m20s')).trim();
    const job = await showJob(id);
    const delay = (2 * 3600 + 10 * 60 + 20) * 1000;
    expect(new Date(job.runAt).getTime() - new Date(job.createdAt).getTime()).toBe(delay);
    expect(new Date(job.runAt).getTime()).toBeGreaterThanOrEqual(before + delay);
    expect(new Date(job.runAt).getTime()).toBeLessThan(Date.now() + delay + 1_000);
    expect(job.state).toBe('pending');
  });

  it('--at takes an ISO time and epoch seconds', async () => {
    const iso = (await ordoOk('enqueue', 'send_email', EMAIL, '--at', '2031-02-03T04:05:06Z')).trim();
    const epoch = (await ordoOk('enqueue', 'send_email', EMAIL, '--at', '1956528000')).trim();
    expect((await showJob(iso)).runAt).toBe('2031-02-03T04:05:06.000Z');
    expect((await showJob(epoch)).runAt).toBe(new Date(1956528000 * 1000).toISOString());
  });

  it('refuses a bad --delay, --at or --priority with exit 2, naming the option', async () => {
    const delay = await ordo('enqueue', 'send_email', EMAIL, '--delay', '5x');
    expect(delay.code).toBe(2);
    expect(delay.stderr).toContain('delay');
    expect(delay.stderr).toContain('"5x"');
    expect(delay.stderr).toContain('2h10m20s');
    const at = await ordo('enqueue', 'send_email', EMAIL, '--at', 'tomorrow');
    expect(at.code).toBe(2);
    expect(at.stderr).toContain('--at');
    const priority = await ordo('enqueue', 'send_email', EMAIL, '--priority', 'abc');
    expect(priority.code).toBe(2);
    expect(priority.stderr).toContain('--priority');
    expect(priority.stderr).toContain('abc');
    expect((await listJobs()).total).toBe(0);
  });

  it('--queue, --priority and --max-attempts end up on the job', async () => {
    const id = (await ordoOk('enqueue', 'send_email', EMAIL, '--queue', 'high', '--priority', '-3', '--max-attempts', '2')).trim();
    expect(await showJob(id)).toMatchObject({ queue: 'high', priority: -3, maxAttempts: 2 });
  });
});

describe('ordo jobs', () => {
  it('show of a job that does not exist exits 3; of a bad id, 2', async () => {
    const missing = await ordo('jobs', 'show', '999');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('999');
    expect(missing.stderr).toContain('does not exist');
    expect((await ordo('jobs', 'show', 'abc')).code).toBe(2);
  });

  it('read commands refuse a database that does not exist, naming it, and create nothing', async () => {
    const typo = join(temp.dir, 'typo', 'ordo.db');
    for (const args of [['jobs', 'list'], ['jobs', 'show', '1'], ['queues', 'stats'], ['workers']]) {
      const result = await runMain(['--db', typo, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(typo);
      expect(result.stderr).toContain('does not exist');
      expect(result.stderr).toContain('--db');
    }
    expect(existsSync(join(temp.dir, 'typo'))).toBe(false);
    const scheme = await runMain(['--db', 'mysql://host/db', 'jobs', 'list']);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('mysql:// is not supported');
  });

  it('list --json gives the jobs newest first with a total; --state filters', async () => {
    const first = (await ordoOk('enqueue', 'send_email', EMAIL)).trim();
    const second = (await ordoOk('enqueue', 'generate_report', '{"title":"weekly","rows":3}')).trim();
    const page = await listJobs();
    expect(page.total).toBe(2);
    expect(page.jobs.map((j) => j.id)).toEqual([second, first]);
    expect(page.jobs[0]).toMatchObject({ task: 'generate_report', queue: 'low', payload: { title: 'weekly', rows: 3 } });
    expect((await listJobs('--state', 'failed')).total).toBe(0);
    expect((await listJobs('--queue', 'low')).jobs.map((j) => j.id)).toEqual([second]);
    const bad = await ordo('jobs', 'list', '--state', 'broken');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('state');
  });

  it('cancel ends a pending job at once; cancelling a missing job exits 3', async () => {
    const id = (await ordoOk('enqueue', 'send_email', EMAIL)).trim();
    expect(await ordoOk('jobs', 'cancel', id)).toContain('cancelled');
    expect((await showJob(id)).state).toBe('cancelled');
    expect((await listJobs('--state', 'cancelled')).jobs.map((j) => j.id)).toEqual([id]);
    expect((await ordo('jobs', 'cancel', '999')).code).toBe(3);
  });

  it('a job that fails shows up under --state failed, with its attempt; workers lists the worker', async () => {
    expect(JSON.parse(await ordoOk('workers', '--json'))).toEqual([]);
    const id = (await ordoOk('enqueue', 'flaky_sync', '{"source":"crm"}', '--max-attempts', '1')).trim();
    const worker = await startWorker(temp.db, EXAMPLE_TASKS, ['--queues', 'high', '--name', 'cli-worker', '--poll', '100ms']);
    const client = await openDb(temp.db);
    await waitFor('the job to fail', async () => (await client.getJob(id))?.state === 'failed');
    const failed = await listJobs('--state', 'failed');
    expect(failed.jobs.map((j) => j.id)).toEqual([id]);
    expect(failed.jobs[0]!.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'failed', worker: 'cli-worker' })]);
    expect(failed.jobs[0]!.lastError?.message).toContain('upstream crm unavailable');
    const workers = JSON.parse(await ordoOk('workers', '--json')) as WorkerRecord[];
    expect(workers).toEqual([expect.objectContaining({ id: 'cli-worker', status: 'alive', queues: ['high'], pid: worker.pid })]);
    // The table shows the liveness: status, and how long ago the last heartbeat was.
    const table = (await ordoOk('workers')).split('\n');
    expect(table[0]).toMatch(/^ID\s+STATUS\s+HEARTBEAT\s+QUEUES\s+RUNNING/);
    expect(table[1]).toMatch(/^cli-worker\s+alive\s+\d+(ms|s) ago \(liveness \d+s\)\s+high\s+0\/10/);
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect((JSON.parse(await ordoOk('workers', '--json')) as WorkerRecord[])[0]).toMatchObject({ id: 'cli-worker', status: 'stopped' });
    expect((await ordoOk('workers')).split('\n')[1]).toMatch(/^cli-worker\s+stopped\s+\d+(ms|s) ago\s+high/);
  });
});

describe('ordo jobs cancel and retry: the rules of the client', () => {
  it('cancelling twice says the job is already cancelled (exit 0), not that cancellation was requested', async () => {
    const id = (await ordoOk('enqueue', 'send_email', EMAIL)).trim();
    expect(await ordoOk('jobs', 'cancel', id)).toBe(`job ${id}: cancelled\n`);
    const again = await ordo('jobs', 'cancel', id);
    expect(again).toMatchObject({ code: 0, stdout: `job ${id}: already cancelled\n` });
    expect(again.stdout).not.toContain('requested');
  });

  it('a running job: cancellation requested, then already requested', async () => {
    const id = (await ordoOk('enqueue', 'send_email', EMAIL)).trim();
    const client = await openDb(temp.db);
    expect((await client.store.jobClaim({ workerId: 'w1', queues: ['default'], limit: 1, leaseMs: 30_000 })).map((j) => j.id)).toEqual([id]);
    expect(await ordoOk('jobs', 'cancel', id)).toBe(`job ${id}: cancellation requested; its worker aborts it\n`);
    expect(await ordoOk('jobs', 'cancel', id)).toBe(`job ${id}: cancellation already requested; its worker aborts it\n`);
    expect(await showJob(id)).toMatchObject({ state: 'running', cancelRequested: true });
  });

  it('cancelling a finished job and retrying a pending one are conflicts (exit 5); retrying a cancelled one works', async () => {
    const id = (await ordoOk('enqueue', 'send_email', EMAIL)).trim();
    const pending = await ordo('jobs', 'retry', id);
    expect(pending.code).toBe(5);
    expect(pending.stderr).toBe(`ordo: job ${id} is pending; only failed or cancelled jobs can be retried\n`);
    await ordoOk('jobs', 'cancel', id);
    expect(await ordoOk('jobs', 'retry', id)).toBe(`job ${id}: pending again\n`);
    expect((await showJob(id)).state).toBe('pending');
    const client = await openDb(temp.db);
    const [job] = await client.store.jobClaim({ workerId: 'w1', queues: ['default'], limit: 1, leaseMs: 30_000 });
    const now = new Date();
    await client.store.jobFinishMany({ finishes: [{ id, attempt: job!.attempt, workerId: 'w1', state: 'succeeded', outcome: 'succeeded', startedAt: now, finishedAt: now }] });
    const ended = await ordo('jobs', 'cancel', id);
    expect(ended.code).toBe(5);
    expect(ended.stderr).toContain(`job ${id} already ended (succeeded)`);
    expect((await ordo('jobs', 'retry', '999')).code).toBe(3);
  });

  it('--delay and --timeout need a unit: a bare number is refused (exit 2) asking for one', async () => {
    for (const [flag, value] of [['--delay', '5'], ['--timeout', '30']] as const) {
      const result = await ordo('enqueue', 'send_email', EMAIL, flag, value);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${flag}: expected a duration with a unit such as 5s, 5m or 500ms, received string "${value}"`);
      expect(result.stderr).toContain(`${value}s, ${value}m or ${value}ms`);
    }
    expect((await listJobs()).total).toBe(0);
    const id = (await ordoOk('enqueue', 'send_email', EMAIL, '--delay', '500ms')).trim();
    const job = await showJob(id);
    expect(new Date(job.runAt).getTime() - new Date(job.createdAt).getTime()).toBe(500);
  });

  it('-f - reads the payloads from standard input', async () => {
    const stdin = '{"email":"1@b.com","message":"one"}\n{"email":"2@b.com","message":"two"}\n';
    const ids = (await runMainOk(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', '-f', '-'], { stdin })).trim().split('\n');
    expect(ids).toHaveLength(2);
    expect((await showJob(ids[1]!)).payload).toEqual({ email: '2@b.com', message: 'two' });
  });
});

describe('ordo queues', () => {
  async function stats(): Promise<Map<string, QueueStats>> {
    const list = JSON.parse(await ordoOk('queues', 'stats', '--json')) as QueueStats[];
    return new Map(list.map((s) => [s.queue, s]));
  }

  it('stats --json counts jobs per queue and state', async () => {
    await ordoOk('enqueue', 'send_email', EMAIL);
    const cancel = (await ordoOk('enqueue', 'send_email', EMAIL)).trim();
    await ordoOk('enqueue', 'send_email', EMAIL, '--delay', '1h');
    await ordoOk('enqueue', 'generate_report', '{}');
    await ordoOk('jobs', 'cancel', cancel);
    const all = await stats();
    expect(all.get('default')).toMatchObject({ paused: false, pending: 2, due: 1, running: 0, succeeded: 0, failed: 0, cancelled: 1 });
    expect(all.get('low')).toMatchObject({ paused: false, pending: 1, due: 1, cancelled: 0 });
  });

  it('pause and resume flip the paused flag; clean deletes only pending jobs', async () => {
    await ordoOk('enqueue', 'generate_report', '{}');
    await ordoOk('enqueue', 'generate_report', '{}');
    const cancelled = (await ordoOk('enqueue', 'generate_report', '{}')).trim();
    await ordoOk('jobs', 'cancel', cancelled);
    expect(await ordoOk('queues', 'pause', 'low')).toContain('paused');
    expect((await stats()).get('low')!.paused).toBe(true);
    expect(await ordoOk('queues', 'resume', 'low')).toContain('resumed');
    expect((await stats()).get('low')!.paused).toBe(false);
    expect(JSON.parse(await ordoOk('queues', 'clean', 'low', '--json'))).toEqual({ queue: 'low', deleted: 2 });
    expect((await stats()).get('low')).toMatchObject({ pending: 0, cancelled: 1 });
    const bad = await ordo('queues', 'pause', 'no spaces');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('queue');
  });
});

describe('ordo tasks', () => {
  it('--json lists the example tasks with their queues', async () => {
    const tasks = JSON.parse(await ordoOk('tasks', '--json')) as { name: string; queue: string; hasSchema: boolean }[];
    expect(tasks.map((t) => t.name)).toEqual([
      'export_orders', 'export_refunds', 'flaky_sync', 'generate_report', 'hello_world.send_hello_world',
      // The example workflow's inline steps, named after it.
      'nightly-report.email', 'nightly-report.price', 'nightly-report.report', 'send_email',
    ]);
    expect(tasks.find((t) => t.name === 'send_email')).toMatchObject({ queue: 'default', hasSchema: true });
    expect(tasks.find((t) => t.name === 'flaky_sync')).toMatchObject({ queue: 'high', hasSchema: false });
  });

  it('a --tasks folder that does not exist is a configuration error (exit 2)', async () => {
    const result = await runMain(['--db', temp.db, '--tasks', join(temp.dir, 'missing'), 'tasks']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not exist');
  });
});
