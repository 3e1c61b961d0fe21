/**
 * The checks both engines apply to the filters, ranges and cursors of their listings
 * (jobList, executionList, jobChanges) and of the bulk actions that share jobList's filter,
 * before any SQL, so they refuse the same input with the same ValidationError, and what they
 * derive from them: times clamped to years both engines store and compare exactly, and text
 * searched as plain text (a LIKE pattern whose wildcards are escaped). JSON containment is
 * containment.ts's. Values only ever travel as statement parameters.
 */
import { ValidationError } from '../core/errors.js';
import { MAX_PAGE_LIMIT, checkJobId } from '../core/page.js';
import { ATTEMPT_OUTCOMES, JOB_STATES, type AttemptOutcome, type ExecutionFilter, type JobFilter, type JobState } from '../core/types.js';
import { checkContainment } from './containment.js';

/**
 * The earliest and latest times a range keeps: years 1 to 9999. A `Date` may lie 275,000
 * years away, beyond what PostgreSQL parses and where ISO text stops sorting as time; every
 * stored time is the store's clock, well inside, so clamping changes no answer.
 */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** A valid `Date` (clamped to years 1–9999), else a ValidationError naming `field`. */
export function checkTime(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new ValidationError(field, 'a valid Date', value);
  const ms = Math.min(Math.max(value.getTime(), EARLIEST_MS), LATEST_MS);
  return ms === value.getTime() ? value : new Date(ms);
}

/** A page size of a listing: a whole number from 1 to MAX_PAGE_LIMIT. */
export function checkListLimit(value: unknown, field = 'limit'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_LIMIT) {
    throw new ValidationError(field, `a whole number from 1 to ${MAX_PAGE_LIMIT}`, value);
  }
  return value;
}

/**
 * True when a text filter holds NUL: it can match no JSON text (JSON escapes it), nor any
 * PostgreSQL text (which cannot hold one, and fails the statement that sends one), and
 * SQLite's LIKE would end its pattern there. Such a filter matches nothing, on both engines.
 */
export function holdsNul(...texts: (string | null | undefined)[]): boolean {
  return texts.some((text) => typeof text === 'string' && text.includes('\0'));
}

/** The escape character of every LIKE pattern built here (`LIKE ? ESCAPE '\'`). */
export const LIKE_ESCAPE = '\\';

/** A LIKE pattern matching text that contains `text` as it is: `%`, `_` and `\` lose their meaning. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => LIKE_ESCAPE + char)}%`;
}

function checkText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(field, 'a string', value);
  return value;
}

/**
 * The longest `payloadText` (and `resultText`): SQLite refuses LIKE patterns over 50,000
 * bytes, and this many UTF-16 units stay below that escaped and encoded.
 */
export const MAX_PAYLOAD_TEXT_LENGTH = 10_000;

/**
 * A jobList filter with its times checked (and clamped), its texts checked to be strings,
 * its states to be known ones, its JSON objects to be containment filters both engines run
 * (containment.ts) and its id to be a job id; every field named `filter.<name>` in errors.
 */
export function checkJobFilter(filter: JobFilter = {}): JobFilter {
  if (typeof filter !== 'object' || filter === null) throw new ValidationError('filter', 'an object of job filters', filter);
  const checked: JobFilter = { ...filter };
  if (filter.state !== undefined) checked.state = checkStates(filter.state);
  if (filter.createdFrom !== undefined) checked.createdFrom = checkTime(filter.createdFrom, 'filter.createdFrom');
  if (filter.createdTo !== undefined) checked.createdTo = checkTime(filter.createdTo, 'filter.createdTo');
  for (const key of ['queue', 'task', 'workerId'] as const) checkText(filter[key], `filter.${key}`);
  for (const key of ['payloadText', 'resultText'] as const) {
    const text = checkText(filter[key], `filter.${key}`);
    if (text !== undefined && text.length > MAX_PAYLOAD_TEXT_LENGTH) {
      throw new ValidationError(`filter.${key}`, `a string of at most ${MAX_PAYLOAD_TEXT_LENGTH} characters`, text);
    }
  }
  for (const key of ['payloadContains', 'resultContains'] as const) checkContainment(filter[key], `filter.${key}`);
  if (filter.id !== undefined) checkJobId(filter.id, 'filter.id');
  return checked;
}

/** The states of a filter as a list (an empty one matches nothing); unknown ones refused. */
function checkStates(state: JobState | readonly JobState[]): readonly JobState[] {
  const states: readonly JobState[] = typeof state === 'string' ? [state] : state;
  const expected = `one or more of ${JOB_STATES.join(', ')}`;
  if (!Array.isArray(states)) throw new ValidationError('filter.state', expected, state);
  const unknown = states.find((value) => !JOB_STATES.includes(value));
  if (unknown !== undefined) throw new ValidationError('filter.state', expected, unknown);
  return states;
}

/** What `jobChanges` takes, checked. */
export interface ChangesQuery {
  /** `0` or a job id: jobs created after it. */
  afterId: string;
  from: Date;
  to: Date;
  limit: number;
}

export function checkChanges(params: { readonly afterId: string; readonly from: Date; readonly to: Date; readonly limit: number }): ChangesQuery {
  const afterId = params.afterId === '0' ? '0' : checkJobId(params.afterId, 'afterId');
  return { afterId, from: checkTime(params.from, 'from'), to: checkTime(params.to, 'to'), limit: checkListLimit(params.limit) };
}

/** Where an execution listing continues: after this attempt, in its newest-first order. */
export interface ExecutionCursor {
  finishedAt: Date;
  jobId: string;
  attempt: number;
}

/** What `executionList` takes, checked: every field present, `null` when the caller left it out. */
export interface ExecutionQuery {
  task: string | null;
  queue: string | null;
  /** The outcomes kept; null keeps every one (an empty list keeps none). */
  outcomes: readonly AttemptOutcome[] | null;
  workerId: string | null;
  from: Date | null;
  to: Date | null;
  before: ExecutionCursor | null;
  limit: number;
}

export function checkExecutions(params: {
  readonly filter?: ExecutionFilter;
  readonly limit: number;
  readonly before?: { readonly finishedAt: Date; readonly jobId: string; readonly attempt: number };
}): ExecutionQuery {
  const filter = params.filter ?? {};
  return {
    task: checkText(filter.task, 'filter.task') ?? null,
    queue: checkText(filter.queue, 'filter.queue') ?? null,
    outcomes: filter.outcome === undefined ? null : checkOutcomes(filter.outcome),
    workerId: checkText(filter.workerId, 'filter.workerId') ?? null,
    from: filter.from === undefined ? null : checkTime(filter.from, 'filter.from'),
    to: filter.to === undefined ? null : checkTime(filter.to, 'filter.to'),
    before: params.before === undefined ? null : checkCursor(params.before),
    limit: checkListLimit(params.limit),
  };
}

function checkOutcomes(outcome: AttemptOutcome | readonly AttemptOutcome[]): AttemptOutcome[] {
  const outcomes: readonly AttemptOutcome[] = typeof outcome === 'string' ? [outcome] : outcome;
  if (!Array.isArray(outcomes)) throw new ValidationError('filter.outcome', `one or more of ${ATTEMPT_OUTCOMES.join(', ')}`, outcome);
  const unknown = outcomes.find((value) => !ATTEMPT_OUTCOMES.includes(value));
  if (unknown !== undefined) throw new ValidationError('filter.outcome', `one or more of ${ATTEMPT_OUTCOMES.join(', ')}`, unknown);
  return [...new Set(outcomes)];
}

function checkCursor(before: { readonly finishedAt: Date; readonly jobId: string; readonly attempt: number }): ExecutionCursor {
  if (typeof before !== 'object' || before === null) throw new ValidationError('before', 'an object { finishedAt, jobId, attempt }', before);
  const attempt = before.attempt;
  if (typeof attempt !== 'number' || !Number.isSafeInteger(attempt) || attempt < 0) throw new ValidationError('before.attempt', 'a whole number ≥ 0', attempt);
  return { finishedAt: checkTime(before.finishedAt, 'before.finishedAt'), jobId: checkJobId(before.jobId, 'before.jobId'), attempt };
}
