/**
 * Ordo's benchmark. Its default part runs Ordo beside graphile-worker, BullMQ and pg-boss
 * (bench/peers/, a folder with its own dependencies): durable PostgreSQL, the producer and
 * every worker in processes of their own, medians of interleaved rounds, written to
 * bench/RESULTS.md. Ordo's own parts run when named:
 * schedule lateness on PostgreSQL (bench/schedules.ts): 10,000 schedules due at one instant,
 * fired by `ordo scheduler` processes; workflows on both engines (bench/workflows.ts): a
 * 10,000-way fan-out and fan-in, and what each step of a 100-step chain adds over a plain job;
 * flow control on both engines (bench/flow.ts): a per-key limit of 1 over 1,000 keys against
 * the same queue without limits.
 *
 *   npm run bench                                    # the peers: every workload, 3 rounds
 *   ORDO_BENCH_JOBS=50000 ORDO_BENCH_RUNS=5 npm run bench
 *   ORDO_BENCH_ONLY=process,latency npm run bench    # some workloads (bench/peers/options.ts)
 *   ORDO_BENCH_ONLY=ordo-postgres,pg-boss npm run bench
 *   ORDO_BENCH_ONLY=schedules|workflows|flow npm run bench
 *
 * `npm run bench` first installs bench/peers' dependencies and builds Ordo when needed
 * (bench/prepare.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../test/support/global-setup.js';
import { benchFlow } from './flow.js';
import { namesPeerPart } from './peers/options.js';
import { benchScheduleLateness } from './schedules.js';
import { benchWorkflows } from './workflows.js';

const PARTS = ['peers', 'schedules', 'workflows', 'flow'] as const;
const ONLY = (process.env.ORDO_BENCH_ONLY ?? '').split(',').map((t) => t.trim()).filter(Boolean);
const unknown = ONLY.filter((t) => !(PARTS as readonly string[]).includes(t) && !namesPeerPart(t));
if (unknown.length) throw new Error(`ORDO_BENCH_ONLY: ${unknown.join(', ')} names no part (${PARTS.join(', ')}), peer workload or system (bench/peers/options.ts)`);
/** The peers run unless ORDO_BENCH_ONLY names only Ordo's own parts; those run when named. */
const want = (part: (typeof PARTS)[number]): boolean =>
  part === 'peers' ? ONLY.length === 0 || ONLY.some((t) => t === 'peers' || namesPeerPart(t)) : ONLY.includes(part);

if (want('peers')) {
  // Not a static import: the peers' types live in bench/peers/node_modules, which Ordo's own
  // type check (npm run lint) does not install.
  const entry = './peers/main.js';
  const { benchPeers } = (await import(entry)) as { benchPeers(): Promise<void> };
  await benchPeers();
}
if (want('workflows')) {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-'));
  try {
    await benchWorkflows({ engine: 'sqlite', db: join(dir, 'bench.db') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (want('flow')) {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-'));
  try {
    await benchFlow({ engine: 'sqlite', fresh: (run) => ({ db: join(dir, `flow-${run}.db`), cleanup: () => {} }) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (want('schedules') || want('workflows') || want('flow')) {
  const server = process.env.ORDO_BENCH_DATABASE_URL ? null : await startEmbeddedPostgres({ durable: true });
  try {
    const url = process.env.ORDO_BENCH_DATABASE_URL ?? server!.url;
    if (want('schedules')) await benchScheduleLateness(url);
    if (want('workflows')) await benchWorkflows({ engine: 'postgres', db: url, schema: `bench_wf_${Date.now()}` });
    if (want('flow')) await benchFlow({ engine: 'postgres', fresh: (run) => ({ db: url, schema: `bench_flow_${Date.now()}_${run}`, cleanup: () => {} }) });
  } finally {
    await server?.destroy();
  }
}
