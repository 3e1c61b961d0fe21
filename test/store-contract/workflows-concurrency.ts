/**
 * Contract area: workflows under concurrency. Two stores (two connections, as two worker
 * processes hold; on SQLite two stores on one file) finish the last two parents of a step
 * at the same instant: the dependant is released exactly once, every time.
 */
import { expect, it } from 'vitest';
import type { ContractContext } from './support.js';
import { claimStep, diamond, endStep, mustGetRun, queueOf, stepStates, succeedStep } from './workflows-support.js';

const ROUNDS = 20;

export function workflowsConcurrencyCases(ctx: ContractContext): void {
  it(`releases the dependant once when its last two parents end at the same instant (${ROUNDS} rounds)`, async () => {
    const [one, two] = await ctx.openShared(2);
    for (let round = 0; round < ROUNDS; round++) {
      const { runId } = await one!.workflowStart({ definition: diamond(), input: round });
      await succeedStep(one!, 'a');
      const b = await claimStep(one!, 'b', 'worker-one');
      const c = await claimStep(two!, 'c', 'worker-two');
      await Promise.all([endStep(one!, b, { result: `b${round}` }), endStep(two!, c, { result: `c${round}` })]);

      const released = await one!.jobClaim({ workerId: 'worker-one', queues: [queueOf('d')], limit: 10, leaseMs: 60_000 });
      expect(released.map((j) => j.workflow), `round ${round}`).toEqual([{ runId, step: 'd', mapIndex: null }]);
      expect((await one!.workflowStepInputs({ runId, step: 'd' }))?.parents).toMatchObject({ b: { result: `b${round}` }, c: { result: `c${round}` } });
      await endStep(two!, released[0]!, { result: round });
      expect(stepStates(await mustGetRun(one!, runId)), `round ${round}`).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' });
    }
    expect((await two!.workflowRunList({ filter: { state: 'succeeded' }, limit: 100 })).total).toBe(ROUNDS);
  });
}
