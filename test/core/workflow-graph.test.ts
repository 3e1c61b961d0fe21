/**
 * drawRun and drawDefinition draw a workflow as plain text: steps in topological layers, each
 * with its parents and non-default policies, and for a run its state, job, map progress,
 * reason or error. The whole text is compared, so a change to the drawing is a visible diff.
 */
import { describe, expect, it } from 'vitest';
import { drawDefinition, drawRun, inLayers } from '../../src/core/workflow-graph.js';
import type { Checkpoint, EdgePolicy, RunRecord, RunStep, StepDefinition, WorkflowDefinition } from '../../src/core/workflow-types.js';

function step(name: string, parents: (string | [string, EdgePolicy])[] = [], extra: Partial<StepDefinition> = {}): StepDefinition {
  const dependsOn = parents.map((p) => (typeof p === 'string' ? { step: p, policy: 'fail' as const } : { step: p[0], policy: p[1] }));
  return {
    name, task: `task_${name}`, queue: 'default', priority: 0, maxAttempts: 3, timeoutMs: null, backoffBaseMs: null, backoffCapMs: null,
    dependsOn, map: null, condition: null, ...extra,
  };
}

/** Declared out of order on purpose: the drawing puts each step below its parents. */
const definition: WorkflowDefinition = {
  name: 'nightly-report',
  description: 'exports, report, mail',
  steps: [
    step('d', ['b', ['c', 'continue']]),
    step('a'),
    step('b', ['a'], { queue: 'reports' }),
    step('c', ['a'], { map: 'a' }),
    step('mail', [['d', 'skip']], { condition: 'report found rows' }),
  ],
  output: 'd',
};

function runStep(def: StepDefinition, fields: Partial<RunStep>): RunStep {
  return {
    step: def.name, state: 'waiting', jobId: null, mapTotal: null, mapDone: 0, result: null, error: null, reason: null, skip: null, finishedAt: null,
    task: def.task, dependsOn: def.dependsOn, map: def.map, condition: def.condition, jobState: null, attempt: null, startedAt: null, mapJobs: null, ...fields,
  };
}

describe('drawRun', () => {
  it('draws each step in layers with its state and what explains it', () => {
    const [d, a, b, c, mail] = definition.steps as [StepDefinition, StepDefinition, StepDefinition, StepDefinition, StepDefinition];
    const run: RunRecord = {
      id: '42', workflow: 'nightly-report', state: 'failed', input: {}, output: null,
      error: { name: 'StepFailed', message: 'step b failed: boom' }, definition, traceId: null,
      createdAt: new Date(0), finishedAt: new Date(0), parentRunId: null, checkpoints: [],
      steps: [
        runStep(d, { state: 'cancelled', reason: 'run failed: step b failed' }),
        runStep(a, { state: 'succeeded', jobId: '101', attempt: 1 }),
        runStep(b, { state: 'failed', jobId: '102', attempt: 3, error: { message: 'boom\n    at line 1' } }),
        runStep(c, { state: 'active', mapTotal: 1000, mapDone: 412, mapJobs: { succeeded: 412, running: 4, pending: 584 } }),
        runStep(mail, { state: 'cancelled', reason: 'run failed: step b failed' }),
      ],
    };
    expect(drawRun(run)).toBe([
      'run 42  nightly-report  failed  (step b failed: boom)',
      '                     a     succeeded  job 101',
      '                a ─▶ b     failed     job 102  attempt 3  boom',
      '                a ─▶ c     active     412/1000  4 running, 584 pending',
      '  b, c (continue) ─▶ d     cancelled  (run failed: step b failed)',
      '         d (skip) ─▶ mail  cancelled  (run failed: step b failed)',
      '',
    ].join('\n'));
  });
});

describe('drawRun of a durable function', () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, seconds));
  function checkpoint(seq: number, fields: Partial<Checkpoint>): Checkpoint {
    return { seq, name: 'sleep', kind: 'step', state: 'succeeded', result: null, error: null, attempts: 0, startedAt: at(0), finishedAt: null, waitUntil: null, eventKey: null, childRunId: null, ...fields };
  }
  const fn: WorkflowDefinition = { name: 'onboard', kind: 'function', description: null, steps: [step('main')], output: 'main' };
  const run = (fields: Partial<RunRecord>): RunRecord => ({
    id: '7', workflow: 'onboard', state: 'running', input: {}, output: null, error: null, definition: fn, traceId: null,
    createdAt: at(0), finishedAt: null, steps: [runStep(fn.steps[0]!, { state: 'active', jobId: '70' })], parentRunId: null, checkpoints: [], ...fields,
  });

  it('lists the checkpoints in order, and names the current wait and the parent on the header', () => {
    const checkpoints = [
      checkpoint(0, { name: 'charge', attempts: 2, finishedAt: at(1), result: { ok: true } }),
      checkpoint(1, { name: 'mail', state: 'failed', attempts: 3, finishedAt: at(3), error: { message: 'smtp down\n  at send' } }),
      checkpoint(2, { kind: 'sleep', finishedAt: at(50), waitUntil: at(50) }),
      checkpoint(3, { kind: 'spawn', name: 'resize', finishedAt: at(52), childRunId: '9', result: { w: 10 } }),
      checkpoint(4, { kind: 'event', name: 'confirm:7', state: 'waiting', eventKey: 'confirm:7', waitUntil: at(59) }),
    ];
    expect(drawRun(run({ parentRunId: '3', checkpoints }))).toBe([
      'run 7  onboard  running  waiting for event confirm:7 until 2026-01-02T03:04:59Z',
      '  spawned by run 3',
      '  SEQ  KIND   NAME       STATE      ATTEMPTS  TOOK  DETAILS',
      '  0    step   charge     succeeded  2         1s    {"ok":true}',
      '  1    step   mail       failed     3         3s    smtp down',
      '  2    sleep  sleep      succeeded  0         50s   until 2026-01-02T03:04:50Z',
      '  3    spawn  resize     succeeded  0         52s   child run 9  {"w":10}',
      '  4    event  confirm:7  waiting    0               event confirm:7 until 2026-01-02T03:04:59Z',
      '',
    ].join('\n'));
  });

  it('names no wait once the run ended, and says when there are no checkpoints yet', () => {
    const ended = run({ state: 'cancelled', error: { message: 'cancelled' }, checkpoints: [checkpoint(0, { kind: 'sleep', state: 'waiting', waitUntil: at(9) })] });
    expect(drawRun(ended).split('\n')[0]).toBe('run 7  onboard  cancelled  (cancelled)');
    expect(drawRun(run({}))).toBe('run 7  onboard  running\n  (no checkpoints yet)\n');
  });
});

describe('drawDefinition', () => {
  it('draws each step with its task, queue, map, condition and the output', () => {
    expect(drawDefinition(definition)).toBe([
      'workflow nightly-report  5 steps  exports, report, mail',
      '                     a     task task_a',
      '                a ─▶ b     task task_b     queue reports',
      '                a ─▶ c     task task_c     map over a',
      '  b, c (continue) ─▶ d     task task_d     (output)',
      '         d (skip) ─▶ mail  task task_mail  when report found rows',
      '',
    ].join('\n'));
  });
});

describe('inLayers', () => {
  it('puts every step after its parents, keeping declaration order within a layer', () => {
    expect(inLayers(definition.steps).map((s) => s.name)).toEqual(['a', 'b', 'c', 'd', 'mail']);
  });
});
