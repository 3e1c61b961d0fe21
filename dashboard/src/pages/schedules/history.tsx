/**
 * A schedule's fire history from the fire ledger, newest first: when it was due, when it
 * fired, the job it enqueued (with how that job is doing), and whether the fire was asked
 * for by hand or skipped.
 */
import type { ScheduleFire } from '../../api.js';
import { DataTable } from '../../components/data-table.js';
import { StateBadge } from '../../components/state-badge.js';
import { Time } from '../../components/time.js';

function kindOf(fire: ScheduleFire): string {
  if (fire.skipped) return `skipped (${fire.skipped})`;
  return fire.manual ? 'run by hand' : 'scheduled';
}

export function FireHistory({ fires }: { fires: ScheduleFire[] }) {
  if (fires.length === 0) return <p class="muted">It has not fired yet.</p>;
  return (
    <DataTable class="data fire-history" columns={['Fire time', 'Fired at', 'Job', 'Outcome', 'Kind']}>
      {fires.map((fire) => (
        <tr key={`${fire.fireTime}:${fire.firedAt}:${fire.jobId ?? ''}`}>
          <td>
            <Time value={fire.fireTime} absolute />
          </td>
          <td>
            <Time value={fire.firedAt} />
          </td>
          <td>{fire.jobId ? <a href={`/jobs/${fire.jobId}`}>job {fire.jobId}</a> : <span class="muted">—</span>}</td>
          <td>{fire.jobState ? <StateBadge state={fire.jobState} /> : <span class="muted">–</span>}</td>
          <td>{kindOf(fire)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
