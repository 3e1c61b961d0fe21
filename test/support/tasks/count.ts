/**
 * `count.record`: a job that only records that it ran, appending its job id to
 * `<out>/ran-<pid>.log` (one file per worker process), so a test can count how many times
 * each job ran across processes.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskContext } from 'ordo';

export function record(payload: { out: string }, ctx: TaskContext) {
  appendFileSync(join(payload.out, `ran-${process.pid}.log`), `${ctx.jobId}\n`);
  return { pid: process.pid };
}
