/**
 * Every schedule: its timing and zone, when it fires next, how its last fire ended, and
 * whether it is overdue (with the reason) or paused; pause, resume and run now for tokens
 * that may write. Re-read when jobs are enqueued or end (a fire enqueues one).
 */
import { api, type ScheduleFire, type ScheduleView } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { usePageTitle, useLiveRefresh, useResource } from '../components/hooks.js';
import { RowAction, RowActions } from '../components/row-actions.js';
import { StateBadge } from '../components/state-badge.js';
import { can, type PageProps } from '../context.js';
import { useActions } from './forms/use-action.js';
import { FireTime } from './schedules/fire-time.js';
import { ACTION_VERBS, actionNote, type ScheduleAction } from './schedules/actions.js';
import { ScheduleStatus } from './schedules/status.js';
import { describeTiming } from './schedules/timing.js';
import './pages.css';

export function SchedulesPage({ session, live }: PageProps) {
  usePageTitle('Schedules');
  const list = useResource(() => api<{ schedules: ScheduleView[] }>('GET', '/schedules').then((a) => a.schedules), []);
  // A fire enqueues a job, and its outcome is the job's: re-read on those, at most every 2 s.
  useLiveRefresh(live, (events) => events.some((e) => e.type === 'job:enqueued' || e.type === 'job:finished'), list.reload, 2_000);
  const actions = useActions();
  const writable = can(session, 'write');

  const act = (schedule: ScheduleView, action: ScheduleAction): Promise<void> =>
    actions.run(`${schedule.name}:${action}`, `${ACTION_VERBS[action]} ${schedule.name}`, async () => {
      const answer = await api<ScheduleView | ScheduleFire>('POST', `/schedules/${encodeURIComponent(schedule.name)}/${action}`);
      list.reload();
      return actionNote(schedule.name, action, answer);
    });

  return (
    <section class="page schedules-page">
      <div class="page-header">
        <h1>Schedules</h1>
        {writable && (
          <a class="button primary" href="/schedules/new">
            New schedule
          </a>
        )}
      </div>
      {list.error && (
        <p class="error" role="alert">
          Could not load the schedules: {list.error.message}
        </p>
      )}
      {list.data?.length === 0 && <p class="muted">No schedules yet.</p>}
      {list.data && list.data.length > 0 && (
        <DataTable class="data schedules" columns={['Name', 'Task', 'Timing', 'Next fire', 'Last fire', 'Status', writable && 'Actions']}>
          {list.data.map((s) => (
            <tr key={s.id} data-schedule={s.name}>
              <th scope="row">
                <a href={`/schedules/${encodeURIComponent(s.name)}`}>{s.name}</a>
              </th>
              <td>{s.job.task}</td>
              <td>
                <code>{describeTiming(s.timing)}</code> <span class="muted">{s.timing.tz}</span>
              </td>
              <td>{s.paused ? <span class="muted">paused</span> : <FireTime value={s.nextRunAt} />}</td>
              <td>
                <FireTime value={s.lastFireAt} /> {s.lastJobId && <a href={`/jobs/${s.lastJobId}`}>job {s.lastJobId}</a>} {s.lastOutcome && <StateBadge state={s.lastOutcome} />}
              </td>
              <td>
                <ScheduleStatus schedule={s} />
              </td>
              {writable && (
                <RowActions>
                  <RowAction label={s.paused ? 'Resume' : 'Pause'} subject={s.name} disabled={actions.busy !== null} onClick={() => act(s, s.paused ? 'resume' : 'pause')} />
                  <RowAction label="Run now" subject={s.name} disabled={actions.busy !== null} onClick={() => act(s, 'run')} />
                </RowActions>
              )}
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
