/**
 * When a schedule counts as overdue: its work is late by more than the grace of
 * `DEFAULTS.schedules.overdueGraceMs`. Three ways, each with its reason, so `schedules list`
 * says what to look at: no scheduler fired it, its last job has not started (queue paused,
 * no worker for it, still retrying), or its last job failed.
 */
import { DEFAULTS } from '../core/defaults.js';
import type { ScheduleRecord } from '../core/types.js';

/**
 * - `not fired`: its next fire is late past the grace (no scheduler running, or one stuck);
 * - `job waiting`: the last fire's job is still pending past the grace after the fire (queue
 *   paused, no worker serving the queue or knowing the task, or retrying after failures);
 * - `job failed`: the last fire's job failed for good.
 */
export type OverdueReason = 'not fired' | 'job waiting' | 'job failed';

/** Why a schedule is overdue at `now`, or null when it is not (a paused one never is). */
export function overdueReason(
  record: Pick<ScheduleRecord, 'paused' | 'nextRunAt' | 'lastFireAt' | 'lastOutcome'>,
  now: Date,
  graceMs: number = DEFAULTS.schedules.overdueGraceMs,
): OverdueReason | null {
  if (record.paused) return null;
  const late = (since: Date | null) => since !== null && now.getTime() - since.getTime() > graceMs;
  if (late(record.nextRunAt)) return 'not fired';
  if (record.lastOutcome === 'pending' && late(record.lastFireAt)) return 'job waiting';
  if (record.lastOutcome === 'failed') return 'job failed';
  return null;
}
