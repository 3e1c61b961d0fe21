/**
 * Flow control across real OS processes (the built CLI, so `npm run build` first), on both
 * engines: `ordo worker` processes with the task of fixtures/flow/flow.ts, which appends each
 * run's start and end (the worker's own clock) to a file per process. The limits are judged
 * from those lines, not from the job rows the store keeps:
 * - four workers of concurrency 10 on a queue limited to 3 never run more than 3 at once;
 * - a rate of 20/s over 10 seconds starts 200 ± 10 jobs, shared by the workers;
 * - 1,000 jobs over 50 keys, one running per key: never two of a key at once, in about the
 *   time 50-way parallelism allows;
 * - keys take turns: a key's single job waits less than a second behind another key's 10,000;
 * - 20 enqueues of a debounce key within its window run one job, with the last payload;
 * - a worker killed with SIGKILL while it holds a limited queue's jobs: nothing else of the
 *   queue starts until its leases expire and its jobs are recovered, then the slots serve
 *   again, still within the limit.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Ordo } from '../src/client/ordo.js';
import type { JobRecord } from '../src/core/types.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { openDb, startWorker, stopEverything, tempDir, waitFor, type CliProcess } from './support/processes.js';

const FLOW_TASKS = fileURLToPath(new URL('./fixtures/flow', import.meta.url));
const TASK = 'flow.span';

afterEach(stopEverything);
afterAll(dropCreatedSchemas);

/** One run of `flow.span`, as its handler recorded it. */
interface Span {
  id: string;
  key: string | null;
  n: number | null;
  start: number;
  end: number;
  pid: number;
}

/** Every run recorded in `out`, in the order they started. */
function spans(out: string): Span[] {
  const all: Span[] = [];
  for (const name of readdirSync(out).filter((n) => n.startsWith('spans-'))) {
    for (const line of readFileSync(join(out, name), 'utf8').split('\n').filter(Boolean)) all.push(JSON.parse(line) as Span);
  }
  return all.sort((a, b) => a.start - b.start);
}

/**
 * The most runs in progress at one instant. A run that ended in the millisecond another
 * started does not overlap it: the store counted the first finished before it let the
 * second be claimed, and both times were taken inside those two events.
 */
function mostAtOnce(runs: readonly Span[]): number {
  const events = runs.flatMap((run) => [[run.start, 1], [run.end, -1]] as const);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, change] of events) most = Math.max(most, (now += change));
  return most;
}

/** `mostAtOnce` per key: the keys where it is above `limit`, with their count. */
function keysOver(runs: readonly Span[], limit: number): Record<string, number> {
  const byKey = new Map<string, Span[]>();
  for (const run of runs) byKey.set(run.key ?? '', [...(byKey.get(run.key ?? '') ?? []), run]);
  const over: Record<string, number> = {};
  for (const [key, ofKey] of byKey) {
    const most = mostAtOnce(ofKey);
    if (most > limit) over[key] = most;
  }
  return over;
}

async function jobsOf(ordo: Ordo, queue: string, total: number): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  for (let offset = 0; offset < total; offset += 1000) jobs.push(...(await ordo.listJobs({ queue }, { limit: 1000, offset })).jobs);
  return jobs;
}

/** Resolves once no job of `queue` is pending or running. */
async function queueDrained(ordo: Ordo, queue: string, timeoutMs: number): Promise<void> {
  await waitFor(`every job of ${queue} to finish`, async () => {
    const stats = (await ordo.stats()).find((s) => s.queue === queue);
    return stats !== undefined && stats.pending === 0 && stats.running === 0;
  }, { timeoutMs, intervalMs: 50 });
}

/** Enqueues `payloads` as `flow.span` jobs of `queue` in batches of 1,000; returns the ids. */
async function enqueueSpans(ordo: Ordo, queue: string, payloads: readonly object[], options: (index: number) => object = () => ({})): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < payloads.length; i += 1000) {
    const batch = payloads.slice(i, i + 1000).map((payload, j) => ({ task: TASK, payload, options: { queue, ...options(i + j) } }));
    ids.push(...(await ordo.enqueueMany(batch)).map((r) => r.id));
  }
  return ids;
}

describe.each(engines)('flow control across worker processes ($name)', (engine) => {
  interface SetUp {
    ordo: Ordo;
    out: string;
    /** Starts `ordo worker` on the queue, named `name`, with `flags` after the defaults. */
    worker(name: string, queue: string, flags?: readonly string[]): Promise<CliProcess>;
  }

  async function setUp(): Promise<SetUp> {
    const { db, schema } = await engine.freshDatabase();
    // Created and migrated here first, so the workers do not race this client to migrate.
    const ordo = await openDb(db, schema ? { schema } : {});
    const schemaArgs = schema ? ['--schema', schema] : [];
    const worker = (name: string, queue: string, flags: readonly string[] = []): Promise<CliProcess> =>
      startWorker(db, FLOW_TASKS, [...schemaArgs, '--name', name, '--queues', queue, '--poll', '50ms', ...flags]);
    return { ordo, out: tempDir('ordo-flow-'), worker };
  }

  it('four workers of concurrency 10 on a queue limited to 3 never run more than 3 at once', async () => {
    const { ordo, out, worker } = await setUp();
    const queue = 'reports';
    await ordo.setQueueLimits(queue, { concurrency: 3 });
    const total = 60;
    const ids = await enqueueSpans(ordo, queue, Array.from({ length: total }, (_, n) => ({ out, ms: 100, n })));
    const workers = await Promise.all(['a', 'b', 'c', 'd'].map((n) => worker(`c3-${n}`, queue, ['--concurrency', '10'])));

    // A job held back says which limit holds it (read while three run, so retried until seen).
    const waiting = ids.at(-1)!;
    const reason = await waitFor('the last job to wait on the concurrency limit', async () => {
      const why = await ordo.waitReason(waiting);
      return typeof why === 'string' && /concurrency limit: 3 of 3 running/.test(why) && why;
    }, { timeoutMs: 10_000, intervalMs: 20 });
    expect(reason).toContain(queue);

    await queueDrained(ordo, queue, 30_000);
    const runs = spans(out);
    expect(runs).toHaveLength(total);
    expect(new Set(runs.map((r) => r.id))).toEqual(new Set(ids));
    expect(mostAtOnce(runs), 'runs at once').toBe(3);
    const wallMs = Math.max(...runs.map((r) => r.end)) - runs[0]!.start;
    console.log(`[flow ${engine.name}] concurrency 3 over 4 workers: ${total} jobs of 100 ms in ${wallMs} ms (ideal ${(total / 3) * 100} ms)`);
    // Which worker takes a freed slot is not fixed: the one that freed it claims at once, so on
    // SQLite (no wake-up across processes) the first worker up may keep all three.
    for (const pid of new Set(runs.map((r) => r.pid))) expect(workers.map((w) => w.pid)).toContain(pid);
  });

  it('a rate of 20/s starts 200 ± 10 jobs in 10 seconds, shared by two workers', async () => {
    const { ordo, out, worker } = await setUp();
    const queue = 'mail';
    await ordo.setQueueLimits(queue, { rate: '20/1s' });
    const workers = await Promise.all(['a', 'b'].map((n) => worker(`rate-${n}`, queue, ['--concurrency', '10'])));
    await enqueueSpans(ordo, queue, Array.from({ length: 400 }, (_, n) => ({ out, n })));

    const first = await waitFor('the first start', async () => spans(out)[0]?.start, { timeoutMs: 15_000, intervalMs: 20 });
    const windowEnd = first + 10_000;
    await waitFor('the 10 s window to close', async () => spans(out).some((r) => r.start >= windowEnd + 200), { timeoutMs: 15_000, intervalMs: 100 });
    const inWindow = spans(out).filter((r) => r.start < windowEnd);
    const gaps = inWindow.slice(1).map((r, i) => r.start - inWindow[i]!.start);
    console.log(`[flow ${engine.name}] rate 20/1s: ${inWindow.length} starts in 10 s; gaps between starts ${Math.min(...gaps)}–${Math.max(...gaps)} ms, mean ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(1)} ms`);
    expect(inWindow.length, 'starts in 10 s').toBeGreaterThanOrEqual(190);
    expect(inWindow.length, 'starts in 10 s').toBeLessThanOrEqual(210);
    // Smooth, not bunched at each second's start: no second of the window holds more than
    // its share and a start's rounding.
    for (let s = 0; s < 10; s++) {
      const inSecond = inWindow.filter((r) => r.start >= first + s * 1000 && r.start < first + (s + 1) * 1000).length;
      expect(inSecond, `starts in second ${s}`).toBeLessThanOrEqual(22);
    }
    for (const w of workers) expect(inWindow.filter((r) => r.pid === w.pid).length, `starts by worker ${w.pid}`).toBeGreaterThan(0);
  });

  it('1,000 jobs over 50 keys, one running per key: never two of a key at once, in about the time 50-way parallelism allows', async () => {
    const { ordo, out, worker } = await setUp();
    const queue = 'sync';
    await ordo.setQueueLimits(queue, { keyConcurrency: 1 });
    const total = 1000;
    const keys = 50;
    const ms = 100;
    const payloads = Array.from({ length: total }, (_, n) => ({ out, ms, n, key: `customer-${n % keys}` }));
    // Both workers are up first: the time measured is the queue's, not the process start-up.
    await Promise.all(['a', 'b'].map((n) => worker(`keys-${n}`, queue, ['--concurrency', '40'])));
    await enqueueSpans(ordo, queue, payloads, (i) => ({ concurrencyKey: payloads[i]!.key }));
    await queueDrained(ordo, queue, 60_000);

    const runs = spans(out);
    expect(runs).toHaveLength(total);
    expect(keysOver(runs, 1), 'keys with more than one job running at once').toEqual({});
    // The keys ran side by side: the limit is per key, not a queue-wide one.
    expect(mostAtOnce(runs)).toBeGreaterThanOrEqual(keys / 2);
    const wallMs = Math.max(...runs.map((r) => r.end)) - runs[0]!.start;
    const idealMs = (total / keys) * ms;
    console.log(`[flow ${engine.name}] 1,000 jobs over 50 keys, 1 per key: ${wallMs} ms from the first start to the last end (ideal ${idealMs} ms)`);
    expect(wallMs).toBeLessThanOrEqual(3 * idealMs);
  });

  it('keys take turns: a key with 10,000 pending jobs delays another key\'s job by less than a second', async () => {
    const { ordo, out, worker } = await setUp();
    const queue = 'tenants';
    await ordo.setQueueLimits(queue, { fair: true });
    const big = 10_000;
    await enqueueSpans(ordo, queue, Array.from({ length: big }, (_, n) => ({ out, ms: 50, n, key: 'big' })), () => ({ concurrencyKey: 'big' }));
    await Promise.all(['a', 'b'].map((n) => worker(`fair-${n}`, queue, ['--concurrency', '10'])));
    // Every slot busy with the big key's jobs, and a backlog of thousands left.
    await waitFor('the big key to fill the workers', async () => spans(out).length >= 40, { timeoutMs: 20_000, intervalMs: 20 });

    const enqueuedAt = Date.now();
    const { id } = await ordo.enqueue(TASK, { out, n: 0, key: 'small' }, { queue, concurrencyKey: 'small' });
    const small = await waitFor('the small key\'s job to run', async () => spans(out).find((r) => r.id === id), { timeoutMs: 15_000, intervalMs: 20 });
    const flow = await ordo.queueFlow(queue, { busiestKeys: 2 });
    console.log(`[flow ${engine.name}] fair turns: the small key's job started ${small.start - enqueuedAt} ms after its enqueue`);
    expect(small.start - enqueuedAt).toBeLessThan(1000);
    // It did not wait for its turn behind the backlog: thousands of the big key's are left.
    expect(flow?.busiestKeys[0]).toMatchObject({ key: 'big' });
    expect(flow!.busiestKeys[0]!.pending).toBeGreaterThan(big / 2);
  });

  it('20 enqueues of one debounce key within its window run one job, with the last payload', async () => {
    const { ordo, out, worker } = await setUp();
    const queue = 'search-index';
    await worker('debounce', queue, ['--concurrency', '5']);
    const windowMs = 1000;
    const results = [];
    let lastAt = 0;
    for (let n = 0; n < 20; n++) {
      if (n > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      lastAt = Date.now();
      results.push(await ordo.enqueue(TASK, { out, n, key: 'doc-7' }, { queue, debounce: { key: 'doc-7', for: windowMs } }));
    }
    const id = results[0]!.id;
    expect(results.map((r) => [r.id, r.created])).toEqual(results.map((_, n) => [id, n === 0]));

    await queueDrained(ordo, queue, 15_000);
    const runs = spans(out);
    expect(runs.map((r) => [r.id, r.n])).toEqual([[id, 19]]);
    // It waited for the window to be quiet after the last enqueue.
    expect(runs[0]!.start).toBeGreaterThanOrEqual(lastAt + windowMs - 50);
    expect(await jobsOf(ordo, queue, 100)).toHaveLength(1);
  });

  it('20 enqueues of one throttle key within its window run one job, with the first payload', async () => {
    const { ordo, out, worker } = await setUp();
    const queue = 'webhooks';
    await worker('throttle', queue, ['--concurrency', '5']);
    const results = [];
    for (let n = 0; n < 20; n++) results.push(await ordo.enqueue(TASK, { out, n }, { queue, throttle: { key: 'hook-3', for: '1m' } }));
    const id = results[0]!.id;
    expect(results.map((r) => [r.id, r.created])).toEqual(results.map((_, n) => [id, n === 0]));
    await queueDrained(ordo, queue, 15_000);
    // Still within the window once it ran: the key stays taken by the job that ran.
    expect((await ordo.enqueue(TASK, { out, n: 20 }, { queue, throttle: { key: 'hook-3', for: '1m' } }))).toEqual({ id, created: false });
    expect(spans(out).map((r) => [r.id, r.n])).toEqual([[id, 0]]);
  });

  it('a worker killed with SIGKILL holds its slots until its jobs are recovered; then they serve again, within the limit', async () => {
    const { ordo, out, worker } = await setUp();
    const queue = 'exports';
    await ordo.setQueueLimits(queue, { concurrency: 2 });
    const total = 6;
    const ids = await enqueueSpans(ordo, queue, Array.from({ length: total }, (_, n) => ({ out, ms: 800, n })));
    // The shortest lease a worker takes: a rescuer waits out one lease before it sweeps.
    const doomed = await worker('doomed', queue, ['--concurrency', '4', '--lease', '1s']);
    const held = await waitFor('the doomed worker to hold the two slots', async () => {
      const { jobs } = await ordo.listJobs({ queue, state: 'running' });
      return jobs.length === 2 && jobs;
    }, { timeoutMs: 15_000, intervalMs: 20 });
    doomed.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    expect(held.map((j) => j.lockedBy)).toEqual(['doomed', 'doomed']);

    await worker('rescuer', queue, ['--concurrency', '4', '--lease', '1s']);
    await queueDrained(ordo, queue, 30_000);
    const jobs = await jobsOf(ordo, queue, total);
    for (const job of jobs) expect(job.state, `job ${job.id}`).toBe('succeeded');
    const lost = jobs.filter((job) => job.attempts.some((a) => a.outcome === 'worker_lost'));
    expect(lost.map((j) => j.id).sort()).toEqual(held.map((j) => j.id).sort());
    for (const job of lost) expect(job.attempts.map((a) => [a.outcome, a.worker])).toEqual([['worker_lost', 'doomed'], ['succeeded', 'rescuer']]);

    const runs = spans(out);
    // The killed runs wrote nothing: every line is the rescuer's, one per job.
    expect(runs.map((r) => r.id).sort()).toEqual([...ids].sort());
    // The dead worker's two jobs held both slots until they were recovered: the rescuer
    // started nothing before that.
    const recoveredAt = Math.min(...lost.map((job) => new Date(job.attempts[0]!.finishedAt).getTime()));
    expect(runs[0]!.start, 'first start after the recovery').toBeGreaterThanOrEqual(recoveredAt - 50);
    // Then both slots served again, and never more than two.
    expect(mostAtOnce(runs)).toBe(2);
  });
});
