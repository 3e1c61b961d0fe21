/**
 * Workers seen in the last day: where they run, what they take, how busy they are, and how
 * long ago each was last heard from (ticking). Re-read when the live feed reports a worker
 * up or down, or jobs starting and ending (which change the running counts).
 */
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api.js';
import type { PageProps } from '../context.js';
import { StateBadge } from './forms/badge.js';
import { formatAge, formatNumber, Time, useNow } from './forms/time.js';
import { useLiveRefresh, useLoad, type Loaded } from './forms/use-load.js';
import type { WorkerRecord } from './forms/wire.js';
import './pages.css';

const WORKER_EVENTS = new Set(['worker:up', 'worker:down', 'job:started', 'job:finished', 'job:retried']);

export function WorkersPage({ live }: PageProps) {
  const workers = useLoad(() => api<{ workers: WorkerRecord[] }>('GET', '/workers').then((a) => a.workers), []);
  useLiveRefresh(live, (event) => WORKER_EVENTS.has(event.type), workers.reload, 2_000);
  const now = useNow();
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
        <div class="table-wrap">
          <table class="data workers">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Host</th>
                <th scope="col" class="num">
                  PID
                </th>
                <th scope="col">Queues</th>
                <th scope="col" class="num">
                  Concurrency
                </th>
                <th scope="col" class="num">
                  Running
                </th>
                <th scope="col">Started</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {workers.data.map((w) => (
                <tr key={w.id} data-worker={w.id}>
                  <th scope="row" class="code">
                    {w.id}
                  </th>
                  <td>{w.host}</td>
                  <td class="num">{w.pid}</td>
                  <td>{w.queues.join(', ')}</td>
                  <td class="num">{formatNumber(w.concurrency)}</td>
                  <td class="num">{formatNumber(w.running)}</td>
                  <td>
                    <Time at={w.startedAt} now={now} />
                  </td>
                  <td data-testid="heartbeat-age">
                    <time dateTime={w.lastSeenAt} title={w.lastSeenAt}>
                      {formatAge(Math.max(0, now - Date.parse(w.lastSeenAt)))} ago
                    </time>
                  </td>
                  <td>
                    <StateBadge state={w.status} title={`alive while heard from within ${formatAge(w.livenessMs)}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
function useHeartbeatCheck(workers: Loaded<WorkerRecord[]>, now: number): void {
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
