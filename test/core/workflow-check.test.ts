/**
 * checkWorkflowDefinition refuses a bad graph before anything is written, with a message
 * naming the step and the problem: a duplicate, an unknown parent, a cycle drawn as its path,
 * an unknown task, a map over something that is not a parent. A property: any graph whose
 * edges point back in declaration order is accepted, and one back edge makes a cycle that
 * is named.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { checkWorkflowDefinition, checkWorkflowInput, findCycle } from '../../src/core/workflow-check.js';
import type { EdgePolicy, StepDefinition, WorkflowDefinition } from '../../src/core/workflow-types.js';

function step(name: string, parents: string[] = [], extra: Partial<StepDefinition> = {}): StepDefinition {
  return {
    name, task: `task_${name}`, queue: 'default', priority: 0, maxAttempts: 3, timeoutMs: null, backoffBaseMs: null, backoffCapMs: null,
    dependsOn: parents.map((p) => ({ step: p, policy: 'fail' as EdgePolicy })), map: null, condition: null, ...extra,
  };
}

function workflow(steps: StepDefinition[], extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return { name: 'nightly-report', description: null, steps, output: null, ...extra };
}

/** The message of the ValidationError that checking `definition` throws. */
function refusal(definition: WorkflowDefinition, hasTask?: (task: string) => boolean): string {
  try {
    checkWorkflowDefinition(definition, { hasTask });
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as Error).message;
  }
  throw new Error('the definition was accepted');
}

describe('checkWorkflowDefinition', () => {
  it('accepts a diamond and returns it', () => {
    const diamond = workflow([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])], { output: 'd' });
    expect(checkWorkflowDefinition(diamond, { hasTask: () => true })).toBe(diamond);
  });

  it('names a cycle as its path', () => {
    expect(refusal(workflow([step('a', ['b']), step('b', ['a'])]))).toContain('steps a → b → a form a cycle');
    expect(refusal(workflow([step('r'), step('a', ['r', 'c']), step('b', ['a']), step('c', ['b'])]))).toContain('a → b → c → a');
  });

  it('names an unknown dependency and the workflow', () => {
    expect(refusal(workflow([step('a'), step('d', ['a', 'x'])]))).toContain('step d depends on x, which is not a step of nightly-report');
  });

  it('names a duplicate step, a step depending on itself, and a parent given twice', () => {
    expect(refusal(workflow([step('a'), step('b', ['a']), step('b')]))).toContain('step b is declared twice');
    expect(refusal(workflow([step('a', ['a'])]))).toContain('step a depends on itself');
    expect(refusal(workflow([step('a'), step('b', ['a', 'a'])]))).toContain('step b depends on a twice');
  });

  it('names an unknown task only when told which tasks exist', () => {
    const definition = workflow([step('a'), step('b', ['a'], { task: 'export_csv' })]);
    expect(refusal(definition, (task) => task !== 'export_csv')).toContain('step b runs task export_csv, which is not registered');
    expect(checkWorkflowDefinition(definition)).toBe(definition);
  });

  it('refuses a condition on a map step', () => {
    expect(refusal(workflow([step('a'), step('m', ['a'], { map: 'a', condition: 'x > 1' })]))).toMatch(/map step m has a condition/);
  });

  it('refuses a map over a step that is not a parent, and a map step without parents', () => {
    expect(refusal(workflow([step('a'), step('b'), step('m', ['a'], { map: 'b' })]))).toContain('step m maps over b, which is not one of its parents');
    expect(refusal(workflow([step('a'), step('m', [], { map: 'a' })]))).toContain('step m is a map step without parents');
  });

  it('refuses an empty workflow, a bad or reserved name, an unknown output and a bad policy', () => {
    expect(refusal(workflow([]))).toContain('workflow nightly-report has no steps');
    expect(refusal(workflow([step('a')], { name: 'runs' }))).toContain('workflow name: expected a name other than "runs"');
    expect(refusal(workflow([step('a')], { name: 'no spaces' }))).toContain('workflow name: expected a task name');
    expect(refusal(workflow([step('a')], { output: 'z' }))).toContain('output z is not a step of nightly-report');
    const bad = workflow([step('a'), step('b', [], { dependsOn: [{ step: 'a', policy: 'ignore' as EdgePolicy }] })]);
    expect(refusal(bad)).toContain('workflow nightly-report: step b.dependsOn.a.policy: expected one of fail, skip, continue, received string "ignore"');
  });

  it('accepts every graph whose edges point back in declaration order, and names a cycle one back edge makes', () => {
    const graphs = fc.integer({ min: 2, max: 30 }).chain((n) => fc.tuple(
      fc.constant(n),
      fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      fc.integer({ min: 0, max: n - 2 }),
    ));
    fc.assert(fc.property(graphs, ([n, edges, from]) => {
      // A chain s0 → s1 → … keeps every step reachable, plus random edges to earlier steps.
      const steps = [...Array(n).keys()].map((i) => step(`s${i}`, [...new Set([...(i > 0 ? [`s${i - 1}`] : []), ...edges[i]!.slice(0, i).flatMap((on, j) => (on ? [`s${j}`] : []))])]));
      expect(checkWorkflowDefinition(workflow(steps))).toBeTruthy();
      steps[from]!.dependsOn.push({ step: `s${n - 1}`, policy: 'fail' });
      const cycle = findCycle(steps)!;
      expect(cycle[0]).toBe(cycle.at(-1));
      for (let i = 1; i < cycle.length; i++) {
        expect(steps.find((s) => s.name === cycle[i])!.dependsOn.map((e) => e.step)).toContain(cycle[i - 1]);
      }
      expect(refusal(workflow(steps))).toContain(`steps ${cycle.join(' → ')} form a cycle`);
    }));
  });
});

describe('checkWorkflowInput', () => {
  it('returns the JSON form of an input, null for none, and refuses what JSON cannot hold', () => {
    expect(checkWorkflowInput({ day: new Date('2026-01-02T00:00:00Z') })).toEqual({ day: '2026-01-02T00:00:00.000Z' });
    expect(checkWorkflowInput(undefined)).toBeNull();
    expect(checkWorkflowInput([1, 'a'])).toEqual([1, 'a']);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => checkWorkflowInput(cyclic)).toThrow(/input: expected a JSON-serialisable value/);
    expect(() => checkWorkflowInput(() => 1)).toThrow(ValidationError);
    expect(() => checkWorkflowInput(10n)).toThrow(ValidationError);
  });
});
