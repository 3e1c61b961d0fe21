/**
 * Flow control on the command line, in-process on a temp SQLite file: `queues limit` flag by
 * flag (none removes, --clear, --fair/--no-fair, --json), `queues stats` with limits and a
 * pause, `queues flow`, `enqueue` with a concurrency key, debounce and throttle, `jobs show`
 * naming the limit a job waits for; bad input exits 2 naming the flag.
 */
import { describe, expect, it } from 'vitest';
import type { QueueFlow, QueueLimits } from '../src/core/flow.js';
import type { JobRecord, QueueStats } from '../src/core/types.js';
import { runMain, runMainOk } from './support/cli-run.js';
import { openDb, useTempDatabase, type CliResult } from './support/processes.js';

const temp = useTempDatabase();

function ordo(...args: string[]): Promise<CliResult> {
  return runMain(['--db', temp.db, ...args]);
}

function ordoOk(...args: string[]): Promise<string> {
  return runMainOk(['--db', temp.db, ...args]);
}

async function expectRefused(args: string[], flag: string): Promise<void> {
  const result = await ordo(...args);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toContain(flag);
}

describe('ordo queues limit', () => {
  it('changes limits flag by flag, prints those in force, and --clear removes them', async () => {
    expect(await ordoOk('queues', 'limit', 'mail', '--concurrency', '3', '--rate', '100/1m', '--burst', '5')).toBe('queue mail: concurrency 3, rate 100/1m (burst 5)\n');
    expect(await ordoOk('queues', 'limit', 'mail', '--key-concurrency', '1', '--key-rate', '10/1m')).toBe('queue mail: concurrency 3, rate 100/1m (burst 5), key concurrency 1, key rate 10/1m\n');
    const json = JSON.parse(await ordoOk('queues', 'limit', 'mail', '--rate', 'none', '--fair', '--json')) as QueueLimits;
    expect(json).toEqual({ concurrency: 3, rate: null, keyConcurrency: 1, keyRate: { limit: 10, periodMs: 60_000, burst: 1 }, fair: true });
    expect(await ordoOk('queues', 'limit', 'mail', '--no-fair', '--key-rate', 'none', '--key-concurrency', 'none')).toBe('queue mail: concurrency 3\n');
    // No flag: prints what is in force, changes nothing.
    expect(await ordoOk('queues', 'limit', 'mail')).toBe('queue mail: concurrency 3\n');
    expect(await ordoOk('queues', 'limit', 'never-made')).toBe('queue never-made: no limits\n');
    expect(await ordoOk('queues', 'limit', 'mail', '--clear', '--rate', '5/s')).toBe('queue mail: rate 5/1s\n');
    expect(await ordoOk('queues', 'limit', 'mail', '--clear')).toBe('queue mail: no limits\n');
  });

  it('refuses bad values with exit code 2, naming the flag', async () => {
    await expectRefused(['queues', 'limit', 'mail', '--concurrency', '0'], '--concurrency');
    await expectRefused(['queues', 'limit', 'mail', '--concurrency', 'many'], '--concurrency');
    await expectRefused(['queues', 'limit', 'mail', '--rate', '100 per minute'], '--rate');
    await expectRefused(['queues', 'limit', 'mail', '--key-rate', '10/fortnight'], '--key-rate');
    await expectRefused(['queues', 'limit', 'mail', '--burst', '3'], '--burst');
    await expectRefused(['queues', 'limit', 'mail', '--key-burst', '-1'], '--key-burst');
    expect(await ordoOk('queues', 'limit', 'mail')).toBe('queue mail: no limits\n');
  });
});

describe('ordo queues stats and flow, ordo jobs show', () => {
  it('shows limits and use per queue, the busiest keys, and why a job waits', async () => {
    await ordoOk('queues', 'limit', 'sync', '--concurrency', '1', '--key-concurrency', '1');
    const ids: string[] = [];
    for (const key of ['acme', 'acme', 'acme', 'globex']) ids.push((await ordoOk('enqueue', 'sync_customer', '-q', 'sync', '--concurrency-key', key, '{}')).trim());
    const client = await openDb(temp.db);
    const [claimed] = await client.store.jobClaim({ workerId: 'w', queues: ['sync'], limit: 5, leaseMs: 60_000 });
    expect(claimed!.id).toBe(ids[0]);

    const stats = await ordoOk('queues', 'stats');
    expect(stats).toMatch(/LIMITS\s+PAUSED UNTIL/);
    expect(stats).toMatch(/sync .*concurrency 1, key concurrency 1/);
    const json = JSON.parse(await ordoOk('queues', 'stats', '--json')) as QueueStats[];
    expect(json.find((q) => q.queue === 'sync')).toMatchObject({ limits: { concurrency: 1, keyConcurrency: 1 }, pausedUntil: null, running: 1, pending: 3 });

    const flow = await ordoOk('queues', 'flow', 'sync', '--key', 'globex');
    expect(flow).toContain('limits    concurrency 1, key concurrency 1');
    expect(flow).toContain('running   1 of 1');
    expect(flow).toContain('waiting   3 due');
    expect(flow).toContain('key globex: 0 running of 1, 1 pending');
    expect(flow).toMatch(/busiest keys\n\s*KEY\s+PENDING\s+RUNNING\n\s*acme\s+2\s+1\n\s*globex\s+1\s+0/);
    const flowJson = JSON.parse(await ordoOk('queues', 'flow', 'sync', '--keys', '1', '--json')) as QueueFlow;
    expect(flowJson.busiestKeys).toEqual([{ key: 'acme', running: 1, pending: 2 }]);
    const unknown = await ordo('queues', 'flow', 'nowhere');
    expect(unknown.code).toBe(3);
    await expectRefused(['queues', 'flow', 'sync', '--keys', '5000'], '--keys');

    const shown = await ordoOk('jobs', 'show', ids[3]!);
    expect(shown).toContain('key       globex');
    expect(shown).toContain('waiting for: queue sync concurrency limit: 1 of 1 running');
    expect(await ordoOk('jobs', 'show', ids[0]!)).not.toContain('waiting for');
    await ordoOk('queues', 'limit', 'sync', '--concurrency', 'none');
    expect(await ordoOk('jobs', 'show', ids[1]!)).toContain('waiting for: key acme concurrency limit: 1 of 1 running');
  });
});

describe('ordo enqueue with flow options', () => {
  it('stores the concurrency key; debounce replaces the pending job, throttle keeps the first', async () => {
    const keyed = (await ordoOk('enqueue', 'sync_customer', '--concurrency-key', 'acme', '{}')).trim();
    const job = JSON.parse(await ordoOk('jobs', 'show', keyed, '--json')) as JobRecord;
    expect(job.concurrencyKey).toBe('acme');

    const d1 = (await ordoOk('enqueue', 'digest', '--debounce', 'd-1', '--debounce-for', '10s', '{"n":1}')).trim();
    const second = await ordo('enqueue', 'digest', '--debounce', 'd-1', '--debounce-for', '10s', '{"n":2}');
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe(d1);
    expect(second.stderr).toContain('debounce key d-1 was pending');
    expect((JSON.parse(await ordoOk('jobs', 'show', d1, '--json')) as JobRecord).payload).toEqual({ n: 2 });

    const t1 = (await ordoOk('enqueue', 'ping', '--throttle', 'p', '--throttle-for', '1m', '{"n":1}')).trim();
    const t2 = await ordo('enqueue', 'ping', '--throttle', 'p', '--throttle-for', '1m', '{"n":2}');
    expect(t2.stdout.trim()).toBe(t1);
    expect(t2.stderr).toContain('throttle key p');
  });

  it('refuses flags that clash or are missing their pair with exit code 2, naming the flag', async () => {
    await expectRefused(['enqueue', 'digest', '--debounce', 'd'], '--debounce-for');
    await expectRefused(['enqueue', 'digest', '--throttle-for', '1m'], '--throttle');
    await expectRefused(['enqueue', 'digest', '--debounce', 'd', '--debounce-for', '5s', '--delay', '1m'], '--debounce');
    await expectRefused(['enqueue', 'digest', '--debounce', 'd', '--debounce-for', 'soon'], '--debounce-for');
    await expectRefused(['enqueue', 'digest', '--debounce', 'd', '--debounce-for', '0s'], '--debounce-for');
    await expectRefused(['enqueue', 'digest', '--throttle', 't', '--throttle-for', '1m', '--unique-key', 'u'], '--throttle');
    await expectRefused(['enqueue', 'digest', '--concurrency-key', 'x'.repeat(201)], '--concurrency-key');
    const client = await openDb(temp.db);
    expect((await client.listJobs()).total).toBe(0);
  });
});
