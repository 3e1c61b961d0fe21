/** One page of jobs as a table: each row links to the job; times as ages with the exact time on hover. */
import type { JobRecord } from '../../api.js';
import { DataTable, numeric } from '../../components/data-table.js';
import { StateBadge } from '../../components/state-badge.js';
import { Time } from '../../components/time.js';

/** Who ran (or runs) the job: the lease holder now, else the last attempt's worker. */
export function jobWorker(job: JobRecord): string | null {
  return job.lockedBy ?? job.attempts[job.attempts.length - 1]?.worker ?? null;
}

export function JobTable({ jobs }: { jobs: readonly JobRecord[] }) {
  return (
    <DataTable aria-label="Jobs" data-testid="jobs-table" columns={['Id', 'Task', 'Queue', 'State', numeric('Attempts'), 'Created', 'Run at', 'Finished', 'Worker']}>
      {jobs.map((job) => (
        <tr key={job.id} data-job-id={job.id}>
          <td>
            <a href={`/jobs/${job.id}`} aria-label={`Job ${job.id}`}>
              {job.id}
            </a>
          </td>
          <td>{job.task}</td>
          <td>{job.queue}</td>
          <td>
            <StateBadge state={job.state} />
          </td>
          <td class="num">
            {job.attempt} / {job.maxAttempts}
          </td>
          <td>
            <Time value={job.createdAt} />
          </td>
          <td>
            <Time value={job.runAt} />
          </td>
          <td>
            <Time value={job.finishedAt} />
          </td>
          <td>{jobWorker(job) ?? <span class="muted">–</span>}</td>
        </tr>
      ))}
    </DataTable>
  );
}
