/**
 * LISTEN/NOTIFY wake-ups across store instances: latency from an enqueue in one store to
 * onJobsAvailable in another, one signal per write (not two: the local emit and the echo of
 * our own NOTIFY), and recovery of the LISTEN connection after it is cut.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { job } from './support/jobs.js';
import { freshSchema, heardQueues, terminateSessions, usePostgres, waitForSignal } from './support/postgres.js';
import { sleep, waitUntil } from './support/wait.js';

const SAMPLES = 300;

describe('postgres notifications', () => {
  const pg = usePostgres();

  it('wakes a subscriber of another store within milliseconds of an insert', async () => {
    const schema = freshSchema('ntf');
    const writer = await pg.open({ schema });
    const reader = await pg.open({ schema });
    let arrived: (() => void) | null = null;
    reader.onJobsAvailable(() => arrived?.());
    await reader.listening();
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const heard = new Promise<number>((resolve) => {
        arrived = () => resolve(performance.now());
      });
      const start = performance.now();
      await writer.jobInsertMany({ jobs: [job({ queue: `q${i % 7}` })] });
      latencies.push((await heard) - start);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(SAMPLES / 2)]!;
    const p95 = latencies[Math.floor(SAMPLES * 0.95)]!;
    console.info(`enqueue-to-notify across stores, ${SAMPLES} samples: median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`);
    expect(median).toBeLessThan(50);
  });

  it('signals a store once for its own write, and other stores once too', async () => {
    const schema = freshSchema('ntf');
    const a = await pg.open({ schema });
    const b = await pg.open({ schema });
    const [heardA, heardB] = await Promise.all([heardQueues(a), heardQueues(b)]);
    await a.jobInsertMany({ jobs: [job({ queue: 'x' }), job({ queue: 'x' }), job({ queue: 'y' })] });
    await waitUntil(() => heardB.length >= 2, 3000, 'signals in store b');
    await sleep(100);
    expect(heardA.sort()).toEqual(['x', 'y']);
    expect(heardB.sort()).toEqual(['x', 'y']);
  });

  it('reconnects and listens again after its LISTEN connection is cut', async () => {
    const schema = freshSchema('ntf');
    const writer = await pg.open({ schema });
    // Not migrating, the reader opens no pooled connection: its one session is LISTEN's.
    const reader = await pg.open({ schema, applicationName: 'ordo-test-listener', migrate: false });
    const heard = await heardQueues(reader);
    expect(await terminateSessions('ordo-test-listener')).toBe(1);
    // The listener reconnects with backoff (first retry within a few hundred ms).
    await waitForSignal(writer, heard, 'after-cut', 10_000, 'a signal after the LISTEN connection was cut');
  });
});
