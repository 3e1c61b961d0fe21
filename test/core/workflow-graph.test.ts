/**
 * drawRun and drawDefinition draw a workflow as plain text: steps in topological layers, each
 * with its parents and non-default policies, and for a run its state, job, map progress,
 * reason or error. The whole text is compared, so a change to the drawing is a visible diff.
 */
import { describe, expect, it } from 'vitest';
import { drawDefinition, drawRun, inLayers } from '../../src/core/workflow-graph.js';
import type { EdgePolicy, RunRecord, RunStep, StepDefinition, WorkflowDefinition } from '../../src/core/workflow-types.js';

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
      createdAt: new Date(0), finishedAt: new Date(0),
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
