/**
 * Schedule lateness: N schedules (default 10,000) due at the same instant (a cron of every
 * minute, so all of them at the next minute boundary) on PostgreSQL, fired by `ordo
 * scheduler` processes of their own (the built CLI) while this process only created the
 * schedules. Lateness is the fire-ledger `fired_at − fire_time`: the start of the firing
 * transaction (a batch of up to 400 shares one; its jobs become visible at its commit, tens
 * of milliseconds later), reported as min/p50/p99/max. Waits for the next minute boundary,
 * so a run takes up to a minute more than creating the schedules.
 *
 *   ORDO_BENCH_SCHEDULES=10000 ORDO_BENCH_SCHEDULERS=1 ORDO_BENCH_ONLY=schedules npm run bench
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createOrdo } from '../dist/index.js';

const SCHEDULES = Number(process.env.ORDO_BENCH_SCHEDULES ?? 10_000);
const SCHEDULERS = Number(process.env.ORDO_BENCH_SCHEDULERS ?? 1);
const CLI = fileURLToPath(new URL('../bin/ordo.js', import.meta.url));

function startScheduler(url: string, schema: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, '--db', url, '--schema', schema, 'scheduler', '--name', name, '--no-maintenance'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk;
      if (seen.includes('"scheduler started"')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`ordo scheduler exited ${code}:\n${seen}`)));
  });
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Creates the schedules, lets the schedulers fire them once, and prints the lateness. */
export async function benchScheduleLateness(url: string): Promise<void> {
  const schema = `bench_sched_${Date.now()}`;
  const ordo = await createOrdo({ db: url, schema });
  const schedulers = await Promise.all(Array.from({ length: SCHEDULERS }, (_, i) => startScheduler(url, schema, `bench-${i}`)));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    let start = performance.now();
    for (let i = 0; i < SCHEDULES; i += 50) {
      const chunk = Array.from({ length: Math.min(50, SCHEDULES - i) }, (_, j) => `s${i + j}`);
      await Promise.all(chunk.map((name) => ordo.schedules.add(name, { task: 'noop', cron: '* * * * *' })));
    }
    const createS = (performance.now() - start) / 1000;
    // Every schedule is due at the next minute boundary from here on.
    const target = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
    start = performance.now();
    const query = `SELECT extract(epoch FROM fired_at - fire_time) * 1000 AS late FROM "${schema}".schedule_fires WHERE fire_time = $1`;
    let rows: { late: string }[] = [];
    while (rows.length < SCHEDULES) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      rows = (await db.query<{ late: string }>(query, [target])).rows;
      if (Date.now() > target.getTime() + 120_000) break;
    }
    const late = rows.map((r) => Number(r.late)).sort((a, b) => a - b);
    console.log(
      `schedules ${SCHEDULES} due at ${target.toISOString().slice(11, 19)} · ${SCHEDULERS} scheduler process(es): fired ${late.length}; ` +
        `lateness min ${Math.round(late[0] ?? NaN)} ms, p50 ${Math.round(percentile(late, 50))} ms, p99 ${Math.round(percentile(late, 99))} ms, max ${Math.round(late.at(-1) ?? NaN)} ms ` +
        `(schedules created in ${createS.toFixed(1)} s)`,
    );
  } finally {
    for (const child of schedulers) child.kill('SIGTERM');
    await Promise.all(schedulers.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.end();
    await ordo.close();
  }
}
