/**
 * Whether a schedule is paused, overdue (with the reason the server found), or on time.
 */
import { StateBadge } from '../../components/state-badge.js';
import type { ScheduleView } from '../../api.js';

/** Paused, overdue (and why), or on time. */
export function ScheduleStatus({ schedule }: { schedule: ScheduleView }) {
  return (
    <span class="schedule-status">
      {schedule.paused && <StateBadge state="paused" />}
      {schedule.overdue && <StateBadge state="overdue" />}
      {schedule.overdue && schedule.overdueReason && <span class="overdue-reason"> {schedule.overdueReason}</span>}
      {!schedule.paused && !schedule.overdue && <span class="muted">on time</span>}
    </span>
  );
}
