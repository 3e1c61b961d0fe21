/**
 * The SQLite engine wakes this process's "jobs available" listeners when ANOTHER process
 * commits jobs to the file (data-version.ts): the enqueuing process runs here as a real
 * child process, so the in-process signal (notify.ts) cannot be what wakes the listener.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { job, sleep } from './store-contract/support.js';
import { sqliteFixture } from './support/engines.js';

const ENGINE = fileURLToPath(new URL('../src/store/sqlite/engine.ts', import.meta.url));

/** A child process holding its own store on `db`: each stdin line is one call, answered by one line. */
const ENQUEUER = `
import { createInterface } from 'node:readline';
const { createSqliteStore } = await import(process.argv[1]);
const store = createSqliteStore({ path: process.argv[2] });
await store.migrate();
process.stdout.write('ready\\n');
for await (const line of createInterface({ input: process.stdin })) {
  const call = JSON.parse(line);
  if (call.pause !== undefined) await store.queueSetPaused({ queue: call.pause, paused: true });
  else await store.jobInsertMany({ jobs: call.jobs });
  process.stdout.write('done\\n');
}
await store.close();
`;

class OtherProcess {
  readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor(db: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENQUEUER, ENGINE, db], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  async next(): Promise<string> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the enqueuing process ended early');
    return value;
  }

  async call(call: object): Promise<void> {
    this.child.stdin!.write(`${JSON.stringify(call)}\n`);
    expect(await this.next()).toBe('done');
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    await once(this.child, 'close');
  }
}

describe('sqlite engine: wake on another process\'s commits', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((fn) => fn()));
  });

  async function setUp(wakeCheckMs?: number): Promise<{ store: Store; other: OtherProcess }> {
    const { db } = await sqliteFixture.freshDatabase();
    const store = createSqliteStore({ path: db, wakeCheckMs });
    cleanup.push(() => store.close());
    await store.migrate();
    const other = new OtherProcess(db);
    cleanup.push(() => other.close());
    expect(await other.next()).toBe('ready');
    return { store, other };
  }

  it('tells a listener within milliseconds that another process enqueued a due job', async () => {
    const { store, other } = await setUp();
    const woken: Array<{ queue: string; at: number }> = [];
    store.onJobsAvailable((queue) => woken.push({ queue, at: performance.now() }));
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      woken.length = 0;
      const sent = performance.now();
      await other.call({ jobs: [job({ queue: `q${i % 2}` })] });
      await sleep(30);
      expect(woken.map((w) => w.queue)).toContain(`q${i % 2}`);
      latencies.push(woken[0]!.at - sent);
    }
    latencies.sort((a, b) => a - b);
    // Sent → woken includes the other process's stdin read and commit; the OS reports the commit at once.
    expect(latencies[10]!).toBeLessThan(25);
  });

  it('wakes for a delayed job that is due earlier than the queue\'s head, not for one due later', async () => {
    const { store, other } = await setUp();
    await other.call({ jobs: [job({ queue: 'later', delayMs: 60_000 })] });
    await sleep(30);
    const woken: string[] = [];
    store.onJobsAvailable((queue) => woken.push(queue));
    await sleep(30);
    await other.call({ jobs: [job({ queue: 'later', delayMs: 30_000 })] });
    await sleep(30);
    expect(woken).toEqual(['later']);
    await other.call({ jobs: [job({ queue: 'later', delayMs: 90_000 })] });
    await sleep(30);
    expect(woken).toEqual(['later']);
  });

  it('wakes when the head it saw was claimed here and another process enqueues a later one', async () => {
    const { store, other } = await setUp();
    const woken: string[] = [];
    store.onJobsAvailable((queue) => woken.push(queue));
    await other.call({ jobs: [job({ queue: 'q' })] });
    await sleep(30);
    expect(woken).toEqual(['q']);
    // Claimed by this store: its own commit, which its check does not see.
    expect(await store.jobClaim({ workerId: 'w', queues: ['q'], limit: 1, leaseMs: 60_000 })).toHaveLength(1);
    woken.length = 0;
    // A job due in 2 s: not due now, and later than the head seen before, which is gone. The
    // workers, which found nothing left, would sleep their whole idle wait without this wake.
    await other.call({ jobs: [job({ queue: 'q', delayMs: 2_000 })] });
    await sleep(30);
    expect(woken).toEqual(['q']);
  });

  it('does not wake the listeners of a paused queue', async () => {
    const { store, other } = await setUp();
    await other.call({ pause: 'held' });
    const woken: string[] = [];
    store.onJobsAvailable((queue) => woken.push(queue));
    await other.call({ jobs: [job({ queue: 'held' }), job({ queue: 'open' })] });
    await sleep(30);
    expect(woken).toEqual(['open']);
  });

  it('stops checking once nobody listens, and never for the store\'s own commits', async () => {
    const { store, other } = await setUp();
    const woken: string[] = [];
    const unsubscribe = store.onJobsAvailable((queue) => woken.push(`listener:${queue}`));
    await store.jobInsertMany({ jobs: [job({ queue: 'own' })] });
    await sleep(30);
    // The insert signalled in the process (at once), and the check did not signal it again.
    expect(woken).toEqual(['listener:own']);
    unsubscribe();
    woken.length = 0;
    await other.call({ jobs: [job({ queue: 'after' })] });
    await sleep(30);
    expect(woken).toEqual([]);
  });

  it('refuses a wakeCheckMs that is not a number of milliseconds >= 1', () => {
    expect(() => createSqliteStore({ path: ':memory:', wakeCheckMs: 0 })).toThrow(/wakeCheckMs/);
    expect(() => createSqliteStore({ path: ':memory:', wakeCheckMs: Number.NaN })).toThrow(/wakeCheckMs/);
  });
});
