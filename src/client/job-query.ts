/**
 * The checks of the listing queries, jobs and executions, shared by both clients: `Ordo`
 * applies them before reading the store, and `RemoteOrdo` before sending a request, so a bad
 * filter gets the same error text whichever way it goes. Times may be given as `Date`s, ISO
 * 8601 text or epoch seconds; they come out as `Date`s.
 */
import { parseTime } from '../core/duration.js';
import { ValidationError } from '../core/errors.js';
import { checkQueueName, checkTaskName } from '../core/names.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, checkJobId, resolvePage, type ResolvedPage } from '../core/page.js';
import { JOB_STATES, type AttemptOutcome, type ExecutionFilter, type ExecutionRecord, type JobFilter, type JobState, type Page } from '../core/types.js';
import { checkJsonObject } from './json-containment.js';

/** A time as callers may give it. */
export type TimeInput = Date | string | number;

/**
 * `JobFilter` as callers may give it: its times as `Date`s, ISO text or epoch seconds. (No
 * `id`: the HTTP API has no such filter, and both clients take the same filters.)
 */
export type JobListFilter = Omit<JobFilter, 'createdFrom' | 'createdTo' | 'id'> & { createdFrom?: TimeInput; createdTo?: TimeInput };

/** `ExecutionFilter` as callers may give it. */
export type ExecutionListFilter = Omit<ExecutionFilter, 'from' | 'to'> & { from?: TimeInput; to?: TimeInput };

/** Paging of the execution history: at most `limit`, after the page whose `nextCursor` is `cursor`. */
export interface ExecutionPageRequest {
  limit?: number;
  cursor?: string;
}

/** The longest `payloadText`: a search, not a document. */
export const MAX_PAYLOAD_TEXT = 500;

export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'worker_lost'];

/** A job id as callers give it: a string, or a number (`ordo.job(42)` from plain JavaScript). */
export function jobIdOf(id: unknown): string {
  return checkJobId(typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id, 'id');
}

/** A job filter checked, with its times as Dates; only the fields given. */
export function checkJobFilter(filter: JobListFilter = {}): JobFilter {
  const checked: JobFilter = {};
  if (filter.state !== undefined) checked.state = checkEach(filter.state, JOB_STATES, 'state') as JobState[];
  if (filter.queue !== undefined) checked.queue = checkQueueName(filter.queue);
  if (filter.task !== undefined) checked.task = checkTaskName(filter.task);
  if (filter.workerId !== undefined) checked.workerId = checkText(filter.workerId, 'workerId', 200);
  if (filter.createdFrom !== undefined) checked.createdFrom = parseTime(filter.createdFrom, 'createdFrom');
  if (filter.createdTo !== undefined) checked.createdTo = parseTime(filter.createdTo, 'createdTo');
  // An empty search (a form's blank field) searches for nothing: no filter.
  if (filter.payloadText !== undefined && filter.payloadText !== '') checked.payloadText = checkText(filter.payloadText, 'payloadText', MAX_PAYLOAD_TEXT);
  if (filter.resultText !== undefined && filter.resultText !== '') checked.resultText = checkText(filter.resultText, 'resultText', MAX_PAYLOAD_TEXT);
  // `{}` is contained in every object: like a blank search, no filter.
  const payloadContains = filter.payloadContains === undefined ? null : checkJsonObject(filter.payloadContains, 'payloadContains');
  if (payloadContains) checked.payloadContains = payloadContains;
  const resultContains = filter.resultContains === undefined ? null : checkJsonObject(filter.resultContains, 'resultContains');
  if (resultContains) checked.resultContains = resultContains;
  return checked;
}

/** A page of jobs checked, naming the fields as callers of the client know them. */
export function checkJobPage(page: Page = {}): ResolvedPage {
  return resolvePage(page, { limit: 'limit', offset: 'offset', before: 'before' });
}

/** The cursor of the page after `jobs`: the last id when the page is full (there may be more), else null. */
export function nextJobCursor(jobs: readonly { id: string }[], limit: number): string | null {
  return jobs.length === limit && jobs.length > 0 ? jobs[jobs.length - 1]!.id : null;
}

export function checkExecutionFilter(filter: ExecutionListFilter = {}): ExecutionFilter {
  const checked: ExecutionFilter = {};
  if (filter.task !== undefined) checked.task = checkTaskName(filter.task);
  if (filter.queue !== undefined) checked.queue = checkQueueName(filter.queue);
  if (filter.outcome !== undefined) checked.outcome = checkEach(filter.outcome, ATTEMPT_OUTCOMES, 'outcome') as AttemptOutcome[];
  if (filter.workerId !== undefined) checked.workerId = checkText(filter.workerId, 'workerId', 200);
  if (filter.from !== undefined) checked.from = parseTime(filter.from, 'from');
  if (filter.to !== undefined) checked.to = parseTime(filter.to, 'to');
  return checked;
}

/** Where an execution listing continues: after this attempt. */
export interface ExecutionPosition {
  finishedAt: Date;
  jobId: string;
  attempt: number;
}

export function checkExecutionPage(page: ExecutionPageRequest = {}): { limit: number; before?: ExecutionPosition } {
  const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new ValidationError('limit', `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
  }
  return page.cursor === undefined ? { limit } : { limit, before: decodeExecutionCursor(page.cursor) };
}

/*
 * The execution cursor is opaque to callers: base64url of `finishedAt ms|jobId|attempt`,
 * the sort key of the last record of a page. Opaque, so its form may change without
 * breaking anyone who only passes it back.
 */

export function encodeExecutionCursor(record: Pick<ExecutionRecord, 'finishedAt' | 'jobId' | 'attempt'>): string {
  return Buffer.from(`${record.finishedAt.getTime()}|${record.jobId}|${record.attempt}`).toString('base64url');
}

const CURSOR_TEXT = /^(\d{1,15})\|([1-9]\d{0,18})\|([1-9]\d{0,5})$/;

export function decodeExecutionCursor(cursor: unknown): ExecutionPosition {
  const text = typeof cursor === 'string' && /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = CURSOR_TEXT.exec(text);
  if (!match) throw new ValidationError('cursor', 'the nextCursor of an earlier page of executions, passed back unchanged', cursor);
  return { finishedAt: new Date(Number(match[1])), jobId: checkJobId(match[2], 'cursor'), attempt: Number(match[3]) };
}

/** The cursor of the page after `executions`, or null when it was the last. */
export function nextExecutionCursor(executions: readonly ExecutionRecord[], limit: number): string | null {
  const last = executions[executions.length - 1];
  return executions.length === limit && last ? encodeExecutionCursor(last) : null;
}

/** One value or several, each one of `allowed`. */
function checkEach(value: unknown, allowed: readonly string[], field: string): string[] {
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (typeof item !== 'string' || !allowed.includes(item)) throw new ValidationError(field, `one of ${allowed.join(', ')}`, item);
  }
  return values as string[];
}

function checkText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new ValidationError(field, `a non-empty string of at most ${max} characters`, value);
  }
  // PostgreSQL cannot compare text holding NUL (it fails the query); the server refuses it in a query string alike.
  if (value.includes('\u0000')) throw new ValidationError(field, 'text without NUL (\\u0000) characters', value);
  return value;
}
