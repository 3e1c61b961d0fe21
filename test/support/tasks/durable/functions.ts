/**
 * Durable functions for the process tests of test/processes.durable.test.ts. Kept in a folder
 * of their own so the other process tests never register them.
 *
 * `crash-three-steps` runs three steps; each step appends `<step> <pid>` to
 * `<input.out>/markers.log` when it runs, so the test counts runs outside the database. Between
 * the second and third step the function waits until the file `<input.out>/release` exists:
 * the test kills the worker there (the second step's checkpoint written, the third not begun),
 * then creates the file for the worker that resumes the run. The wait is plain code, not a step,
 * so the resuming worker replays through it too and finds the file at once.
 *
 * `await-event` waits for the event `input.key` up to `input.timeout` and returns what the wait
 * saw: `{ status: 'received', payload }` or `{ status: 'timed_out' }`.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineWorkflow } from 'ordo';

interface CrashInput {
  out: string;
}

interface EventInput {
  key: string;
  timeout: string;
}

function mark(out: string, step: string): void {
  appendFileSync(join(out, 'markers.log'), `${step} ${process.pid}\n`);
}

async function untilReleased(out: string): Promise<void> {
  while (!existsSync(join(out, 'release'))) await sleep(20);
}

export const crashThreeSteps = defineWorkflow('crash-three-steps', async (input, ctx) => {
  const { out } = input as CrashInput;
  const one = await ctx.step('one', async () => {
    mark(out, 'one');
    return 1;
  });
  const two = await ctx.step('two', async () => {
    mark(out, 'two');
    return one + 1;
  });
  await untilReleased(out);
  const three = await ctx.step('three', async () => {
    mark(out, 'three');
    return two + 1;
  });
  return { one, two, three, pid: process.pid };
});

export const awaitEvent = defineWorkflow('await-event', async (input, ctx) => {
  const { key, timeout } = input as EventInput;
  return await ctx.waitForEvent(key, { timeout });
});
