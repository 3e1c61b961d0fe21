/**
 * Every queue with its counts (pending, due, delayed, running), the last hour's outcomes and
 * how long its oldest due job has waited; pause, resume and clean for admin tokens. Clean
 * deletes the queue's pending jobs, so it says how many and asks for the queue's name.
 */
import { useState } from 'preact/hooks';
import { api, type QueueStats } from '../api.js';
import { DataTable, numeric } from '../components/data-table.js';
import { formatCount, formatDuration } from '../components/format.js';
import { usePageTitle, useLiveRefresh, useResource } from '../components/hooks.js';
import { RowAction, RowActions } from '../components/row-actions.js';
import { StateBadge } from '../components/state-badge.js';
import { toast } from '../components/toasts.js';
import { can, type PageProps } from '../context.js';
import { Confirm } from './forms/confirm.js';
import { useActions } from './forms/use-action.js';
import './pages.css';

const COUNTS = [
  ['pending', 'Pending'],
  ['due', 'Due'],
  ['delayed', 'Delayed'],
  ['running', 'Running'],
  ['succeededLastHour', 'Succeeded (1 h)'],
  ['failedLastHour', 'Failed (1 h)'],
] as const;

export function QueuesPage({ session, live }: PageProps) {
  usePageTitle('Queues');
  const queues = useResource(() => api<{ queues: QueueStats[] }>('GET', '/queues').then((a) => a.queues), []);
  // Counts move with every job: re-read on job events, at most every 2 s.
  useLiveRefresh(live, (events) => events.some((e) => e.type.startsWith('job:')), queues.reload, 2_000);
  const actions = useActions();
  const [cleaning, setCleaning] = useState<QueueStats | null>(null);
  const admin = can(session, 'admin');

  const toggle = (q: QueueStats): Promise<void> =>
    actions.run(q.queue, `${q.paused ? 'Resuming' : 'Pausing'} queue ${q.queue}`, async () => {
      await api('POST', `/queues/${encodeURIComponent(q.queue)}/${q.paused ? 'resume' : 'pause'}`);
      queues.reload();
      return `Queue ${q.queue} ${q.paused ? 'resumed' : 'paused'}.`;
    });

  const clean = async (q: QueueStats): Promise<void> => {
    const answer = await api<{ deleted: number }>('POST', `/queues/${encodeURIComponent(q.queue)}/clean`);
    queues.reload();
    toast(`Deleted ${formatCount(answer.deleted)} pending ${answer.deleted === 1 ? 'job' : 'jobs'} from queue ${q.queue}.`);
  };

  return (
    <section class="page queues-page">
      <h1>Queues</h1>
      {!admin && <p class="muted">Pausing, resuming and cleaning queues needs an admin token.</p>}
      {queues.error && (
        <p class="error" role="alert">
          Could not load the queues: {queues.error.message}
        </p>
      )}
      {queues.data?.length === 0 && <p class="muted">No queues yet: a queue appears with its first job.</p>}
      {queues.data && queues.data.length > 0 && (
        <DataTable class="data queues" columns={['Queue', ...COUNTS.map(([, label]) => numeric(label)), numeric('Oldest due'), 'State', admin && 'Actions']}>
          {queues.data.map((q) => (
            <tr key={q.queue} data-queue={q.queue}>
              <th scope="row">
                <a href={`/jobs?queue=${encodeURIComponent(q.queue)}`}>{q.queue}</a>
              </th>
              {COUNTS.map(([key]) => (
                <td class="num" data-count={key}>
                  {formatCount(q[key])}
                </td>
              ))}
              <td class="num">{q.oldestDueAgeMs === null ? <span class="muted">—</span> : formatDuration(q.oldestDueAgeMs)}</td>
              <td>
                <StateBadge state={q.paused ? 'paused' : 'active'} />
              </td>
              {admin && (
                <RowActions>
                  <RowAction label={q.paused ? 'Resume' : 'Pause'} subject={q.queue} disabled={actions.busy !== null} onClick={() => toggle(q)} />
                  <RowAction label="Clean…" subject={q.queue} danger disabled={actions.busy !== null || q.pending === 0} onClick={() => setCleaning(q)} />
                </RowActions>
              )}
            </tr>
          ))}
        </DataTable>
      )}
      {cleaning && <CleanDialog queue={queues.data?.find((q) => q.queue === cleaning.queue) ?? cleaning} onClose={() => setCleaning(null)} onConfirm={clean} />}
    </section>
  );
}

/** The clean confirmation, with the queue's pending count as last read (it follows live changes). */
function CleanDialog({ queue, onClose, onConfirm }: { queue: QueueStats; onClose: () => void; onConfirm: (q: QueueStats) => Promise<void> }) {
  return (
    <Confirm title={`Clean queue ${queue.queue}?`} confirmLabel="Delete pending jobs" typed={queue.queue} onClose={onClose} onConfirm={() => onConfirm(queue)}>
      <p>
        This deletes the <strong data-testid="clean-count">{formatCount(queue.pending)}</strong> pending {queue.pending === 1 ? 'job' : 'jobs'} of queue <strong>{queue.queue}</strong> (due and
        delayed). Running and finished jobs stay. It cannot be undone.
      </p>
    </Confirm>
  );
}
