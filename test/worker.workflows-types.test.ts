/**
 * The workflow builder: its types (checked by the compiler: a typing that breaks fails
 * `tsc`, and each `@ts-expect-error` fails it when the error it expects goes away) and the
 * definition it makes (settings resolved, conditions described, bad graphs refused by name).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../src/core/errors.js';
import type { Json } from '../src/core/types.js';
import { defineTask } from '../src/tasks/define.js';
import { TaskRegistry } from '../src/tasks/registry.js';
import { workflow } from '../src/workflows/define.js';

const exportA = defineTask('export.a', { queue: 'exports', priority: 3, retry: { maxAttempts: 2 }, timeout: '1m' }, async () => ({ rows: [1, 2, 3], count: 3 }));
const exportD = defineTask('export.d', async (_payload: unknown) => 'sent' as const);

describe('workflow builder types', () => {
  it('types parents from the results of the steps they name', () => {
    workflow('typed', { input: z.object({ day: z.string() }) })
      .step('a', exportA)
      .step('b', async (input, ctx) => {
        expectTypeOf(input).toEqualTypeOf<{ day: string }>();
        expectTypeOf(ctx.parents).toEqualTypeOf<{ a: { rows: number[]; count: number } }>();
        expectTypeOf(ctx.jobId).toBeString();
        return { count: ctx.parents.a.count };
      }, { dependsOn: ['a'] })
      .step('c', async () => 7, { dependsOn: ['a'], retry: { maxAttempts: 5 }, timeout: '30s' })
      .step('d', exportD, {
        dependsOn: ['b', { step: 'c', onFailure: 'continue' }],
        when: (parents, input) => {
          // c's edge continues whatever c's outcome: its result may be missing.
          expectTypeOf(parents).toEqualTypeOf<{ b: { count: number }; c?: number }>();
          expectTypeOf(input).toEqualTypeOf<{ day: string }>();
          return parents.b.count > 0 && parents.c !== undefined;
        },
      })
      .step('e', async (_input, ctx) => {
        expectTypeOf(ctx.parents).toEqualTypeOf<{ a: { rows: number[]; count: number }; c?: number }>();
        // @ts-expect-error: c may have failed, so its result may be missing
        return ctx.parents.c.toFixed();
      }, { dependsOn: ['a', { step: 'c', onFailure: 'continue' }] })
      .step('list', async (_input, ctx) => ctx.parents.a.rows, { dependsOn: ['a'] })
      .map('each', async (row, ctx) => {
        expectTypeOf(row).toEqualTypeOf<number>();
        expectTypeOf(ctx.parents).toEqualTypeOf<Record<never, never>>();
        return String(row);
      }, { over: 'list' })
      .map('sent', exportD, { over: 'list' })
      .step('fanin', async (_input, ctx) => {
        expectTypeOf(ctx.parents.each).toEqualTypeOf<string[]>();
        expectTypeOf(ctx.parents.d).toEqualTypeOf<'sent'>();
        expectTypeOf(ctx.parents.sent).toEqualTypeOf<'sent'[]>();
        return ctx.parents.each.length;
      }, { dependsOn: ['each', 'd', 'sent'] })
      .output('fanin');
  });

  it('refuses unknown step names in dependsOn, map sources and output at compile time', () => {
    const base = workflow('names').step('a', exportA);
    // @ts-expect-error: x is not a step
    expect(() => base.step('b', exportD, { dependsOn: ['x'] }).definition()).toThrow(/depends on x/);
    // @ts-expect-error: x is not a step
    expect(() => base.map('m', exportD, { over: 'x' }).definition()).toThrow(ValidationError);
    // @ts-expect-error: x is not a step
    expect(() => base.output('x').definition()).toThrow(/output x/);
    // @ts-expect-error: a map step has no condition
    expect(() => base.map('m', exportD, { over: 'a', when: () => true })).toThrow(/no condition on a map step/);
  });

  it('types a task named by its name as unknown, and the input as any without a schema', () => {
    workflow('loose')
      .step('a', 'some.task')
      .step('b', async (input, ctx) => {
        expectTypeOf(ctx.parents.a).toBeUnknown();
        expectTypeOf(input).toBeAny();
        return null;
      }, { dependsOn: ['a'] });
  });
});

describe('workflow definitions', () => {
  it('resolves each step: its own options, else its task, else the defaults', () => {
    const definition = workflow('nightly', { description: 'the nightly report' })
      .step('a', exportA)
      .step('b', 'export.b', { dependsOn: ['a'], queue: 'low' })
      .step('c', async () => 1, { dependsOn: ['a'], retry: { maxAttempts: 5, baseMs: 10 }, timeout: '30s', onParentFailure: 'skip' })
      .step('d', exportD, { dependsOn: ['b', { step: 'c', onFailure: 'continue' }], when: ({ b }) => b !== null, whenText: 'b found rows' })
      .map('each', exportD, { over: 'a' })
      .output('d')
      .definition();
    expect(definition).toMatchObject({ name: 'nightly', description: 'the nightly report', output: 'd' });
    const [a, b, c, d, each] = definition.steps;
    expect(a).toEqual({ name: 'a', task: 'export.a', queue: 'exports', priority: 3, maxAttempts: 2, timeoutMs: 60_000, backoffBaseMs: null, backoffCapMs: null, dependsOn: [], map: null, condition: null });
    expect(b).toMatchObject({ task: 'export.b', queue: 'low', priority: 0, maxAttempts: 5, timeoutMs: null, dependsOn: [{ step: 'a', policy: 'fail' }] });
    expect(c).toMatchObject({ task: 'nightly.c', queue: 'default', maxAttempts: 5, timeoutMs: 30_000, backoffBaseMs: 10, dependsOn: [{ step: 'a', policy: 'skip' }] });
    expect(d).toMatchObject({ dependsOn: [{ step: 'b', policy: 'fail' }, { step: 'c', policy: 'continue' }], condition: 'b found rows' });
    expect(each).toMatchObject({ task: 'export.d', map: 'a', dependsOn: [{ step: 'a', policy: 'fail' }] });
  });

  it("describes a condition by the function's source, cut to 200 characters", () => {
    const long = 'x'.repeat(300);
    const definition = workflow('cond')
      .step('a', exportA)
      .step('b', exportD, { dependsOn: ['a'], when: ({ a }) => a.count > 2 })
      .step('c', exportD, { dependsOn: ['a'], when: () => long.length > 0 && long !== `${long}${'y'.repeat(300)}` })
      .definition();
    expect(definition.steps[1]!.condition).toBe('({ a }) => a.count > 2');
    expect(definition.steps[2]!.condition!.length).toBeLessThanOrEqual(200);
  });

  it('refuses a duplicate step at once, and unknown tasks, cycles and root maps at definition()', () => {
    const base = workflow('bad').step('a', exportA);
    expect(() => base.step('a', exportD)).toThrow(/step a is declared twice/);
    const registry = new TaskRegistry([exportA]);
    expect(() => base.step('b', 'nowhere.task', { dependsOn: ['a'] }).definition(registry)).toThrow(/nowhere\.task/);
    expect(base.step('b', 'nowhere.task', { dependsOn: ['a'] }).definition().steps).toHaveLength(2);
    expect(() => workflow('root-map').map('m', exportD, { over: 'a' as never }).definition()).toThrow(ValidationError);
  });

  it('registers a workflow with the tasks its steps hold, inline ones as <workflow>.<step>', () => {
    const flow = workflow('reg').step('a', exportA).step('b', async (_input: Json) => 1, { dependsOn: ['a'] });
    const registry = new TaskRegistry();
    registry.addWorkflow(flow);
    expect(registry.names()).toEqual(['export.a', 'reg.b']);
    expect(registry.workflow('reg')).toBe(flow);
    expect(() => registry.addWorkflow(workflow('reg').step('a', exportA))).toThrow(/workflow reg is defined twice/);
  });
});
