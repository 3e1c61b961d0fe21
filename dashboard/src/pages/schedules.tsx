/**
 * Every schedule: its timing and zone, when it fires next, how its last fire ended, and
 * whether it is overdue (with the reason) or paused; pause, resume and run now for tokens
 * that may write. Re-read when jobs are enqueued or end (a fire enqueues one).
 */
import { api } from '../api.js';
import { can, type PageProps } from '../context.js';
import { StateBadge } from './forms/badge.js';
import { useActions, NoticeLine } from './forms/use-action.js';
import { Time, useNow } from './forms/time.js';
import { useLiveRefresh, useLoad } from './forms/use-load.js';
import type { ScheduleFire, ScheduleView } from './forms/wire.js';
import { ScheduleStatus } from './schedules/status.js';
import { describeTiming } from './schedules/timing.js';
import './pages.css';

export function SchedulesPage({ session, live }: PageProps) {
  const list = useLoad(() => api<{ schedules: ScheduleView[] }>('GET', '/schedules').then((a) => a.schedules), []);
  useLiveRefresh(live, (event) => event.type === 'job:enqueued' || event.type === 'job:finished', list.reload, 2_000);
  const now = useNow();
  const actions = useActions();
  const writable = can(session, 'write');

  const act = (schedule: ScheduleView, action: 'pause' | 'resume' | 'run'): Promise<void> =>
    actions.run(`${schedule.name}:${action}`, async () => {
      const answer = await api<ScheduleView | ScheduleFire>('POST', `/schedules/${encodeURIComponent(schedule.name)}/${action}`);
      list.reload();
      if (action !== 'run') return `Schedule ${schedule.name} ${action === 'pause' ? 'paused' : 'resumed'}.`;
      const fire = answer as ScheduleFire;
      return fire.jobId ? (
        <>
          Schedule {schedule.name} fired: <a href={`/jobs/${fire.jobId}`}>job {fire.jobId}</a>.
        </>
      ) : (
        `Schedule ${schedule.name} fired; no job (${fire.skipped ?? 'skipped'}).`
      );
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
      <NoticeLine notice={actions.notice} />
      {list.error && (
        <p class="error" role="alert">
          Could not load the schedules: {list.error.message}
        </p>
      )}
      {list.data?.length === 0 && <p class="muted">No schedules yet.</p>}
      {list.data && list.data.length > 0 && (
        <div class="table-wrap">
          <table class="data schedules">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Task</th>
                <th scope="col">Timing</th>
                <th scope="col">Next fire</th>
                <th scope="col">Last fire</th>
                <th scope="col">Status</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.id} data-schedule={s.name}>
                  <th scope="row">
                    <a href={`/schedules/${encodeURIComponent(s.name)}`}>{s.name}</a>
                  </th>
                  <td>{s.job.task}</td>
                  <td>
                    <code>{describeTiming(s.timing)}</code> <span class="muted">{s.timing.tz}</span>
                  </td>
                  <td>{s.paused ? <span class="muted">paused</span> : <Time at={s.nextRunAt} now={now} />}</td>
                  <td>
                    <Time at={s.lastFireAt} now={now} /> {s.lastJobId && <a href={`/jobs/${s.lastJobId}`} aria-label={`job ${s.lastJobId}`}>#{s.lastJobId}</a>} <StateBadge state={s.lastOutcome} />
                  </td>
                  <td>
                    <ScheduleStatus schedule={s} />
                  </td>
                  {writable && (
                    <td class="actions">
                      <button type="button" disabled={actions.busy !== null} onClick={() => act(s, s.paused ? 'resume' : 'pause')}>
                        {s.paused ? 'Resume' : 'Pause'}
                        <span class="visually-hidden"> {s.name}</span>
                      </button>
                      <button type="button" disabled={actions.busy !== null} onClick={() => act(s, 'run')}>
                        Run now<span class="visually-hidden"> {s.name}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
