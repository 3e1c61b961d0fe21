/**
 * The worker's life as others see it: options refused with a clear error (a lease too short
 * to be safe), `worker:up` and `worker:down` with the liveness window on the worker row, and
 * a database lost for good (StoreLostError): one clear error line, then the worker stops.
 */
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrdo } from '../src/client/ordo.js';
import { LIMITS } from '../src/core/defaults.js';
import { StoreLostError, ValidationError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, freshStore, sqliteFixture } from './support/engines.js';
import { waitFor } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });
const noop = defineTask('noop', async () => 'ok');

afterAll(dropCreatedSchemas);

describe('worker options', () => {
  it.each([1, 500, LIMITS.minLeaseMs - 1])('refuses a lease of %d ms, shorter than the safe minimum', (leaseMs) => {
    const create = () => createWorker({ tasks: [noop], leaseMs, logger: quiet });
    expect(create).toThrow(ValidationError);
    expect(create).toThrow(`leaseMs: expected a whole number from ${LIMITS.minLeaseMs} to ${LIMITS.maxLeaseMs}, received number ${leaseMs}`);
    expect(create).toThrow(/jobs would run twice/);
  });

  it('accepts the minimum lease and refuses heartbeats slower than half of it', () => {
    expect(createWorker({ tasks: [noop], leaseMs: LIMITS.minLeaseMs, logger: quiet }).options).toMatchObject({ leaseMs: 1_000, heartbeatMs: 333 });
    expect(() => createWorker({ tasks: [noop], leaseMs: 1_000, heartbeatMs: 600, logger: quiet })).toThrow('heartbeatMs: expected a whole number from 1 to 500, received number 600');
  });

  it('refuses a maintenance flag that is not a boolean', () => {
    expect(() => createWorker({ tasks: [noop], maintenance: 'no' as unknown as boolean, logger: quiet })).toThrow('maintenance: expected true or false, received string "no"');
  });
});

describe.each(engines)('worker presence on $name', (engine) => {
  it('publishes worker:up and worker:down, and its row carries its liveness window', async () => {
    const store = await freshStore(engine);
    const ordo = await createOrdo({ store });
    const worker = createWorker({ store, tasks: [noop], name: 'present', leaseMs: 3_000, logger: quiet });
    const seen: string[] = [];
    worker.events.on('worker:up', (info) => seen.push(`up ${info.id} ${info.livenessMs}`));
    worker.events.on('worker:down', ({ id }) => seen.push(`down ${id}`));
    try {
      await worker.start();
      expect(seen).toEqual(['up present 3000']); // two 1 s heartbeats and a second
      expect(await ordo.listWorkers()).toMatchObject([{ id: 'present', status: 'alive', livenessMs: 3_000 }]);
      await worker.stop();
      expect(seen).toEqual(['up present 3000', 'down present']);
      expect(await ordo.listWorkers()).toMatchObject([{ id: 'present', status: 'stopped' }]);
    } finally {
      await worker.stop();
      await ordo.close();
      await store.close();
    }
  });
});

/** Log lines written to a stream, parsed. */
function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

it('logs one clear error naming the lost database, and stops', async () => {
  const { db } = await sqliteFixture.freshDatabase();
  const real = await freshStore(sqliteFixture);
  const lost = new StoreLostError(`the SQLite file ${db} was deleted under this process; restart it with the right --db`);
  let gone = false;
  const store = new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || ['close', 'onJobsAvailable'].includes(String(key))) return value;
      return (...args: unknown[]) => (gone ? Promise.reject(lost) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  }) as Store;
  const { lines, stream } = capture();
  const worker = createWorker({ store, tasks: [noop], pollMs: 20, leaseMs: 1_000, logger: createLogger({ destination: stream, format: 'json' }) });
  const downs: string[] = [];
  worker.events.on('worker:down', ({ id }) => downs.push(id));
  try {
    await worker.start();
    gone = true;
    expect(await worker.closed).toBe(lost);
    expect(worker.state).toBe('stopped');
    expect(downs).toEqual([worker.name]);
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'the database is gone; stopping the worker', err: lost.message });
    expect(String(errors[0]!.err)).toContain(db);
  } finally {
    await worker.stop();
    await real.close();
  }
});

it('resolves closed with null after an ordinary stop', async () => {
  const store = await freshStore(sqliteFixture);
  const worker = createWorker({ store, tasks: [noop], logger: quiet });
  await worker.start();
  await worker.stop();
  expect(await worker.closed).toBeNull();
  await store.close();
});

it('runs jobs and stops cleanly with maintenance: false (no leadership taken)', async () => {
  const store = await freshStore(sqliteFixture);
  const ordo = await createOrdo({ store, tasks: [noop] });
  const worker = createWorker({ store, tasks: [noop], maintenance: false, pollMs: 20, logger: quiet });
  await worker.start();
  const { id } = await ordo.enqueue('noop', {});
  await waitFor(() => ordo.getJob(id), (job) => job?.state === 'succeeded', 'the job to succeed');
  expect(worker.isMaintenanceLeader).toBe(false);
  // Nobody leads: another host may take the role at once.
  expect(await store.leaderElect({ name: 'maintenance', holderId: 'other', ttlMs: 1_000 })).toEqual({ term: expect.any(Number) });
  await worker.stop();
  await ordo.close();
  await store.close();
});

it('leaves nothing running after a failed start, and starts on a second try', async () => {
  const real = await freshStore(sqliteFixture);
  let refuse = true;
  const store = new Proxy(real, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== 'workerHeartbeat') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      return (...args: unknown[]) => (refuse ? Promise.reject(new Error('not yet')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  }) as Store;
  const worker = createWorker({ store, tasks: [noop], logger: quiet });
  await expect(worker.start()).rejects.toThrow('not yet');
  expect(worker.state).toBe('idle');
  // Nobody took the maintenance role or keeps it: another host gets it at once.
  expect(await real.leaderElect({ name: 'maintenance', holderId: 'other', ttlMs: 1_000 })).not.toBeNull();
  await real.leaderResign({ name: 'maintenance', holderId: 'other' });
  refuse = false;
  await worker.start();
  expect(worker.state).toBe('running');
  await worker.stop();
  await real.close();
});
