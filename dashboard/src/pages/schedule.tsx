/**
 * One schedule (`/schedules/:name`): what it enqueues and when, its next fires in its zone,
 * its fire history, and for tokens that may write: pause, resume, run now, edit and delete.
 * `/schedules/new` is the form for a new one.
 */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, eventJob, type ScheduleDetail, type ScheduleFire, type TaskInfo } from '../api.js';
import { usePageTitle, useLiveRefresh, useResource } from '../components/hooks.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { toast } from '../components/toasts.js';
import { can, type PageProps } from '../context.js';
import { Confirm } from './forms/confirm.js';
import { useActions } from './forms/use-action.js';
import { ACTION_VERBS, actionNote, type ScheduleAction } from './schedules/actions.js';
import { FireTime } from './schedules/fire-time.js';
import { FireHistory } from './schedules/history.js';
import { ScheduleStatus } from './schedules/status.js';
import { ScheduleForm } from './schedules/schedule-form.js';
import { FireList } from './schedules/timing-fields.js';
import { describeTiming } from './schedules/timing.js';
import './pages.css';

const HISTORY_LIMIT = 50;

const loadTasks = (): Promise<TaskInfo[]> => api<{ tasks: TaskInfo[] }>('GET', '/tasks').then((a) => a.tasks);

export function SchedulePage(props: PageProps) {
  const name = props.params.name ?? '';
  return name === 'new' ? <NewSchedule {...props} /> : <ScheduleDetails key={name} name={name} {...props} />;
}

function NewSchedule({ session }: PageProps) {
  usePageTitle('New schedule');
  const { route } = useLocation();
  const tasks = useResource(loadTasks, []);
  return (
    <section class="page schedule-page">
      <p>
        <a href="/schedules">← Schedules</a>
      </p>
      <h1>New schedule</h1>
      {!can(session, 'write') ? (
        <p class="card">Creating a schedule needs a token with the write scope; this session's token can only read.</p>
      ) : tasks.data ? (
        <ScheduleForm
          tasks={tasks.data}
          onSaved={(saved) => {
            toast(`Schedule ${saved.name} created.`);
            route(`/schedules/${encodeURIComponent(saved.name)}`);
          }}
        />
      ) : (
        <p class={tasks.error ? 'error' : 'muted'}>{tasks.error ? `Could not load the tasks: ${tasks.error.message}` : 'Loading…'}</p>
      )}
    </section>
  );
}

function ScheduleDetails({ name, session, live }: PageProps & { name: string }) {
  usePageTitle(`Schedule ${name}`);
  const { route } = useLocation();
  const path = `/schedules/${encodeURIComponent(name)}`;
  const detail = useResource(() => api<ScheduleDetail>('GET', path), [path]);
  const history = useResource(() => api<{ fires: ScheduleFire[] }>('GET', `${path}/history`, { query: { limit: HISTORY_LIMIT } }).then((a) => a.fires), [path]);
  const writable = can(session, 'write');
  const tasks = useResource(() => (writable ? loadTasks() : Promise.resolve([])), [writable]);
  const actions = useActions();
  const [deleting, setDeleting] = useState(false);
  const reload = (): void => {
    detail.reload();
    history.reload();
  };
  const task = detail.data?.job.task;
  // Its jobs' states are its fires' outcomes: re-read when a job of its task changes.
  useLiveRefresh(live, (events) => events.some((e) => eventJob(e)?.task === task), reload, 1_000);

  const act = (action: ScheduleAction): Promise<void> =>
    actions.run(action, `${ACTION_VERBS[action]} ${name}`, async () => {
      const answer = await api<unknown>('POST', `${path}/${action}`);
      reload();
      return actionNote(name, action, answer);
    });

  const s = detail.data;
  return (
    <section class="page schedule-page">
      <p>
        <a href="/schedules">← Schedules</a>
      </p>
      <h1>
        Schedule <span class="code">{name}</span>
      </h1>
      {detail.error && (
        <p class="error" role="alert">
          {detail.error.message}
        </p>
      )}
      {s && (
        <>
          {writable && (
            <div class="toolbar">
              <button type="button" disabled={actions.busy !== null} onClick={() => act(s.paused ? 'resume' : 'pause')}>
                {s.paused ? 'Resume' : 'Pause'}
              </button>
              <button type="button" disabled={actions.busy !== null} onClick={() => act('run')}>
                Run now
              </button>
              <button type="button" class="danger" onClick={() => setDeleting(true)}>
                Delete…
              </button>
            </div>
          )}
          <Summary schedule={s} />
          <section class="card" aria-labelledby="upcoming-title">
            <h2 id="upcoming-title">Next fires</h2>
            {s.paused ? <p class="muted">Paused: no fires until resumed.</p> : s.nextFires.length === 0 ? <p class="muted">No fires ahead.</p> : <FireList fires={s.nextFires} tz={s.timing.tz} />}
          </section>
          <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">Fire history</h2>
            {history.error && <p class="error">{history.error.message}</p>}
            {history.data && <FireHistory fires={history.data} />}
          </section>
          {writable && tasks.data && (
            <>
              {s.source === 'code' && <p class="muted">This schedule is declared in a task's code: the next deploy may put back what the code says.</p>}
              <ScheduleForm
                key={s.updatedAt}
                tasks={tasks.data}
                schedule={s}
                onSaved={() => {
                  toast(`Schedule ${s.name} saved.`);
                  reload();
                }}
              />
            </>
          )}
          {deleting && (
            <Confirm
              title={`Delete schedule ${s.name}?`}
              confirmLabel="Delete schedule"
              onClose={() => setDeleting(false)}
              onConfirm={async () => {
                await api('DELETE', path);
                toast(`Schedule ${s.name} deleted.`);
                route('/schedules');
              }}
            >
              <p>It stops firing and its fire history is deleted with it. Jobs it already enqueued stay.</p>
            </Confirm>
          )}
        </>
      )}
    </section>
  );
}

function Summary({ schedule: s }: { schedule: ScheduleDetail }) {
  return (
    <dl class="card summary">
      <dt>Task</dt>
      <dd>{s.job.task}</dd>
      <dt>Queue</dt>
      <dd>{s.job.queue}</dd>
      <dt>Timing</dt>
      <dd>
        <code>{describeTiming(s.timing)}</code> in {s.timing.tz}
      </dd>
      <dt>Next fire</dt>
      <dd>{s.paused ? <span class="muted">paused</span> : <FireTime value={s.nextRunAt} />}</dd>
      <dt>Last fire</dt>
      <dd>
        <FireTime value={s.lastFireAt} /> {s.lastJobId && <a href={`/jobs/${s.lastJobId}`}>job {s.lastJobId}</a>} {s.lastOutcome && <StateBadge state={s.lastOutcome} />}
      </dd>
      <dt>Status</dt>
      <dd>
        <ScheduleStatus schedule={s} />
      </dd>
      <dt>Policies</dt>
      <dd>
        missed fires: {s.misfire}
        {s.misfire === 'all' ? ` (up to ${s.misfireLimit})` : ''}; overlap: {s.overlap}
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time value={s.updatedAt} />
      </dd>
    </dl>
  );
}
