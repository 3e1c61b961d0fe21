/**
 * The change feed over both engines, with a real worker running the jobs: every change told
 * once, in the order it happened for each job (a retry as `job:retried`, a job cancelled
 * while pending as its own end), workers coming and going; two clients on one database (two
 * servers) hear the same events; the database is read only while someone listens.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FeedEvent } from '../src/client/api.js';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { PermanentError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, type EngineFixture } from './support/engines.js';
import { sleep, waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });
const FAST = { pollMs: 50, lagMs: 100, workersEveryMs: 100, onError: (err: unknown) => console.error('feed read failed', err) };

const ok = defineTask('ok', async () => 'done');
const flaky = defineTask('flaky', { retry: { maxAttempts: 3, baseMs: 10, capMs: 10 } }, async (_p, ctx) => {
  if (ctx.attempt === 1) throw new Error('first try fails');
  return 'second try';
});
const doomed = defineTask('doomed', async () => {
  throw new PermanentError('never');
});
const TASKS = [ok, flaky, doomed];

afterAll(dropCreatedSchemas);

/** A job event as a short line: `type#attempt outcome`, to compare sequences. */
function line(event: FeedEvent): string {
  if (!('job' in event)) return `${event.type} ${event.worker.id}`;
  return `${event.type}#${event.job.attempt}${event.job.outcome ? ` ${event.job.outcome}` : ''}`;
}

function ofJob(events: FeedEvent[], id: string): string[] {
  return events.filter((e) => 'job' in e && e.job.id === id).map(line);
}

describe.each(engines)('change feed on $name', (engine: EngineFixture) => {
  const stores: Store[] = [];
  const clients: Ordo[] = [];
  const workers: Worker[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop({ graceMs: 0 })));
    for (const ordo of clients.splice(0)) await ordo.close();
    for (const store of stores.splice(0)) await store.close();
  });

  /** `count` clients, each on its own store, all on one fresh database. */
  async function clientsOnOneDatabase(count: number): Promise<Ordo[]> {
    const { db, schema } = await engine.freshDatabase();
    for (let i = 0; i < count; i++) {
      const store = await openStore(db, schema ? { schema } : {});
      stores.push(store);
      clients.push(await createOrdo({ store, tasks: TASKS, feed: FAST }));
    }
    return [...clients];
  }

  async function listen(ordo: Ordo): Promise<FeedEvent[]> {
    const events: FeedEvent[] = [];
    ordo.feed().subscribe((event) => events.push(event));
    await ordo.feed().ready();
    return events;
  }

  async function startWorker(store: Store, name: string): Promise<Worker> {
    const worker = createWorker({ store, tasks: TASKS, logger: quiet, pollMs: 50, name });
    workers.push(worker);
    await worker.start();
    return worker;
  }

  it('tells each change of each job once, in order: enqueued, started, retried, finished', async () => {
    const [ordo] = (await clientsOnOneDatabase(1)) as [Ordo];
    const events = await listen(ordo);
    const worker = await startWorker(ordo.store, 'feed-worker');
    const a = (await ordo.enqueue('ok', {})).id;
    const b = (await ordo.enqueue('flaky', {})).id;
    const c = (await ordo.enqueue('doomed', {})).id;
    const d = (await ordo.enqueue('ok', {}, { delay: '1h', queue: 'later' })).id;
    await ordo.cancel(d);

    const expected: Record<string, string[]> = {
      [a]: ['job:enqueued#0', 'job:started#1', 'job:finished#1 succeeded'],
      [b]: ['job:enqueued#0', 'job:started#1', 'job:retried#1 failed', 'job:started#2', 'job:finished#2 succeeded'],
      [c]: ['job:enqueued#0', 'job:started#1', 'job:finished#1 failed'],
      [d]: ['job:enqueued#0', 'job:finished#0 cancelled'],
    };
    const told = () => Object.fromEntries(Object.keys(expected).map((id) => [id, ofJob(events, id)]));
    await waitFor(told, (seen) => JSON.stringify(seen) === JSON.stringify(expected), 'every change of the four jobs');
    // Nothing is told twice: a few more reads add nothing.
    await sleep(400);
    expect(told()).toEqual(expected);

    const finished = events.find((e) => e.type === 'job:finished' && e.job.id === b) as Extract<FeedEvent, { job: unknown }>;
    expect(finished.job).toMatchObject({ task: 'flaky', queue: 'default', state: 'succeeded', worker: 'feed-worker', traceId: null });
    expect(finished.job.durationMs).toBeGreaterThanOrEqual(0);
    const retried = events.find((e) => e.type === 'job:retried') as Extract<FeedEvent, { job: unknown }>;
    expect(retried.job).toMatchObject({ error: 'first try fails', state: 'pending', outcome: 'failed' });
    expect(new Set(events.filter((e) => e.type === 'job:enqueued').map((e) => (e as { job: { state: string } }).job.state))).toEqual(new Set(['pending']));
    for (const id of Object.keys(expected)) {
      const times = events.filter((e) => 'job' in e && e.job.id === id).map((e) => e.at.getTime());
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    }

    expect(events.filter((e) => e.type === 'worker:up').map(line)).toEqual(['worker:up feed-worker']);
    await worker.stop({ graceMs: 0 });
    await waitFor(() => events.filter((e) => e.type === 'worker:down').map(line), (seen) => seen.length > 0, 'worker:down');
    expect(events.filter((e) => e.type === 'worker:down').map(line)).toEqual(['worker:down feed-worker']);
  });

  it('two clients on one database (two servers) hear the same events', async () => {
    const [first, second] = (await clientsOnOneDatabase(2)) as [Ordo, Ordo];
    const heard = [await listen(first), await listen(second)];
    await startWorker(first.store, 'shared-worker');
    const ids = [(await first.enqueue('ok', {})).id, (await second.enqueue('flaky', {})).id, (await second.enqueue('doomed', {})).id];
    const done = (events: FeedEvent[]) => ids.every((id) => events.some((e) => (e.type === 'job:finished' && e.job.id === id)));
    await waitFor(() => heard, (both) => both.every(done), 'both clients to hear every job finish');
    await sleep(300);
    const jobLines = (events: FeedEvent[]) => events.filter((e) => 'job' in e).map((e) => `${(e as { job: { id: string } }).job.id} ${line(e)} ${e.at.toISOString()}`).sort();
    expect(jobLines(heard[0]!)).toEqual(jobLines(heard[1]!));
    expect(jobLines(heard[0]!)).toHaveLength(11);
  });

  it('a failed read is published as store:error, and the feed keeps trying', async () => {
    const { db, schema } = await engine.freshDatabase();
    const store = await openStore(db, schema ? { schema } : {});
    const ordo = await createOrdo({ store, tasks: TASKS, feed: { pollMs: 20 } });
    clients.push(ordo);
    await store.close();
    const errors: string[] = [];
    ordo.events.on('store:error', (_err, during) => void errors.push(during));
    ordo.feed().subscribe(() => {});
    await waitFor(() => errors.length, (n) => n >= 2, 'two failed reads');
    expect(errors[0]).toBe('reading the change feed');
  });

  it('reads only while someone listens, from the moment they came', async () => {
    const [ordo] = (await clientsOnOneDatabase(1)) as [Ordo];
    const feed = ordo.feed();
    expect(ordo.feed()).toBe(feed);
    const before = (await ordo.enqueue('ok', {})).id;
    const first = await listen(ordo);
    const during = (await ordo.enqueue('ok', {})).id;
    await waitFor(() => first.map((e) => ('job' in e ? e.job.id : '')), (ids) => ids.includes(during), 'the job enqueued while listening');
    expect(first.some((e) => 'job' in e && e.job.id === before)).toBe(false);

    // A listener that throws is its own problem: the others still hear every change.
    const off = feed.subscribe(() => {
      throw new Error('listener bug');
    });
    const next = (await ordo.enqueue('ok', {})).id;
    await waitFor(() => first.map((e) => ('job' in e ? e.job.id : '')), (ids) => ids.includes(next), 'the job enqueued next, despite the bad listener');
    off();
    expect(feed.listenerCount).toBe(1);

    await ordo.close();
    expect(feed.listenerCount).toBe(0);
    const heard = first.length;
    await ordo.store.jobInsertMany({ jobs: [{ task: 'ok', queue: 'default', payload: {}, priority: 0, runAt: null, delayMs: 0, maxAttempts: 1, timeoutMs: null, backoffBaseMs: null, backoffCapMs: null, uniqueKey: null }] });
    await sleep(300);
    expect(first.length).toBe(heard);
    expect(feed.subscribe(() => {})).toBeTypeOf('function');
    expect(feed.listenerCount).toBe(0);
  });
});
