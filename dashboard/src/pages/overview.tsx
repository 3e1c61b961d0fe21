/**
 * The overview (`/`): how many jobs are in each state, per queue and in total; how many
 * finished (and failed) over the last hour and day; how far behind each queue is; which
 * workers are alive, and a warning when a queue has due jobs that no live worker serves.
 *
 * Live: a batch of events re-fetches the numbers at most every 2 s (the last change of a
 * burst always gets its fetch); nothing is fetched while nothing happens, apart from a
 * slow refresh every 30 s that moves ages and catches what the event stream cannot tell
 * (a worker that silently went stale).
 */
import { api, type QueueStats, type Throughput, type WorkerRecord } from '../api.js';
import { ThroughputChart } from '../components/chart.js';
import { DataTable, numeric } from '../components/data-table.js';
import { formatCount, formatDuration, formatRate } from '../components/format.js';
import { useInterval, useLiveRefresh, usePageTitle, useResource, type Resource } from '../components/hooks.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import type { PageProps } from '../context.js';

const LIVE_REFRESH_MS = 2_000;
const FALLBACK_REFRESH_MS = 30_000;

/** Queues with due jobs that no live worker serves (paused queues are left out: nobody should serve them). */
export function unservedQueues(queues: readonly QueueStats[], workers: readonly WorkerRecord[]): QueueStats[] {
  const served = new Set(workers.filter((w) => w.status === 'alive').flatMap((w) => w.queues));
  return queues.filter((q) => q.due > 0 && !q.paused && !served.has(q.queue));
}

export function OverviewPage({ live }: PageProps) {
  usePageTitle('Overview');
  const queues = useResource(() => api<{ queues: QueueStats[] }>('GET', '/queues').then((a) => a.queues), []);
  const workers = useResource(() => api<{ workers: WorkerRecord[] }>('GET', '/workers').then((a) => a.workers), []);
  const hour = useResource(() => api<Throughput>('GET', '/stats/throughput', { query: { window: '1h' } }), []);
  const day = useResource(() => api<Throughput>('GET', '/stats/throughput', { query: { window: '24h' } }), []);
  const reloadAll = () => [queues, workers, hour, day].forEach((r) => r.reload());
  useLiveRefresh(live, (events) => events.length > 0, reloadAll, LIVE_REFRESH_MS);
  useInterval(reloadAll, FALLBACK_REFRESH_MS);

  const unserved = queues.data && workers.data ? unservedQueues(queues.data, workers.data) : [];
  return (
    <section class="page" aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {unserved.length > 0 && <UnservedBanner queues={unserved} />}
      <Failure resources={[queues, workers, hour, day]} />
      <StateCounts queues={queues.data} workers={workers.data} />
      <div class="grid">
        <ChartCard title="Last hour" span="the last hour" data={hour.data} />
        <ChartCard title="Last 24 hours" span="the last 24 hours" data={day.data} />
      </div>
      <QueueTable queues={queues.data} />
      <WorkerTable workers={workers.data} />
    </section>
  );
}

function Failure({ resources }: { resources: Resource<unknown>[] }) {
  const errors = [...new Set(resources.map((r) => r.error?.message).filter(Boolean))];
  if (errors.length === 0) return null;
  return (
    <p class="banner banner-error" role="alert">
      Could not load everything: {errors.join('; ')}
    </p>
  );
}

function UnservedBanner({ queues }: { queues: QueueStats[] }) {
  return (
    <div class="banner banner-warning" role="alert" data-testid="unserved-warning">
      <strong>No live worker serves {queues.length === 1 ? 'a queue that has' : 'queues that have'} due jobs:</strong>
      <ul>
        {queues.map((q) => (
          <li key={q.queue}>
            <a href={`/jobs?queue=${encodeURIComponent(q.queue)}&state=pending`}>{q.queue}</a>: {formatCount(q.due)} due, the oldest waiting {formatDuration(q.oldestDueAgeMs)}
          </li>
        ))}
      </ul>
    </div>
  );
}

const COUNTED = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;

function StateCounts({ queues, workers }: { queues: QueueStats[] | null; workers: WorkerRecord[] | null }) {
  const total = (key: (typeof COUNTED)[number] | 'due') => (queues ? formatCount(queues.reduce((sum, q) => sum + q[key], 0)) : '…');
  const alive = workers ? formatCount(workers.filter((w) => w.status === 'alive').length) : '…';
  return (
    <dl class="stats" aria-label="Jobs per state, all queues" aria-live="polite">
      {COUNTED.map((state) => (
        <div class="stat" key={state}>
          <dt>{state[0]!.toUpperCase() + state.slice(1)}</dt>
          <dd data-testid={`count-${state}`}>{total(state)}</dd>
        </div>
      ))}
      <div class="stat">
        <dt>Due now</dt>
        <dd data-testid="count-due">{total('due')}</dd>
      </div>
      <div class="stat">
        <dt>Live workers</dt>
        <dd data-testid="count-workers">{alive}</dd>
      </div>
    </dl>
  );
}

function ChartCard({ title, span, data }: { title: string; span: string; data: Throughput | null }) {
  return (
    <section class="card" aria-label={`Throughput, ${span}`}>
      <h2>{title}</h2>
      {data ? <ThroughputChart data={data} span={span} /> : <p class="muted">Loading…</p>}
    </section>
  );
}

function QueueTable({ queues }: { queues: QueueStats[] | null }) {
  return (
    <section aria-labelledby="queues-title">
      <h2 id="queues-title">Queues</h2>
      {queues && queues.length === 0 && <p class="muted">No queues yet: enqueue a job to make one.</p>}
      {queues && queues.length > 0 && (
        <DataTable
          columns={['Queue', numeric('Pending'), numeric('Due'), numeric('Delayed'), numeric('Running'), numeric('Succeeded'), numeric('Failed'), numeric('Cancelled'), numeric('Failure rate (1 h)'), numeric('Oldest due')]}
        >
          {queues.map((q) => (
            <tr key={q.queue} data-testid={`queue-${q.queue}`}>
              <th scope="row">
                <a href={`/jobs?queue=${encodeURIComponent(q.queue)}`}>{q.queue}</a> {q.paused && <StateBadge state="paused" />}
              </th>
              <td class="num">{formatCount(q.pending)}</td>
              <td class="num">{formatCount(q.due)}</td>
              <td class="num">{formatCount(q.delayed)}</td>
              <td class="num">{formatCount(q.running)}</td>
              <td class="num">{formatCount(q.succeeded)}</td>
              <td class="num">{formatCount(q.failed)}</td>
              <td class="num">{formatCount(q.cancelled)}</td>
              <td class="num">{formatRate(q.failedLastHour, q.failedLastHour + q.succeededLastHour)}</td>
              <td class="num">{q.oldestDueAgeMs === null ? '–' : formatDuration(q.oldestDueAgeMs)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

function WorkerTable({ workers }: { workers: WorkerRecord[] | null }) {
  const shown = workers ? [...workers].sort((a, b) => Number(b.status === 'alive') - Number(a.status === 'alive')) : null;
  return (
    <section aria-labelledby="workers-title">
      <h2 id="workers-title">Workers</h2>
      {shown && shown.length === 0 && <p class="muted">No worker has been seen in the last day. Start one with <code>ordo worker</code>.</p>}
      {shown && shown.length > 0 && (
        <DataTable columns={['Worker', 'Status', 'Host', 'Queues', numeric('Running'), 'Last heartbeat']}>
          {shown.map((w) => (
            <tr key={w.id}>
              <th scope="row">{w.id}</th>
              <td>
                <StateBadge state={w.status} />
              </td>
              <td>{w.host}</td>
              <td>{w.queues.join(', ')}</td>
              <td class="num">
                {formatCount(w.running)} / {formatCount(w.concurrency)}
              </td>
              <td>
                <Time value={w.lastSeenAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
