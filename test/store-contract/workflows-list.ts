/**
 * Contract area: workflows, listing runs: newest first, filtered by workflow and state, paged
 * by cursor with the total of the filter, each run with its steps counted by state; a
 * malformed filter is a ValidationError naming the field.
 */
import { expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import type { RunState } from '../../src/core/workflow-types.js';
import type { ContractContext } from './support.js';
import { definition, diamond, jobsOfStep, stepDef } from './workflows-support.js';

export function workflowsListCases(ctx: ContractContext): void {
  it('lists runs newest first, by workflow and state, with cursor, total and step counts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ctx.store.workflowStart({ definition: diamond(), input: i })).runId);
    for (let i = 0; i < 2; i++) ids.push((await ctx.store.workflowStart({ definition: definition('solo', [stepDef('s')]), input: i })).runId);
    const [firstA] = await jobsOfStep(ctx.store, 'a');
    await ctx.store.jobCancel({ id: firstA!.id });
    const newestFirst = [...ids].reverse();

    const all = await ctx.store.workflowRunList({ limit: 10 });
    expect(all.total).toBe(5);
    expect(all.runs.map((r) => r.id)).toEqual(newestFirst);
    expect(all.runs[4]).toMatchObject({ id: ids[0], workflow: 'diamond', state: 'failed', steps: { cancelled: 4 } });
    expect(all.runs[4]!.finishedAt).toBeInstanceOf(Date);
    expect(all.runs[4]!.error?.message).toContain('step a');
    expect(all.runs[3]).toEqual({ id: ids[1], workflow: 'diamond', state: 'running', createdAt: expect.any(Date), finishedAt: null, error: null, steps: { active: 1, waiting: 3 } });
    expect(all.runs[0]).toMatchObject({ workflow: 'solo', steps: { active: 1 } });

    const page1 = await ctx.store.workflowRunList({ limit: 2 });
    const page2 = await ctx.store.workflowRunList({ limit: 2, before: page1.runs.at(-1)!.id });
    const page3 = await ctx.store.workflowRunList({ limit: 2, before: page2.runs.at(-1)!.id });
    expect([page1, page2, page3].map((p) => p.total)).toEqual([5, 5, 5]);
    expect([...page1.runs, ...page2.runs, ...page3.runs].map((r) => r.id)).toEqual(newestFirst);

    const solo = await ctx.store.workflowRunList({ filter: { workflow: 'solo' }, limit: 10 });
    expect(solo).toMatchObject({ total: 2 });
    expect(solo.runs.map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
    expect((await ctx.store.workflowRunList({ filter: { state: 'failed' }, limit: 10 })).runs.map((r) => r.id)).toEqual([ids[0]]);
    const both = await ctx.store.workflowRunList({ filter: { workflow: 'diamond', state: ['running', 'failed'] }, limit: 1 });
    expect(both).toMatchObject({ total: 3, runs: [{ id: ids[2] }] });
    expect(await ctx.store.workflowRunList({ filter: { workflow: 'nope' }, limit: 10 })).toEqual({ runs: [], total: 0 });
  });

  it('refuses a state that is none and a limit out of range, naming the field', async () => {
    const badState = ctx.store.workflowRunList({ filter: { state: 'done' as RunState }, limit: 10 });
    await expect(badState).rejects.toBeInstanceOf(ValidationError);
    await expect(badState).rejects.toMatchObject({ details: { field: 'filter.state' }, message: expect.stringContaining('done') });
    const badInList = ctx.store.workflowRunList({ filter: { state: ['running', 'nope' as RunState] }, limit: 10 });
    await expect(badInList).rejects.toMatchObject({ details: { field: expect.stringContaining('filter.state') } });
    for (const limit of [0, 1001, 1.5]) {
      await expect(ctx.store.workflowRunList({ limit }), `limit ${limit}`).rejects.toMatchObject({ details: { field: 'limit' } });
    }
  });
}
