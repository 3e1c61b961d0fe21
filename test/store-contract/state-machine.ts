/**
 * Contract area: the job state machine of src/core/states.ts, walked through the Store.
 * Every move in the table is performed from a job brought into its source state, and must
 * land in its target; every operation that has no move from a state is tried on a job in
 * that state, and must leave the job exactly as it was (the whole record, not only its
 * state). Leases expire by the test clock, not by waiting.
 *
 * Adding a state: a way into it in `REACH`, a performer per move in `MOVES`; the first test
 * fails while a move of the table has no performer here.
 */
import { expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { JOB_OPERATIONS, JOB_STATE_TABLE, JOB_TRANSITIONS, type JobOperation, type JobTransition } from '../../src/core/states.js';
import { JOB_STATES, type JobRecord, type JobState } from '../../src/core/types.js';
import type { JobStore, Store } from '../../src/store/contract.js';
import type { TestClock } from '../support/clock.js';
import { type ContractContext, finishOf, insert, job, mustGet } from './support.js';

// Every operation of the table is a JobStore method.
const OPERATIONS: readonly (keyof JobStore)[] = JOB_OPERATIONS;

const LEASE_MS = 30_000;
const PAST_LEASE_MS = LEASE_MS + 5_000;

interface Walk {
  store: Store;
  clock: TestClock;
}

interface Setup {
  /** Attempts allowed: 1 makes a rescued or failed attempt final. */
  maxAttempts?: number;
  /** Ask to cancel the job once it runs. */
  cancelRequested?: boolean;
}

const claim = (w: Walk) => w.store.jobClaim({ workerId: 'walker', queues: ['default'], limit: 5, leaseMs: LEASE_MS });

/** Brings a new job into each state through the store's own operations. */
const REACH: Record<JobState, (w: Walk, setup: Setup) => Promise<string>> = {
  pending: async (w, setup) => (await insert(w.store, job({ maxAttempts: setup.maxAttempts ?? 3 })))[0]!,
  running: async (w, setup) => {
    const id = await REACH.pending(w, setup);
    expect((await claim(w)).map((j) => j.id)).toEqual([id]);
    if (setup.cancelRequested) await w.store.jobCancel({ id });
    return id;
  },
  succeeded: async (w, setup) => finish(w, await REACH.running(w, setup), { state: 'succeeded', outcome: 'succeeded' }),
  failed: async (w, setup) => finish(w, await REACH.running(w, setup), { state: 'failed', outcome: 'failed', error: { message: 'boom' } }),
  cancelled: async (w, setup) => {
    const id = await REACH.pending(w, setup);
    await w.store.jobCancel({ id });
    return id;
  },
};

async function finish(w: Walk, id: string, overrides: Parameters<typeof finishOf>[1]): Promise<string> {
  const { applied } = await w.store.jobFinishMany({ finishes: [finishOf(await mustGet(w.store, id), overrides)] });
  expect(applied).toEqual([id]);
  return id;
}

async function rescue(w: Walk, id: string): Promise<void> {
  w.clock.advance(PAST_LEASE_MS);
  const { rescued, failed, cancelled } = await w.store.jobRescueExpired();
  expect([...rescued, ...failed, ...cancelled]).toEqual([id]);
}

interface Move {
  setup?: Setup;
  /** Performs the move on job `id` (null: the move creates the job); returns the job's id. */
  act(w: Walk, id: string | null): Promise<string>;
}

/** One performer per move of the table, keyed `from>to:operation`. */
const MOVES: Record<string, Move> = {
  'new>pending:jobInsertMany': { act: async (w) => (await insert(w.store, job()))[0]! },
  'pending>running:jobClaim': { act: async (w, id) => ((await claim(w))[0]?.id ?? `not claimed: ${id}`) },
  'pending>cancelled:jobCancel': { act: async (w, id) => (await w.store.jobCancel({ id: id! }), id!) },
  'pending>deleted:jobDeleteMany': { act: async (w, id) => (expect(await w.store.jobDeleteMany({ queue: 'default' })).toBe(1), id!) },
  'running>succeeded:jobFinishMany': { act: (w, id) => finish(w, id!, { state: 'succeeded', outcome: 'succeeded' }) },
  'running>failed:jobFinishMany': { act: (w, id) => finish(w, id!, { state: 'failed', outcome: 'failed', error: { message: 'x' } }) },
  'running>pending:jobFinishMany': { act: (w, id) => finish(w, id!, { state: 'pending', outcome: 'failed', retryDelayMs: 0 }) },
  'running>cancelled:jobFinishMany': { act: (w, id) => finish(w, id!, { state: 'cancelled', outcome: 'cancelled' }) },
  'running>pending:jobRescueExpired': { act: async (w, id) => (await rescue(w, id!), id!) },
  'running>failed:jobRescueExpired': { setup: { maxAttempts: 1 }, act: async (w, id) => (await rescue(w, id!), id!) },
  'running>cancelled:jobRescueExpired': { setup: { cancelRequested: true }, act: async (w, id) => (await rescue(w, id!), id!) },
  'failed>pending:jobRetry': { act: async (w, id) => (expect(await w.store.jobRetry({ id: id! })).toMatchObject({ retried: true }), id!) },
  'cancelled>pending:jobRetry': { act: async (w, id) => (expect(await w.store.jobRetry({ id: id! })).toMatchObject({ retried: true }), id!) },
  'succeeded>deleted:jobDeleteMany': { act: (w, id) => deleteIn(w, id!, 'succeeded') },
  'failed>deleted:jobDeleteMany': { act: (w, id) => deleteIn(w, id!, 'failed') },
  'cancelled>deleted:jobDeleteMany': { act: (w, id) => deleteIn(w, id!, 'cancelled') },
  'succeeded>deleted:jobPrune': { act: (w, id) => prune(w, id!) },
  'failed>deleted:jobPrune': { act: (w, id) => prune(w, id!) },
  'cancelled>deleted:jobPrune': { act: (w, id) => prune(w, id!) },
};

/** Prunes everything finished before now (a moment after the job finished). */
async function prune(w: Walk, id: string): Promise<string> {
  w.clock.advance(10);
  expect(await w.store.jobPrune({ olderThanMs: 0 })).toEqual({ jobs: 1, fires: 0, audit: 0, runs: 0, events: 0 });
  return id;
}

async function deleteIn(w: Walk, id: string, state: JobState): Promise<string> {
  expect(await w.store.jobDeleteMany({ queue: 'default', states: [state] })).toBe(1);
  return id;
}

/** Tries an operation that has no move from the job's state; the job must not change. */
const ATTEMPTS: Record<Exclude<JobOperation, 'jobInsertMany'>, (w: Walk, before: JobRecord) => Promise<void>> = {
  jobClaim: async (w) => expect(await claim(w)).toEqual([]),
  jobFinishMany: async (w, before) => {
    const finishes = (['succeeded', 'failed', 'pending', 'cancelled'] as const).map((state) => finishOf(before, { state, outcome: 'failed', workerId: before.lockedBy ?? 'walker' }));
    expect(await w.store.jobFinishMany({ finishes })).toEqual({ applied: [] });
  },
  jobCancel: async (w, before) => expect(await w.store.jobCancel({ id: before.id })).toEqual({ state: before.state, cancelRequested: before.cancelRequested }),
  jobRetry: async (w, before) => expect(await w.store.jobRetry({ id: before.id })).toEqual({ retried: false, state: before.state }),
  jobRescueExpired: async (w) => {
    w.clock.advance(PAST_LEASE_MS);
    expect(await w.store.jobRescueExpired()).toEqual({ rescued: [], failed: [], cancelled: [] });
  },
  jobDeleteMany: async (w, before) => {
    await expect(w.store.jobDeleteMany({ queue: 'default', states: [before.state] })).rejects.toBeInstanceOf(ValidationError);
  },
  jobPrune: async (w) => {
    w.clock.advance(PAST_LEASE_MS);
    expect(await w.store.jobPrune({ olderThanMs: 0 })).toEqual({ jobs: 0, fires: 0, audit: 0, runs: 0, events: 0 });
  },
};

const keyOf = (t: JobTransition): string => `${t.from}>${t.to}:${t.operation}`;

/** Every (state, operation) that is neither a move nor an operation the state allows in place. */
function refusedPairs(): [JobState, Exclude<JobOperation, 'jobInsertMany'>][] {
  const pairs: [JobState, Exclude<JobOperation, 'jobInsertMany'>][] = [];
  for (const state of JOB_STATES) {
    for (const operation of JOB_OPERATIONS) {
      if (operation === 'jobInsertMany') continue;
      const moves = JOB_TRANSITIONS.some((t) => t.from === state && t.operation === operation);
      if (!moves && !JOB_STATE_TABLE[state].stays.includes(operation)) pairs.push([state, operation]);
    }
  }
  return pairs;
}

export function stateMachineCases(ctx: ContractContext): void {
  const walk = (): Walk => ({ store: ctx.store, clock: ctx.clock });

  it('has a performer for every move of the table, and none for a move it lacks', () => {
    expect(OPERATIONS.length).toBe(JOB_OPERATIONS.length);
    expect(Object.keys(MOVES).sort()).toEqual(JOB_TRANSITIONS.map(keyOf).sort());
  });

  for (const transition of JOB_TRANSITIONS) {
    it(`moves ${transition.from} -> ${transition.to} by ${transition.operation}`, async () => {
      const move = MOVES[keyOf(transition)];
      if (!move) throw new Error(`no performer for ${keyOf(transition)}`);
      const w = walk();
      const from = transition.from === 'new' ? null : await REACH[transition.from](w, move.setup ?? {});
      const id = await move.act(w, from);
      const after = await w.store.jobGet({ id });
      if (transition.to === 'deleted') expect(after).toBeNull();
      else expect(after?.state).toBe(transition.to);
    });
  }

  for (const [state, operation] of refusedPairs()) {
    it(`leaves a ${state} job unchanged on ${operation}`, async () => {
      const w = walk();
      const id = await REACH[state](w, {});
      const before = await mustGet(w.store, id);
      await ATTEMPTS[operation](w, before);
      expect(await w.store.jobGet({ id })).toEqual(before);
    });
  }
}
