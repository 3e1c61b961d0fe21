/**
 * The planner decides a run's moves from its step rows: a step is released once, when its
 * last parent ended; edge policies fail the run, skip the dependant or let it run; a map step
 * fans out over its source's array; the run ends exactly when every step has ended. `Run`
 * below writes each plan to the rows the way both engines do, so the tests follow a run
 * from start to end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/core/types.js';
import { mapElementFailure, planCancel, planRetry, planRun, planStart, type RunPlan, type StepEnd } from '../../src/core/workflow-plan.js';
import type { EdgePolicy, RunState, StepDefinition, StepRow, WorkflowDefinition } from '../../src/core/workflow-types.js';

type Parent = string | [string, EdgePolicy];

function step(name: string, parents: Parent[] = [], extra: Partial<StepDefinition> = {}): StepDefinition {
  const dependsOn = parents.map((p) => (typeof p === 'string' ? { step: p, policy: 'fail' as const } : { step: p[0], policy: p[1] }));
  return {
    name, task: `task_${name}`, queue: 'default', priority: 0, maxAttempts: 1, timeoutMs: null,
    backoffBaseMs: null, backoffCapMs: null, dependsOn, map: null, condition: null, ...extra,
  };
}

function workflow(steps: StepDefinition[], output: string | null = null): WorkflowDefinition {
  return { name: 'nightly-report', description: null, steps, output };
}

interface SimJob { id: string; step: string; mapIndex: number | null; payload: Json; state: 'pending' | 'succeeded' | 'failed' | 'cancelled'; result: Json | null }

/** A run as an engine keeps it: rows, jobs, the run's state; each plan written as the engines do. */
class Run {
  rows: StepRow[];
  jobs: SimJob[] = [];
  state: RunState = 'running';
  output: Json | null = null;
  error: { name?: string; message: string } | null = null;
  released = new Map<string, number>();
  cancelled: string[] = [];
  private nextId = 100;

  constructor(readonly definition: WorkflowDefinition, readonly input: Json = { day: '2026-01-02' }) {
    const start = planStart({ definition, input });
    this.rows = start.rows;
    this.insert(start.jobs);
  }

  row(name: string): StepRow {
    return this.rows.find((r) => r.step === name)!;
  }

  /** Ends the step's own job (a normal step). */
  end(name: string, end: Omit<StepEnd, 'step'>): RunPlan {
    const job = this.jobs.find((j) => j.id === this.row(name).jobId);
    if (job) Object.assign(job, { state: end.state === 'skipped' ? 'cancelled' : end.state, result: end.result ?? null });
    return this.advance([{ step: name, ...end }]);
  }

  succeed(name: string, result: Json = `${name} done`): RunPlan {
    return this.end(name, { state: 'succeeded', result });
  }

  fail(name: string, message = 'boom'): RunPlan {
    return this.end(name, { state: 'failed', error: { name: 'Error', message } });
  }

  /** Ends one job of a map step, as the engine turns it into an end (or none). */
  endElement(name: string, index: number, state: 'succeeded' | 'failed', result: Json = index): RunPlan | null {
    const job = this.jobs.find((j) => j.step === name && j.mapIndex === index && j.state === 'pending')!;
    Object.assign(job, { state, result: state === 'succeeded' ? result : null });
    const row = this.row(name);
    if (state === 'succeeded') row.mapDone += 1;
    if (row.state !== 'active') return null;
    if (state === 'failed') return this.advance([mapElementFailure({ step: name, index, jobId: job.id, state, error: { message: 'bad element' } })]);
    if (row.mapDone !== row.mapTotal) return null;
    const results = this.jobs.filter((j) => j.step === name && j.mapIndex !== null).sort((a, b) => a.mapIndex! - b.mapIndex!).map((j) => j.result);
    return this.advance([{ step: name, state: 'succeeded', result: results }]);
  }

  advance(ends: StepEnd[]): RunPlan {
    return this.apply(planRun({ definition: this.definition, input: this.input, runState: this.state, steps: this.rows, ends }));
  }

  apply(plan: RunPlan): RunPlan {
    for (const c of plan.steps) {
      const row = this.row(c.step);
      for (const key of ['state', 'result', 'error', 'reason', 'skip', 'mapTotal'] as const) {
        if (c[key] !== undefined) Object.assign(row, { [key]: c[key] });
      }
      if (c.mapTotal !== undefined) row.mapDone = 0;
      if (c.finished !== undefined) row.finishedAt = c.finished ? new Date(0) : null;
    }
    this.insert(plan.jobs);
    for (const name of plan.cancelJobsOf) {
      this.cancelled.push(name);
      for (const job of this.jobs) if (job.step === name && job.state === 'pending') job.state = 'cancelled';
    }
    for (const name of plan.retryJobsOf) {
      for (const job of this.jobs) if (job.step === name && (job.state === 'failed' || job.state === 'cancelled')) job.state = 'pending';
      const row = this.row(name);
      if (row.mapTotal !== null) row.mapDone = this.jobs.filter((j) => j.step === name && j.state === 'succeeded').length;
    }
    if (plan.run) Object.assign(this, { state: plan.run.state, output: plan.run.output, error: plan.run.error });
    return plan;
  }

  private insert(jobs: RunPlan['jobs']): void {
    for (const job of jobs) {
      const id = String(this.nextId++);
      this.jobs.push({ id, step: job.step, mapIndex: job.mapIndex, payload: job.payload, state: 'pending', result: null });
      if (job.mapIndex === null) this.row(job.step).jobId = id;
      if (job.mapIndex === null || job.mapIndex === 0) this.released.set(job.step, (this.released.get(job.step) ?? 0) + 1);
    }
  }

  states(): Record<string, string> {
    return Object.fromEntries(this.rows.map((r) => [r.step, r.state]));
  }
}

const diamond = (policy: EdgePolicy = 'fail', extra: Partial<StepDefinition> = {}) =>
  workflow([step('a'), step('b', ['a']), step('c', ['a']), step('d', [['b', policy], 'c'], extra)]);

describe('planStart', () => {
  it('writes every step waiting in definition order and releases the roots with the run input', () => {
    const { rows, jobs } = planStart({ definition: workflow([step('x'), step('b', ['x', 'y']), step('y')]), input: { n: 1 } });
    expect(rows.map((r) => [r.step, r.state])).toEqual([['x', 'active'], ['b', 'waiting'], ['y', 'active']]);
    expect(rows[1]).toEqual({ step: 'b', state: 'waiting', jobId: null, mapTotal: null, mapDone: 0, result: null, error: null, reason: null, skip: null, finishedAt: null });
    expect(jobs).toEqual([{ step: 'x', mapIndex: null, payload: { n: 1 } }, { step: 'y', mapIndex: null, payload: { n: 1 } }]);
  });
});

describe('planRun', () => {
  it('releases the end of a diamond once, only when both of its parents ended, and outputs the leaf', () => {
    const run = new Run(diamond());
    expect(run.succeed('a').jobs.map((j) => j.step)).toEqual(['b', 'c']);
    expect(run.succeed('c').jobs).toEqual([]);
    expect(run.row('d').state).toBe('waiting');
    const last = run.succeed('b');
    expect(last.jobs).toEqual([{ step: 'd', mapIndex: null, payload: run.input }]);
    expect(last.run).toBeNull();
    const end = run.succeed('d', { rows: 3 });
    expect(end.run).toEqual({ state: 'succeeded', output: { d: { rows: 3 } }, error: null });
    expect([...run.released.values()]).toEqual([1, 1, 1, 1]);
  });

  it('outputs the output step when the definition names one, else every succeeded leaf by name', () => {
    const named = new Run(workflow([step('a'), step('b', ['a']), step('c', ['a'])], 'a'));
    named.succeed('a', [1, 2]); named.succeed('b'); named.succeed('c');
    expect(named.output).toEqual([1, 2]);
    const leaves = new Run(workflow([step('a'), step('b', ['a']), step('c', ['a'], { condition: 'never' })]));
    leaves.succeed('a'); leaves.succeed('b', 7);
    leaves.end('c', { state: 'skipped', skip: 'condition', reason: 'never' });
    expect(leaves.state).toBe('succeeded');
    expect(leaves.output).toEqual({ b: 7 });
  });

  it('policy fail: a failed parent fails the run, cancels the waiting and active steps and their jobs', () => {
    const run = new Run(diamond('fail'));
    run.succeed('a');
    const plan = run.fail('b');
    expect(plan.run).toEqual({ state: 'failed', output: null, error: { name: 'StepFailed', message: 'step b failed: boom' } });
    expect(run.states()).toEqual({ a: 'succeeded', b: 'failed', c: 'cancelled', d: 'cancelled' });
    expect(run.row('d').reason).toBe('run failed: step b failed');
    expect(plan.cancelJobsOf).toEqual(['c']);
    expect(plan.jobs).toEqual([]);
  });

  it('a failed leaf fails the run; a cancelled step is named as cancelled', () => {
    const run = new Run(workflow([step('a'), step('b')]));
    run.end('a', { state: 'cancelled', error: null });
    expect(run.state).toBe('failed');
    expect(run.error?.message).toBe('step a was cancelled');
    expect(run.row('b').reason).toBe('run failed: step a was cancelled');
  });

  it('policy skip: a failed parent skips the dependant and its subtree, and the run still succeeds', () => {
    const run = new Run(workflow([step('a'), step('b', ['a']), step('c', [['b', 'skip']]), step('e', ['c']), step('f', ['a'])]));
    run.succeed('a');
    run.fail('b');
    expect(run.state).toBe('running');
    expect(run.row('c')).toMatchObject({ state: 'skipped', skip: 'parent', reason: 'parent b failed' });
    expect(run.row('e')).toMatchObject({ state: 'skipped', skip: 'parent', reason: 'parent c was skipped' });
    run.succeed('f', 1);
    expect(run.state).toBe('succeeded');
    expect(run.output).toEqual({ f: 1 });
  });

  it('policy continue: the dependant runs once its other parents ended and sees the failure', () => {
    const run = new Run(diamond('continue'));
    run.succeed('a');
    expect(run.fail('b').run).toBeNull();
    expect(run.row('d').state).toBe('waiting');
    expect(run.succeed('c').jobs.map((j) => j.step)).toEqual(['d']);
    run.succeed('d');
    expect(run.state).toBe('succeeded');
    expect(run.row('b').state).toBe('failed');
  });

  it('a step skipped by its condition skips a dependant with fail, without failing the run', () => {
    const run = new Run(workflow([step('a'), step('b', ['a'], { condition: 'found rows' }), step('mail', ['b'])]));
    run.succeed('a');
    run.end('b', { state: 'skipped', skip: 'condition', reason: 'found rows' });
    expect(run.row('b')).toMatchObject({ state: 'skipped', skip: 'condition', reason: 'found rows' });
    expect(run.row('mail')).toMatchObject({ state: 'skipped', skip: 'parent', reason: 'parent b was skipped' });
    expect(run.state).toBe('succeeded');
    expect(run.output).toEqual({});
  });

  describe('map', () => {
    const mapped = (policy: EdgePolicy = 'fail') => workflow([step('a'), step('m', [['a', policy]], { map: 'a' }), step('z', ['m'])]);

    it('runs one job per element and fans in the ordered results to the next step', () => {
      const run = new Run(mapped());
      const plan = run.succeed('a', ['x', 'y', 'z']);
      expect(plan.jobs).toEqual([0, 1, 2].map((i) => ({ step: 'm', mapIndex: i, payload: ['x', 'y', 'z'][i] })));
      expect(plan.steps.find((c) => c.step === 'm')).toEqual({ step: 'm', state: 'active', mapTotal: 3 });
      expect(run.endElement('m', 2, 'succeeded', 'Z')).toBeNull();
      expect(run.endElement('m', 0, 'succeeded', 'X')).toBeNull();
      const last = run.endElement('m', 1, 'succeeded', 'Y')!;
      expect(run.row('m').result).toEqual(['X', 'Y', 'Z']);
      expect(last.jobs).toEqual([{ step: 'z', mapIndex: null, payload: run.input }]);
    });

    it('an empty array ends the map step at once with []', () => {
      const run = new Run(mapped());
      const plan = run.succeed('a', []);
      expect(run.row('m')).toMatchObject({ state: 'succeeded', result: [], mapTotal: 0 });
      expect(plan.jobs.map((j) => j.step)).toEqual(['z']);
    });

    it('a source that returned no array fails the step, naming it, the source and what it got', () => {
      const run = new Run(mapped());
      run.succeed('a', { rows: [] });
      expect(run.row('m').error).toEqual({ name: 'MapSourceNotArray', message: 'map step m: parent a returned an object, expected an array' });
      expect(run.state).toBe('failed');
      expect(run.error?.message).toBe('step m failed: map step m: parent a returned an object, expected an array');
    });

    it('a failed element fails the step and stops its other jobs', () => {
      const run = new Run(mapped());
      run.succeed('a', [1, 2, 3]);
      run.endElement('m', 0, 'succeeded');
      const plan = run.endElement('m', 1, 'failed')!;
      expect(run.row('m').error).toEqual({ name: 'MapElementFailed', message: `element 1 (job ${run.jobs.find((j) => j.mapIndex === 1)!.id}) failed: bad element` });
      expect(plan.cancelJobsOf).toEqual(['m']);
      expect(run.jobs.filter((j) => j.step === 'm').map((j) => j.state)).toEqual(['succeeded', 'failed', 'cancelled']);
      expect(run.state).toBe('failed');
    });

    it('a map source that did not succeed leaves nothing to map: the step is skipped', () => {
      const run = new Run(mapped('continue'));
      run.fail('a');
      expect(run.row('m')).toMatchObject({ state: 'skipped', skip: 'parent', reason: 'nothing to map: parent a failed' });
    });
  });

  it('records an end of a run that is not running, and decides nothing more', () => {
    const run = new Run(workflow([step('a'), step('b'), step('c', ['b'])]));
    run.fail('a');
    expect(run.row('b').state).toBe('cancelled');
    const plan = run.succeed('b', 'late');
    expect(plan).toEqual({ steps: [{ step: 'b', state: 'succeeded', result: 'late', error: null, reason: null, skip: null, finished: true }], jobs: [], cancelJobsOf: [], retryJobsOf: [], run: null });
    expect(run.row('c').state).toBe('cancelled');
  });
});

describe('planCancel', () => {
  it('cancels the waiting and active steps, the active ones with their jobs, and the run', () => {
    const run = new Run(diamond());
    run.succeed('a');
    run.succeed('b');
    const plan = run.apply(planCancel({ steps: run.rows }));
    expect(plan.run).toEqual({ state: 'cancelled', output: null, error: { name: 'Cancelled', message: 'run cancelled' } });
    expect(run.states()).toEqual({ a: 'succeeded', b: 'succeeded', c: 'cancelled', d: 'cancelled' });
    expect(plan.cancelJobsOf).toEqual(['c']);
    expect(plan.steps.map((c) => [c.step, c.reason])).toEqual([['c', 'run cancelled'], ['d', 'run cancelled']]);
  });
});

describe('a job that stops after its step was cancelled', () => {
  it('keeps the reason the step was cancelled for', () => {
    const run = new Run(diamond());
    run.succeed('a');
    run.apply(planCancel({ steps: run.rows }));
    expect(run.row('b')).toMatchObject({ state: 'cancelled', reason: 'run cancelled' });
    run.end('b', { state: 'cancelled', reason: 'job 12 was cancelled' });
    expect(run.row('b')).toMatchObject({ state: 'cancelled', reason: 'run cancelled' });
    // Another end (the job finished before it noticed) is the job's real outcome.
    run.end('c', { state: 'succeeded', result: 'C' });
    expect(run.row('c')).toMatchObject({ state: 'succeeded', reason: null });
  });
});

describe('planRetry', () => {
  it('keeps succeeded steps, runs failed ones again with their jobs, and re-decides the rest', () => {
    const run = new Run(workflow([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c']), step('s', [['b', 'skip']])]));
    run.succeed('a');
    run.succeed('c');
    run.fail('b');
    expect(run.states()).toEqual({ a: 'succeeded', b: 'failed', c: 'succeeded', d: 'cancelled', s: 'cancelled' });
    const plan = run.apply(planRetry({ definition: run.definition, input: run.input, steps: run.rows }));
    expect(plan.run).toEqual({ state: 'running', output: null, error: null });
    expect(plan.retryJobsOf).toEqual(['b']);
    expect(plan.jobs).toEqual([]);
    expect(run.states()).toEqual({ a: 'succeeded', b: 'active', c: 'succeeded', d: 'waiting', s: 'waiting' });
    expect(run.row('b')).toMatchObject({ error: null, reason: null, finishedAt: null });
    run.succeed('b');
    run.succeed('d');
    run.succeed('s');
    expect(run.state).toBe('succeeded');
    expect(run.released.get('a')).toBe(1);
  });

  it('runs again a step skipped because of a parent: it waits for the parent again', () => {
    const run = new Run(workflow([step('a'), step('b', ['a']), step('s', [['b', 'skip']]), step('c', ['a'])]));
    run.succeed('a');
    run.fail('b');
    expect(run.row('s')).toMatchObject({ state: 'skipped', skip: 'parent' });
    run.fail('c');
    expect(run.state).toBe('failed');
    const plan = run.apply(planRetry({ definition: run.definition, input: run.input, steps: run.rows }));
    expect(plan.retryJobsOf).toEqual(['b', 'c']);
    expect(plan.steps.find((c) => c.step === 's')).toEqual({ step: 's', state: 'waiting', result: null, error: null, reason: null, skip: null, finished: false });
    run.succeed('b');
    expect(run.row('s').state).toBe('active');
  });

  it('a map step runs again only its unsucceeded elements', () => {
    const run = new Run(workflow([step('a'), step('m', ['a'], { map: 'a' })]));
    run.succeed('a', [1, 2]);
    run.endElement('m', 0, 'succeeded', 'one');
    run.endElement('m', 1, 'failed');
    run.apply(planRetry({ definition: run.definition, input: run.input, steps: run.rows }));
    expect(run.row('m')).toMatchObject({ state: 'active', mapTotal: 2, mapDone: 1 });
    run.endElement('m', 1, 'succeeded', 'two');
    expect(run.state).toBe('succeeded');
    expect(run.output).toEqual({ m: ['one', 'two'] });
  });

  it('keeps a step skipped by its condition', () => {
    const run = new Run(workflow([step('a'), step('b', ['a'], { condition: 'x > 1' }), step('c', ['a'])]));
    run.succeed('a');
    run.end('b', { state: 'skipped', skip: 'condition', reason: 'x > 1' });
    run.fail('c');
    const plan = run.apply(planRetry({ definition: run.definition, input: run.input, steps: run.rows }));
    expect(plan.steps.map((c) => c.step)).toEqual(['c']);
  });
});

describe('planRun on random graphs', () => {
  /** A random DAG: step i depends on some of the steps before it (declared in shuffled order). */
  const graphs = fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(
    fc.array(fc.array(fc.tuple(fc.boolean(), fc.constantFrom<EdgePolicy>('fail', 'skip', 'continue')), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
    fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
  ).map(([edges, maps, order]) => {
    const steps = [...Array(n).keys()].map((i) => {
      const parents: [string, EdgePolicy][] = edges[i]!.slice(0, i).flatMap(([on, policy], j) => (on ? [[`s${j}`, policy]] : []));
      const map = maps[i] && parents.length > 0 ? parents[0]![0] : null;
      return step(`s${i}`, parents, { map });
    });
    return workflow(order.map((i) => steps[i]!));
  }));
  /** How each job ends: mostly success with an array result (maps fan out), sometimes a failure. */
  const outcomes = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 })), { minLength: 200, maxLength: 200 });

  it('releases every step at most once, and ends the run exactly when every step has ended', () => {
    fc.assert(fc.property(graphs, outcomes, (definition, draws) => {
      const run = new Run(definition);
      for (const [pick, roll, size] of draws) {
        if (run.state !== 'running') break;
        const open = run.jobs.filter((j) => j.state === 'pending');
        expect(open.length, 'a running run has work to do').toBeGreaterThan(0);
        const job = open[pick % open.length]!;
        const ok = roll > 0;
        if (job.mapIndex !== null) run.endElement(job.step, job.mapIndex, ok ? 'succeeded' : 'failed', size);
        else if (ok) run.succeed(job.step, [...Array(size).keys()]);
        else run.fail(job.step);
        const allEnded = run.rows.every((r) => !['waiting', 'active'].includes(r.state));
        expect(run.state !== 'running').toBe(allEnded);
      }
      expect(run.state).not.toBe('running');
      for (const count of run.released.values()) expect(count).toBe(1);
      if (run.state === 'succeeded') expect(run.rows.every((r) => ['succeeded', 'skipped', 'failed'].includes(r.state))).toBe(true);
    }), { numRuns: 300 });
  });
});
