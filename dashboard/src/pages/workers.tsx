/**
 * Workers seen in the last day: where they run, what they take, how busy they are, and how
 * long ago each was last heard from (ticking). Re-read when the live feed reports a worker
 * up or down, or jobs starting and ending (which change the running counts).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type WorkerRecord } from '../api.js';
import { DataTable, numeric } from '../components/data-table.js';
import { formatAge, formatCount, formatDuration } from '../components/format.js';
import { usePageTitle, useLiveRefresh, useResource, type Resource } from '../components/hooks.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import type { PageProps } from '../context.js';
import './pages.css';

const WORKER_EVENTS = new Set(['worker:up', 'worker:down', 'job:started', 'job:finished', 'job:retried']);

export function WorkersPage({ live }: PageProps) {
  usePageTitle('Workers');
  const workers = useResource(() => api<{ workers: WorkerRecord[] }>('GET', '/workers').then((a) => a.workers), []);
  useLiveRefresh(live, (events) => events.some((e) => WORKER_EVENTS.has(e.type)), workers.reload, 2_000);
  const now = useSecondTick();
  useHeartbeatCheck(workers, now);

  return (
    <section class="page workers-page">
      <h1>Workers</h1>
      {workers.error && (
        <p class="error" role="alert">
          Could not load the workers: {workers.error.message}
        </p>
      )}
      {workers.data?.length === 0 && <p class="muted">No worker was seen in the last day. Start one with ordo worker.</p>}
      {workers.data && workers.data.length > 0 && (
        <DataTable class="data workers" columns={['Worker', 'Host', numeric('PID'), 'Queues', numeric('Concurrency'), numeric('Running'), 'Started', 'Last heartbeat', 'Status']}>
          {workers.data.map((w) => (
            <tr key={w.id} data-worker={w.id}>
              <th scope="row" class="code">
                {w.id}
              </th>
              <td>{w.host}</td>
              <td class="num">{w.pid}</td>
              <td>{w.queues.join(', ')}</td>
              <td class="num">{formatCount(w.concurrency)}</td>
              <td class="num">{formatCount(w.running)}</td>
              <td>
                <Time value={w.startedAt} />
              </td>
              <td data-testid="heartbeat-age">
                <time dateTime={w.lastSeenAt} title={w.lastSeenAt}>
                  {formatAge(new Date(Math.min(Date.parse(w.lastSeenAt), now)), now)}
                </time>
              </td>
              <td>
                <span title={`alive while heard from within ${formatDuration(w.livenessMs)}`}>
                  <StateBadge state={w.status} />
                </span>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

/**
 * Heartbeats are written to the database but not sent on the event stream, so an idle
 * worker's age would only grow on this page. When a live worker's next heartbeat is due
 * (half its liveness window: it beats at about that rate), read the list once more: the age
 * then restarts from the real last beat, and a worker that stopped beating turns stale here
 * as it does on the server. At most one read per heartbeat interval, and none while no
 * worker is alive.
 */
function useHeartbeatCheck(workers: Resource<WorkerRecord[]>, now: number): void {
  const lastCheck = useRef(Date.now());
  useEffect(() => {
    const alive = (workers.data ?? []).filter((w) => w.status === 'alive');
    if (alive.length === 0) return;
    const interval = Math.min(...alive.map((w) => w.livenessMs / 2));
    const beatDue = alive.some((w) => now - Date.parse(w.lastSeenAt) > w.livenessMs / 2);
    if (beatDue && now - lastCheck.current >= interval) {
      lastCheck.current = now;
      workers.reload();
    }
  }, [now]);
}

/** The time now, every second: a heartbeat age is seconds, and a coarser tick would make it jump. */
function useSecondTick(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
