/**
 * How `ordo schedules` shows schedules to people: a table row per schedule, one schedule in
 * full with its next fires in its own zone and in UTC, and the fire history. `--json` output
 * is the client's objects as they are, not these.
 */
import type { ScheduleDetail, ScheduleView } from '../client/ordo.js';
import { formatDuration } from '../core/duration.js';
import { describeTiming } from '../core/schedule-timing.js';
import type { ScheduleFire } from '../core/types.js';
import type { Printer } from './output.js';

export const LIST_COLUMNS = ['name', 'timing', 'task', 'nextRun', 'lastFire', 'lastOutcome', 'paused', 'overdue'];
export const HISTORY_COLUMNS = ['fireTime', 'firedAt', 'job', 'state', 'note'];

export function listRow(s: ScheduleView): Record<string, unknown> {
  return {
    name: s.name,
    timing: describeTiming(s.timing),
    task: s.job.task,
    nextRun: s.nextRunAt ?? 'done',
    lastFire: s.lastFireAt,
    lastOutcome: s.lastOutcome,
    paused: s.paused ? 'yes' : 'no',
    overdue: s.overdueReason === null ? '' : `OVERDUE (${s.overdueReason})`,
  };
}

export function historyRow(fire: ScheduleFire): Record<string, unknown> {
  const note = fire.skipped ? `skipped (${fire.skipped})` : fire.manual ? 'manual' : '';
  return { fireTime: fire.fireTime, firedAt: fire.firedAt, job: fire.jobId, state: fire.jobState ?? (fire.jobId ? 'pruned' : null), note };
}

/** One schedule in full, with its next fires in its zone and in UTC. */
export function printSchedule(print: Printer, s: ScheduleDetail): void {
  const { job } = s;
  const fields: [string, unknown][] = [
    ['name', s.name],
    ['timing', describeTiming(s.timing)],
    ['task', job.task],
    ['queue', job.queue],
    ['payload', JSON.stringify(job.payload)],
    ['priority', job.priority],
    ['attempts', job.maxAttempts],
    ['timeout', job.timeoutMs === null ? null : formatDuration(job.timeoutMs)],
    ['misfire', s.misfire === 'all' ? `all (at most ${s.misfireLimit})` : s.misfire],
    ['overlap', s.overlap],
    ['source', s.source === 'code' ? 'declared in code' : 'api'],
    ['paused', s.paused ? 'yes' : 'no'],
    ['next run', s.nextRunAt ? `${s.nextRunAt.toISOString()}${s.overdueReason === 'not fired' ? '  OVERDUE (not fired)' : ''}` : 'none (fired)'],
    ['last fire', s.lastFireAt?.toISOString()],
    ['last job', s.lastJobId === null ? null : `${s.lastJobId} (${s.lastOutcome ?? 'pruned'})${s.overdueReason && s.overdueReason !== 'not fired' ? `  OVERDUE (${s.overdueReason})` : ''}`],
  ];
  for (const [name, value] of fields) if (value !== null && value !== undefined) print.line(`${name.padEnd(10)} ${String(value)}`);
  if (s.nextFires.length === 0) return;
  const zone = s.timing.tz;
  print.line(`\nnext fires (${zone}${zone === 'UTC' ? '' : ' / UTC'})`);
  for (const fire of s.nextFires) {
    print.line(`  ${inZone(fire, zone)}${zone === 'UTC' ? '' : `   ${fire.toISOString().replace('.000Z', 'Z')}`}`);
  }
}

/** A time as the wall clock of `zone` shows it, with the zone's offset: `2026-03-29 09:00:00 GMT+1`. */
export function inZone(date: Date, zone: string): string {
  if (zone === 'UTC') return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'shortOffset',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}`;
}
