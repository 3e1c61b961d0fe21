/**
 * `block.spin`: CPU-bound work that never yields, so it blocks its worker's event loop (no
 * heartbeat, no timer runs meanwhile). Spins `ms[attempt - 1]` milliseconds (the last entry
 * for later attempts), then records `<jobId> <attempt>` in `<out>/spun-<pid>.log`, so a test
 * can see which attempts ran to the end, and where.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskContext } from 'ordo';

export function spin(payload: { ms: number[]; out: string }, ctx: TaskContext) {
  const ms = payload.ms[Math.min(ctx.attempt, payload.ms.length) - 1] ?? 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // blocking on purpose
  }
  appendFileSync(join(payload.out, `spun-${process.pid}.log`), `${ctx.jobId} ${ctx.attempt}\n`);
  return { pid: process.pid, attempt: ctx.attempt };
}
