/**
 * Jobs (`/jobs`): the filter (kept in the URL), one page of matching jobs newest first with
 * cursor paging (a stack of cursors takes Previous back), bulk actions for writers, and
 * live updates: when events about jobs the filter could match arrive, the current page is
 * fetched again, at most once a second.
 */
import { useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, eventJob, type JobPage, type QueueStats, type StreamEvent, type TaskInfo } from '../api.js';
import { formatCount } from '../components/format.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { useLiveRefresh, usePageTitle, useResource } from '../components/hooks.js';
import { can, type PageProps } from '../context.js';
import { BulkActions } from './jobs/bulk-actions.js';
import { filterFromQuery, filterToApiQuery, filterToSearch, TEXT_KEYS, type JobFilter } from './jobs/filter.js';
import { FilterForm, type FieldErrors } from './jobs/filter-form.js';
import { JobTable } from './jobs/job-table.js';
import './jobs/jobs.css';

export const PAGE_SIZE = 50;
const LIVE_REFRESH_MS = 1_000;

/** Whether a batch has a job event the filter's queue and task do not rule out. */
export function touchesFilter(events: readonly StreamEvent[], filter: JobFilter): boolean {
  return events.some((event) => {
    const job = eventJob(event);
    return job !== null && (!filter.queue || job.queue === filter.queue) && (!filter.task || job.task === filter.task);
  });
}

/** The field a server error names, when it is one of the filter's (a bulk body's are under `filter.`). */
function fieldErrors(error: Error | null): FieldErrors {
  if (!(error instanceof ApiError) || !error.field) return {};
  const field = error.field.replace(/^filter\./, '');
  return field === 'state' || (TEXT_KEYS as readonly string[]).includes(field) ? { [field]: error.message } : {};
}

export function JobsPage({ session, live }: PageProps) {
  usePageTitle('Jobs');
  const location = useLocation();
  const search = filterToSearch(filterFromQuery(location.query));
  const filter = useMemo(() => filterFromQuery(location.query), [search]);
  const pages = useCursorPages(search);

  const page = useResource(() => api<JobPage>('GET', '/jobs', { query: { ...filterToApiQuery(filter), limit: PAGE_SIZE, cursor: pages.cursor } }), [search, pages.cursor]);
  const queues = useResource(() => api<{ queues: QueueStats[] }>('GET', '/queues').then((a) => a.queues.map((q) => q.queue)), []);
  const tasks = useResource(() => api<{ tasks: TaskInfo[] }>('GET', '/tasks').then((a) => a.tasks.map((t) => t.name)), []);
  useLiveRefresh(live, (events) => touchesFilter(events, filter), page.reload, LIVE_REFRESH_MS);

  const serverErrors = fieldErrors(page.error);
  const otherError = page.error && Object.keys(serverErrors).length === 0 ? page.error.message : null;
  return (
    <section class="page" aria-labelledby="jobs-title">
      <div class="page-header">
        <h1 id="jobs-title">Jobs</h1>
        <p class="muted" aria-live="polite" data-testid="jobs-total">
          {page.data ? `${formatCount(page.data.total)} matching` : page.loading ? 'Loading…' : ''}
        </p>
      </div>
      <FilterForm filter={filter} serverErrors={serverErrors} queues={queues.data ?? []} tasks={tasks.data ?? []} onApply={(next) => location.route(`/jobs${filterToSearch(next)}`)} />
      {can(session, 'write') && <BulkActions filter={filter} onDone={page.reload} />}
      {otherError && (
        <p class="banner banner-error" role="alert">
          Could not load the jobs: {otherError}
        </p>
      )}
      {page.data && page.data.jobs.length === 0 && <p class="muted">No job matches this filter.</p>}
      {page.data && page.data.jobs.length > 0 && <JobTable jobs={page.data.jobs} />}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} />
    </section>
  );
}
