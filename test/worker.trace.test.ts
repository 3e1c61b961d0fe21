/**
 * Trace ids: given at enqueue, stored with the job, handed to the handler as `ctx.traceId`,
 * and carried by every JSON log line the worker writes about the job (its start, what its
 * handler logged, a retry, its end), on both engines.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { ValidationError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { JobRecord } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { waitFor } from './support/wait.js';

type Line = Record<string, unknown>;

function capture(): { lines: Line[]; stream: Writable } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  return { lines, stream };
}

afterAll(dropCreatedSchemas);

describe.each(engines)('trace ids on $name', (engine) => {
  let store: Store | undefined;
  let worker: Worker | undefined;
  const seen: (string | null)[] = [];

  const task = defineTask('traced', { retry: { baseMs: 10, capMs: 10 } }, async (payload: { fail?: boolean }, ctx) => {
    seen.push(ctx.traceId);
    ctx.log(`handling attempt ${ctx.attempt}`);
    if (payload.fail || ctx.attempt === 1) throw new Error(`failure on attempt ${ctx.attempt}`);
    return 'ok';
  });

  async function setup(): Promise<{ ordo: Ordo; lines: Line[] }> {
    store = await freshStore(engine);
    const { lines, stream } = capture();
    worker = createWorker({ store, tasks: [task], pollMs: 20, logger: createLogger({ destination: stream, format: 'json', level: 'debug' }) });
    await worker.start();
    return { ordo: await createOrdo({ store, tasks: [task] }), lines };
  }

  afterEach(async () => {
    await worker?.stop({ graceMs: 0 });
    await store?.close();
    [store, worker] = [undefined, undefined];
    seen.length = 0;
  });

  const ended = (ordo: Ordo, id: string) =>
    waitFor(() => ordo.getJob(id), (job) => job?.state === 'succeeded' || job?.state === 'failed', `job ${id} to end`) as Promise<JobRecord>;

  it("carries the job's trace id in every log line about it, and gives it to the handler", async () => {
    const { ordo, lines } = await setup();
    const { id } = await ordo.enqueue('traced', {}, { traceId: 'req-7f3a' });
    const job = await ended(ordo, id);
    expect(job).toMatchObject({ state: 'succeeded', traceId: 'req-7f3a' });
    expect(seen).toEqual(['req-7f3a', 'req-7f3a']);
    await waitFor(() => lines.filter((l) => l.jobId === id).length, (n) => n >= 6, 'the log lines of both attempts');
    const about = lines.filter((l) => l.jobId === id);
    expect(about.map((l) => [l.msg, l.attempt])).toEqual([
      ['job started', 1],
      ['handling attempt 1', 1],
      ['attempt failed; job retried later', 1],
      ['job started', 2],
      ['handling attempt 2', 2],
      ['job succeeded', 2],
    ]);
    for (const line of about) expect(line, String(line.msg)).toMatchObject({ traceId: 'req-7f3a', task: 'traced', worker: worker!.name });
    expect(about[2]).toMatchObject({ level: 30, outcome: 'failed', error: 'failure on attempt 1', retryInMs: expect.any(Number) });
  });

  it('logs a job failed for good with its trace id, and leaves the field out for a job without one', async () => {
    const { ordo, lines } = await setup();
    const failed = await ended(ordo, (await ordo.enqueue('traced', { fail: true }, { traceId: 'batch 12 / item 3', maxAttempts: 1 })).id);
    const plain = await ended(ordo, (await ordo.enqueue('traced', {}, { maxAttempts: 2 })).id);
    expect(plain.traceId).toBeNull();
    await waitFor(() => lines.filter((l) => l.msg === 'job succeeded').length, (n) => n === 1, 'the plain job to be logged');
    expect(lines.find((l) => l.jobId === failed.id && l.msg === 'job failed')).toMatchObject({ level: 40, traceId: 'batch 12 / item 3', error: 'failure on attempt 1' });
    const plainLines = lines.filter((l) => l.jobId === plain.id);
    expect(plainLines.length).toBeGreaterThanOrEqual(5);
    for (const line of plainLines) expect(line).not.toHaveProperty('traceId');
    expect(seen.at(-1)).toBeNull();
  });

  it('refuses a trace id that is not 1 to 200 characters of text without control characters', async () => {
    const { ordo } = await setup();
    for (const bad of ['', 'x'.repeat(201), 'line\nbreak', 42 as unknown as string]) {
      await expect(ordo.enqueue('traced', {}, { traceId: bad }), JSON.stringify(bad)).rejects.toThrow(ValidationError);
      await expect(ordo.enqueue('traced', {}, { traceId: bad }), JSON.stringify(bad)).rejects.toThrow(/^traceId: expected a string of 1 to 200 characters/);
    }
    expect((await ordo.enqueue('traced', {}, { traceId: 'x'.repeat(200) })).created).toBe(true);
  });
});
