/**
 * One measurement of one system: a fresh place for its jobs (a SQLite file, a PostgreSQL
 * schema, an emptied Redis), the processes it starts, and the exactly-once checks of what
 * they did. Whatever happens, the processes end and the place is removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './options.js';
import { startProducer, startWorkers, type GroupReport, type Producer, type WorkerGroup } from './processes.js';
import { sleep } from './rpc.js';
import type { Postgres, RedisServer } from './servers.js';
import type { Counts, System, Target, WorkerSpec } from './systems.js';

export interface Bench {
  options: BenchOptions;
  pg: Postgres;
  redis: RedisServer | null;
}

export interface Session {
  target: Target;
  /** The database server's pid, whose CPU counts as the database's; null on SQLite (in the worker's process). */
  serverPid: number | null;
  producer(): Promise<Producer>;
  workers(spec: Omit<WorkerSpec, 'system' | 'target'>, count?: number): Promise<WorkerGroup>;
  /** Lets PostgreSQL write out what came before, so no checkpoint lands in the measurement. */
  settle(): Promise<void>;
}

let serial = 0;

/** Runs `measure` in a fresh session of the system. */
export async function inSession<T>(bench: Bench, system: System, measure: (session: Session) => Promise<T>): Promise<T> {
  const n = ++serial;
  const cleanups: (() => Promise<unknown>)[] = [];
  let target: Target;
  if (system.storage === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-sqlite-'));
    target = { storage: 'sqlite', file: join(dir, 'bench.db') };
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  } else if (system.storage === 'postgres') {
    const schema = `bench_${n}_${system.name.replace(/-/g, '_')}`;
    target = { storage: 'postgres', url: bench.pg.url, schema };
    cleanups.push(() => bench.pg.admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  } else {
    if (!bench.redis) throw new Error('no Redis server');
    await bench.redis.client.flushall();
    target = { storage: 'redis', port: bench.redis.port, queue: `bench${n}` };
  }
  const serverPid = system.storage === 'postgres' ? bench.pg.pid : system.storage === 'redis' ? bench.redis!.pid : null;
  const session: Session = {
    target,
    serverPid,
    async producer() {
      const producer = await startProducer(system, target);
      // Closed as users close a client; killed when it does not close within seconds.
      cleanups.unshift(() => Promise.race([producer.end(), sleep(5000)]).then(() => producer.kill()));
      return producer;
    },
    async workers(spec, count = 1) {
      const group = await startWorkers(system, { ...spec, target }, count);
      cleanups.unshift(() => group.kill());
      return group;
    },
    async settle() {
      await bench.pg.admin.query('CHECKPOINT');
    },
  };
  try {
    return await measure(session);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: Error) => console.error(`cleanup after ${system.name}: ${err.message}`));
  }
}

/** Whether every job ran exactly once and the store agrees: the verdict every measurement carries. */
export interface Check {
  ok: boolean;
  detail: string;
}

/** How many of jobs 0 … n − 1 ran never, and how many more than once. */
function tally(runs: Uint8Array, n: number): { missing: number; repeated: number; once: number } {
  let missing = 0;
  let repeated = 0;
  for (let i = 0; i < n; i++) {
    if (runs[i] === 0) missing++;
    else if (runs[i]! > 1) repeated++;
  }
  return { missing, repeated, once: n - missing - repeated };
}

const describe = (c: Counts): string => `store: ${c.done} done, ${c.waiting} waiting, ${c.running} running, ${c.failed} failed`;

/** After a drain: each of the `n` jobs ran once, and the store holds them all as done. */
export function checkDrained(report: GroupReport, counts: Counts, n: number): Check {
  const { missing, repeated } = tally(report.runs, n);
  const ok = missing === 0 && repeated === 0 && report.ran === n && counts.done === n && counts.waiting + counts.running + counts.failed === 0;
  return { ok, detail: ok ? `${n} jobs ran once each; ${describe(counts)}` : `${missing} never ran, ${repeated} ran more than once, ${report.ran} runs for ${n} jobs; ${describe(counts)}` };
}

/** After an enqueue: the store holds the `n` jobs, each once, waiting. */
export function checkStored(counts: Counts, n: number): Check {
  const ok = counts.waiting === n && counts.running + counts.done + counts.failed === 0;
  return { ok, detail: ok ? `${n} jobs stored once each` : `${n} enqueued; ${describe(counts)}` };
}

/** After a partial run (a backlog): no job ran twice, what ran is done, the rest still waits, none is held. */
export function checkPartial(report: GroupReport, counts: Counts, size: number): Check {
  const { repeated, once } = tally(report.runs, size);
  const ok = repeated === 0 && counts.done === once && counts.running === 0 && counts.failed === 0 && counts.waiting === size - once;
  return { ok, detail: `${once} of ${size} ran, ${repeated} more than once; ${describe(counts)}` };
}
