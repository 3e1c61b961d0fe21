/**
 * Bulk actions by filter (the dashboard's "retry every failed job of this task"): which
 * actions there are, and the checks both clients apply before acting, so a bad request gets
 * the same error whichever way it goes. The filter is the listing's (`checkJobFilter`), and
 * must say something: an empty one would act on every job there is, which is never what a
 * click on a filtered page meant.
 */
import { ValidationError } from '../core/errors.js';
import type { BulkAction, JobFilter } from '../core/types.js';
import type { Store } from '../store/contract.js';
import { checkJobFilter, type JobListFilter } from './job-query.js';

export const BULK_ACTIONS: readonly BulkAction[] = ['cancel', 'retry', 'delete'];

/** What a bulk action did (or, with `dryRun`, would do). */
export interface BulkResult {
  action: BulkAction;
  /** Jobs changed; with `dryRun`, jobs the action would change now. */
  count: number;
  dryRun: boolean;
}

export interface BulkOptions {
  /** Only count the jobs the action would change (a preview). @defaultValue false */
  dryRun?: boolean;
}

export function checkBulkAction(action: unknown): BulkAction {
  if (!BULK_ACTIONS.includes(action as BulkAction)) throw new ValidationError('action', `one of ${BULK_ACTIONS.join(', ')}`, action);
  return action as BulkAction;
}

/** The filter checked as a listing's, and not empty. */
export function checkBulkFilter(filter: JobListFilter): JobFilter {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new ValidationError('filter', "a job filter such as { state: ['failed'], task: 'send_email' }", filter);
  }
  const checked = checkJobFilter(filter);
  if (Object.keys(checked).length === 0) {
    throw new ValidationError('filter', 'at least one condition (state, queue, task, worker, time range or search): an empty filter would act on every job', filter);
  }
  return checked;
}

export function checkBulkOptions(options: BulkOptions = {}): { dryRun: boolean } {
  const dryRun = options?.dryRun ?? false;
  if (typeof dryRun !== 'boolean') throw new ValidationError('dryRun', 'true or false', dryRun);
  return { dryRun };
}

/** Applies (or counts) a bulk action on the store, all checks first. */
export async function bulkJobs(store: Store, action: BulkAction, filter: JobListFilter, options: BulkOptions = {}): Promise<BulkResult> {
  const checkedAction = checkBulkAction(action);
  const checkedFilter = checkBulkFilter(filter);
  const { dryRun } = checkBulkOptions(options);
  const { count } = await store.jobBulk({ action: checkedAction, filter: checkedFilter, dryRun });
  return { action: checkedAction, count, dryRun };
}
