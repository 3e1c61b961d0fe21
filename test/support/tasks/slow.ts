/**
 * `slow.nap`: a job that takes its time, so process tests can kill or stop a worker while
 * jobs are mid-run. Sleeps `ms` (default 1500) and stops early when ctx.signal fires; only a
 * run that got to the end records its job id in `<out>/done-<pid>.log`, which lets a test
 * check that no job ran to completion twice.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskContext } from 'ordo';

export async function nap(payload: { ms?: number; out?: string }, ctx: TaskContext) {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, payload.ms ?? 1500);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(ctx.signal.reason);
    }, { once: true });
  });
  if (payload.out) appendFileSync(join(payload.out, `done-${process.pid}.log`), `${ctx.jobId}\n`);
  ctx.log(`napped in process ${process.pid}`);
  return { pid: process.pid };
}
