/**
 * The producer process: enqueues jobs for the harness through one system's own client, and
 * counts the jobs in the store. Each enqueue workload is timed here, in the process that
 * enqueues, so the harness's own work never counts.
 */
import type { Client } from './clients/client.js';
import { now, serveParent, sleep } from './rpc.js';
import { SYSTEMS, type Counts, type SystemName, type Target } from './systems.js';

export interface ProducerCalls {
  /** Each resolves with the milliseconds it took. */
  enqueueSequential(n: number): Promise<number>;
  enqueueInFlight(n: number, inFlight: number): Promise<number>;
  enqueueBulk(n: number, chunk: number, from?: number): Promise<number>;
  /** One job every `spacingMs`, to start `delayMs` after it is sent; resolves with when each was sent. */
  enqueuePaced(n: number, spacingMs: number, delayMs: number): Promise<Float64Array>;
  counts(): Promise<Counts>;
  /** Polls the counts until no job waits or runs and `total` have ended; `at` is when the poll that saw it began. */
  waitDrained(total: number, limitMs: number): Promise<{ at: number; counts: Counts; drained: boolean }>;
  close(): Promise<void>;
}

export interface ProducerEvents {
  ready(): void;
}

/** How often the drain is polled: each poll is one cheap count, and its period bounds the error of a measurement's end. */
const DRAIN_POLL_MS = 2;

const { system, target } = JSON.parse(process.env.BENCH_PRODUCER!) as { system: SystemName; target: Target };
const { openClient } = (await import(`./clients/${SYSTEMS.find((s) => s.name === system)!.module}.js`)) as { openClient: (target: Target) => Promise<Client> };
const client = await openClient(target);

async function timed(work: () => Promise<void>): Promise<number> {
  const start = now();
  await work();
  return now() - start;
}

const calls: ProducerCalls = {
  enqueueSequential: (n) =>
    timed(async () => {
      for (let i = 0; i < n; i++) await client.enqueue(i);
    }),
  enqueueInFlight: (n, inFlight) =>
    timed(async () => {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < n) await client.enqueue(next++);
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    }),
  enqueueBulk: (n, chunk, from = 0) =>
    timed(async () => {
      for (let i = from; i < from + n; i += chunk) await client.enqueueMany(i, Math.min(chunk, from + n - i));
    }),
  async enqueuePaced(n, spacingMs, delayMs) {
    const sent = new Float64Array(n);
    const start = now();
    for (let i = 0; i < n; i++) {
      sent[i] = now();
      await client.enqueue(i, delayMs);
      await sleep(Math.max(0, start + (i + 1) * spacingMs - now()));
    }
    return sent;
  },
  counts: () => client.counts(),
  async waitDrained(total, limitMs) {
    const deadline = now() + limitMs;
    for (;;) {
      const at = now();
      const counts = await client.counts();
      const drained = counts.waiting === 0 && counts.running === 0 && counts.done + counts.failed >= total;
      if (drained || at > deadline) return { at, counts, drained };
      await sleep(DRAIN_POLL_MS);
    }
  },
  async close() {
    await client.close();
    setTimeout(() => process.exit(0), 20);
  },
};

serveParent<ProducerEvents>(calls).ready.asEvent();
