/**
 * What both engines check and derive for a bulk action (jobBulk) before any SQL: its params,
 * and the states it acts on, read from the state machine of core/states.ts, so a bulk action
 * moves jobs exactly as the single-job operation does.
 */
import { ValidationError } from '../core/errors.js';
import { JOB_STATE_TABLE, statesMovedBy } from '../core/states.js';
import type { BulkAction, JobFilter, JobState } from '../core/types.js';
import { checkJobFilter } from './filters.js';

export const BULK_ACTIONS: readonly BulkAction[] = ['cancel', 'retry', 'delete'];

/**
 * The states each action changes: `cancel` those jobCancel moves (pending) or flags
 * (running); `retry` those jobRetry moves (failed, cancelled); `delete` those a queue clean
 * may delete (all but running, whose worker's finish would find the job gone).
 */
const ACTION_STATES: Readonly<Record<BulkAction, readonly JobState[]>> = {
  cancel: [...statesMovedBy('jobCancel'), ...statesStayingFor('jobCancel')],
  retry: statesMovedBy('jobRetry'),
  delete: statesMovedBy('jobDeleteMany', 'deleted'),
};

function statesStayingFor(operation: string): JobState[] {
  return (Object.keys(JOB_STATE_TABLE) as JobState[]).filter((state) => JOB_STATE_TABLE[state].stays.includes(operation));
}

/** A bulk action, checked: the filter as jobList checks it, and the states it can change. */
export interface BulkQuery {
  action: BulkAction;
  filter: JobFilter;
  dryRun: boolean;
  /** The action's states that the filter's `state` keeps (all of them without one); may be empty. */
  states: readonly JobState[];
}

export function checkBulk(params: { readonly action: BulkAction; readonly filter: JobFilter; readonly dryRun?: boolean }): BulkQuery {
  const { action, dryRun = false } = params;
  if (!BULK_ACTIONS.includes(action)) throw new ValidationError('action', `one of ${BULK_ACTIONS.join(', ')}`, action);
  if (typeof dryRun !== 'boolean') throw new ValidationError('dryRun', 'a boolean', dryRun);
  if (params.filter === undefined) throw new ValidationError('filter', 'an object of job filters ({} for every job)', params.filter);
  const filter = checkJobFilter(params.filter);
  const wanted = filter.state === undefined ? null : ([] as JobState[]).concat(filter.state);
  const states = ACTION_STATES[action].filter((state) => wanted === null || wanted.includes(state));
  return { action, filter, dryRun, states };
}
