/**
 * The jobs page's filter, kept in the URL's query string under the API's own names
 * (`/jobs?state=failed&task=mail.send`), so a view can be shared and a reload restores it.
 * The same filter becomes the query of `GET /jobs` and the `filter` of a bulk action.
 */
import { JOB_STATES, type JobFilterBody, type JobState } from '../../api.js';

export interface JobFilter {
  state: JobState[];
  queue: string;
  task: string;
  worker: string;
  /** ISO times (what the URL and the API carry); the form shows them in local time. */
  createdFrom: string;
  createdTo: string;
  q: string;
  resultQ: string;
  /** JSON object text, as typed. */
  payloadContains: string;
  resultContains: string;
}

type TextKey = Exclude<keyof JobFilter, 'state'>;
export const TEXT_KEYS: readonly TextKey[] = ['queue', 'task', 'worker', 'createdFrom', 'createdTo', 'q', 'resultQ', 'payloadContains', 'resultContains'];

export const EMPTY_FILTER: JobFilter = { state: [], queue: '', task: '', worker: '', createdFrom: '', createdTo: '', q: '', resultQ: '', payloadContains: '', resultContains: '' };

/** The filter a URL query holds; unknown states are dropped rather than sent to be refused. */
export function filterFromQuery(query: Record<string, string | undefined>): JobFilter {
  const filter: JobFilter = { ...EMPTY_FILTER, state: [] };
  for (const key of TEXT_KEYS) filter[key] = query[key] ?? '';
  const states = (query.state ?? '').split(',').map((s) => s.trim());
  filter.state = JOB_STATES.filter((state) => states.includes(state));
  return filter;
}

/** The URL query of a filter: only the fields that are set, in a stable order. */
export function filterToSearch(filter: JobFilter): string {
  const params = new URLSearchParams();
  if (filter.state.length > 0) params.set('state', filter.state.join(','));
  for (const key of TEXT_KEYS) if (filter[key].trim() !== '') params.set(key, filter[key].trim());
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The query of `GET /jobs` (the API takes the JSON filters as text, as the URL does). */
export function filterToApiQuery(filter: JobFilter): Record<string, string> {
  const query: Record<string, string> = {};
  if (filter.state.length > 0) query.state = filter.state.join(',');
  for (const key of TEXT_KEYS) if (filter[key].trim() !== '') query[key] = filter[key].trim();
  return query;
}

/** A JSON containment text as an object, or the reason it is not one. */
export function parseJsonObject(text: string): { value: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `Not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'Expected a JSON object, such as {"customer": 42}' };
  return { value: value as Record<string, unknown> };
}

/** Errors of fields the browser can check itself, by field name (empty when all is well). */
export function checkFilter(filter: JobFilter): Partial<Record<keyof JobFilter, string>> {
  const errors: Partial<Record<keyof JobFilter, string>> = {};
  for (const key of ['payloadContains', 'resultContains'] as const) {
    if (filter[key].trim() === '') continue;
    const parsed = parseJsonObject(filter[key]);
    if ('error' in parsed) errors[key] = parsed.error;
  }
  for (const key of ['createdFrom', 'createdTo'] as const) {
    if (filter[key] !== '' && Number.isNaN(Date.parse(filter[key]))) errors[key] = 'Expected a date and time';
  }
  if (filter.createdFrom && filter.createdTo && Date.parse(filter.createdFrom) > Date.parse(filter.createdTo)) errors.createdTo = 'Must be after "Created from"';
  return errors;
}

/**
 * The filter of a bulk action: the page's filter with its states narrowed to those the
 * action applies to (retrying "all matching" means the failed ones among them). Null when
 * the page's states leave none.
 */
export function bulkFilter(filter: JobFilter, actionStates: readonly JobState[]): JobFilterBody | null {
  const state = filter.state.length > 0 ? filter.state.filter((s) => actionStates.includes(s)) : [...actionStates];
  if (state.length === 0) return null;
  const body: JobFilterBody = { state };
  for (const key of ['queue', 'task', 'worker', 'createdFrom', 'createdTo', 'q', 'resultQ'] as const) if (filter[key].trim() !== '') body[key] = filter[key].trim();
  for (const key of ['payloadContains', 'resultContains'] as const) {
    if (filter[key].trim() === '') continue;
    const parsed = parseJsonObject(filter[key]);
    if ('value' in parsed) body[key] = parsed.value;
  }
  return body;
}

/** The local time an ISO text is, in the form a `datetime-local` input takes ("2024-05-01T14:30"). */
export function isoToLocalInput(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A `datetime-local` value (local time) as ISO text; '' stays ''. */
export function localInputToIso(local: string): string {
  if (local === '') return '';
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? local : at.toISOString();
}
