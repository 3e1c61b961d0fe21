/**
 * The instrumented store over real stores of both engines: every call is counted and timed
 * per method, errors are counted and reported with the error, the answers are the store's
 * own, a throwing listener changes nothing, and engine extras survive the wrapping.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { type StoreCall, instrumentStore } from '../src/store/instrumented.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { everyNext, everyPlan, job, schedule } from './support/jobs.js';

describe.each(engines)('instrumented store: $name', (engine) => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(dropCreatedSchemas);

  async function fresh(onCall?: (call: StoreCall) => void) {
    const inner = await freshStore(engine);
    opened.push(inner);
    return instrumentStore(inner, onCall ? { onCall } : {});
  }

  it('counts and times every call per method, and returns the store its answers', async () => {
    const calls: StoreCall[] = [];
    const { store, stats } = await fresh((call) => calls.push(call));
    const [created] = await store.jobInsertMany({ jobs: [job(), job()] });
    expect(await store.jobGet({ id: created!.id })).toMatchObject({ id: created!.id, state: 'pending' });
    await store.jobGet({ id: created!.id });
    await store.queueStats();
    expect(calls.map((c) => c.method)).toEqual(['jobInsertMany', 'jobGet', 'jobGet', 'queueStats']);
    expect(calls.every((c) => c.durationMs >= 0 && c.error === undefined)).toBe(true);
    const totals = stats();
    expect(Object.keys(totals).sort()).toEqual(['jobGet', 'jobInsertMany', 'queueStats']);
    expect(totals.jobGet).toMatchObject({ calls: 2, errors: 0 });
    expect(totals.jobGet!.maxMs).toBeGreaterThan(0);
    expect(totals.jobGet!.totalMs).toBeGreaterThanOrEqual(totals.jobGet!.maxMs);
    // A snapshot: later calls do not change it.
    await store.jobGet({ id: created!.id });
    expect(totals.jobGet!.calls).toBe(2);
    expect(stats().jobGet!.calls).toBe(3);
  });

  it('observes the schedule methods too, with their errors classified', async () => {
    const calls: StoreCall[] = [];
    const { store } = await fresh((call) => calls.push(call));
    const unsubscribe = store.onSchedulesChanged(() => undefined);
    await store.scheduleUpsert({ schedule: schedule(), mode: 'create', next: everyNext(60_000) });
    await store.scheduleUpsert({ schedule: schedule(), mode: 'create', next: everyNext(60_000) }).catch(() => undefined);
    await store.scheduleFireDue({ limit: 10, plan: everyPlan });
    await store.scheduleFireNow({ name: 'every-minute' });
    await store.jobPrune({ olderThanMs: 0 });
    unsubscribe();
    expect(calls.map((c) => [c.method, c.errorCode])).toEqual([
      ['onSchedulesChanged', undefined],
      ['scheduleUpsert', undefined],
      ['scheduleUpsert', 'conflict'],
      ['scheduleFireDue', undefined],
      ['scheduleFireNow', undefined],
      ['jobPrune', undefined],
    ]);
  });

  it("observes the HTTP API's calls too: executions, changes and tokens, with their errors classified", async () => {
    const calls: StoreCall[] = [];
    const { store, stats } = await fresh((call) => calls.push(call));
    const token = { id: 't1', name: null, scope: 'read' as const, hash: 'a'.repeat(64) };
    expect(await store.tokenCreate(token)).toMatchObject({ id: 't1', revokedAt: null });
    await store.tokenCreate(token).catch(() => undefined);
    await store.tokenGet({ id: 't1' });
    await store.tokenList();
    await store.tokenRevoke({ id: 't1' });
    expect(await store.executionList({ limit: 10 })).toEqual([]);
    await store.executionList({ limit: 0 }).catch(() => undefined);
    expect(await store.jobChanges({ afterId: '0', from: new Date(0), to: new Date(), limit: 10 })).toMatchObject({ created: [] });
    expect(calls.map((c) => [c.method, c.errorCode])).toEqual([
      ['tokenCreate', undefined],
      ['tokenCreate', 'conflict'],
      ['tokenGet', undefined],
      ['tokenList', undefined],
      ['tokenRevoke', undefined],
      ['executionList', undefined],
      ['executionList', 'invalid_argument'],
      ['jobChanges', undefined],
    ]);
    expect(stats().executionList).toMatchObject({ calls: 2, errors: 1 });
  });

  it('counts a failed call as an error and reports the error, which the caller still gets', async () => {
    const calls: StoreCall[] = [];
    const { store, stats } = await fresh((call) => calls.push(call));
    const bad = { task: 'x' } as never;
    const error = await store.jobInsertMany({ jobs: [bad] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect(calls).toEqual([{ method: 'jobInsertMany', durationMs: expect.any(Number), error, errorCode: expect.any(String) }]);
    expect(stats().jobInsertMany).toMatchObject({ calls: 1, errors: 1 });
  });

  it("classifies an error by its code", async () => {
    const calls: StoreCall[] = [];
    const { store } = await fresh((call) => calls.push(call));
    await store.jobDeleteMany({ queue: 'default', states: ['running'] }).catch(() => undefined);
    expect(calls).toEqual([expect.objectContaining({ method: 'jobDeleteMany', errorCode: 'invalid_argument' })]);
  });

  it('keeps answering when the listener throws', async () => {
    const { store, stats } = await fresh(() => {
      throw new Error('listener bug');
    });
    expect(await store.jobList({})).toEqual({ jobs: [], total: 0 });
    expect(stats().jobList).toMatchObject({ calls: 1, errors: 0 });
  });

  it('keeps the shape: properties, synchronous methods and engine extras', async () => {
    const inner = await freshStore(engine);
    opened.push(inner);
    const { store, stats } = instrumentStore(inner);
    expect(store.engine).toBe(engine.name);
    expect(store.capabilities).toEqual(inner.capabilities);
    const unsubscribe = store.onJobsAvailable(() => undefined);
    expect(typeof unsubscribe).toBe('function');
    unsubscribe();
    expect(stats().onJobsAvailable).toMatchObject({ calls: 1, errors: 0 });
    if (engine.name === 'postgres') {
      await (store as Store & { listening(): Promise<void> }).listening();
      expect(stats().listening).toMatchObject({ calls: 1 });
    }
  });
});
