/**
 * `crash-diamond`: a → (b, c) → d, for the crash test of workflow runs across processes
 * (test/processes.workflows.test.ts). `b` and `c` sleep `input.ms` (stopping early when their
 * signal fires), so a worker can be killed while it runs them. Only a step that got to the
 * end records its job id in `<input.out>/done-<pid>.log`, so the test can check that no step
 * ran to completion twice, whatever the job rows say. Kept in a folder of its own so the
 * other process tests never register this workflow.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflow, type TaskContext } from 'ordo';

interface CrashInput {
  out: string;
  ms: number;
}

function recordDone(input: unknown, ctx: TaskContext): void {
  appendFileSync(join((input as CrashInput).out, `done-${process.pid}.log`), `${ctx.jobId}\n`);
}

/** Sleeps `input.ms`, or rejects with the abort reason when the step is cancelled. */
function nap(input: unknown, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, (input as CrashInput).ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** A sleeping step: naps, records that it ended, returns its name and process. */
function sleeper(step: string) {
  return async (input: unknown, ctx: TaskContext) => {
    await nap(input, ctx.signal);
    recordDone(input, ctx);
    return { step, pid: process.pid };
  };
}

export const crashDiamond = workflow('crash-diamond')
  .step('a', async (input: unknown, ctx: TaskContext) => {
    recordDone(input, ctx);
    return { step: 'a', pid: process.pid };
  })
  .step('b', sleeper('b'), { dependsOn: ['a'] })
  .step('c', sleeper('c'), { dependsOn: ['a'] })
  .step('d', async (input: unknown, ctx) => {
    recordDone(input, ctx);
    return { parents: ctx.parents, pid: process.pid };
  }, { dependsOn: ['b', 'c'] });
