/**
 * An idle `ordo worker` process on SQLite starts a job enqueued by ANOTHER process within
 * milliseconds (it checks the file's data_version while it listens, data-version.ts),
 * instead of at its next poll; and checking costs an idle worker well under 1 % of a core.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/types.js';
import { TEST_TASKS, openDb, startWorker, useTempDatabase, waitFor } from './support/processes.js';

const temp = useTempDatabase();

/** CPU time (user + system) of process `pid` so far, in clock ticks (Linux /proc). */
function cpuTicks(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The `q`-quantile of sorted `values`. */
function quantile(values: readonly number[], q: number): number {
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}

describe('ordo worker process (sqlite): woken by another process', () => {
  it('starts a job enqueued by another process within milliseconds, with its poll a minute away', async () => {
    // A one-minute poll: only the wake-up can start the jobs in time.
    await startWorker(temp.db, TEST_TASKS, ['--poll', '60s']);
    const client = await openDb(temp.db);
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const { id } = await client.enqueue('count.record', { out: temp.dir });
      const finished = await waitFor(`job ${i} to finish`, async () => {
        const job = await client.getJob(id);
        return job?.state === 'succeeded' && job;
      }, { intervalMs: 5, timeoutMs: 10_000 });
      latencies.push(startDelay(finished));
    }
    latencies.sort((a, b) => a - b);
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    console.log(`enqueue → start, idle sqlite worker in another process, 50 jobs: p50 ${p50} ms, p99 ${p99} ms, max ${latencies.at(-1)} ms`);
    // Loose enough for a loaded 2-core machine; without the wake-up every job waits the poll (60 s).
    expect(p50).toBeLessThan(50);
  }, 60_000);

  it.runIf(existsSync('/proc/self/stat'))('costs an idle worker about 1 % of a core, not the 3 % of a hot poll', async () => {
    const worker = await startWorker(temp.db, TEST_TASKS);
    // Let start-up work (module loading, migrations, first claims) settle first.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const ticksPerSecond = 100; // USER_HZ: 100 on every Linux build Node runs on.
    const before = cpuTicks(worker.pid);
    const seconds = 20;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    const share = (cpuTicks(worker.pid) - before) / ticksPerSecond / seconds;
    console.log(`idle sqlite worker: ${(share * 100).toFixed(2)} % of a core over ${seconds} s`);
    // Measured alone on a 2-core machine: about 0.9 % of a core (0.75-1.5 % without any
    // wake-up check, as the machine's own speed varies); while the rest of the suite loads it,
    // up to 1.7 %. Checking by a 5 ms timer instead cost about 3 % alone: the bound is below
    // that. The benchmark reports the figure on a quiet machine (bench/RESULTS.md, idle-cpu).
    expect(share).toBeLessThan(0.025);
  }, 60_000);
});

function startDelay(job: JobRecord): number {
  return job.startedAt!.getTime() - job.createdAt.getTime();
}
