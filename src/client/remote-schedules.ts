/**
 * `remote.schedules` and `remote.tokens`: the schedule and token operations of the client
 * over the HTTP API. What can be checked before sending (a new schedule without its task's
 * schema, a name, a history limit, a scope) is checked with the same checks as the client on
 * the database, so both give the same errors; the server resolves and checks the rest
 * exactly as the local client does.
 */
import { parseTime } from '../core/duration.js';
import type { ScheduleFire, TokenScope } from '../core/types.js';
import type { ScheduleClient, TokenClient } from './api.js';
import type { HttpCaller } from './remote-http.js';
import { resolveSchedule, type ScheduleSpec } from './schedule-spec.js';
import { checkHistoryLimit, checkLookupName, type ScheduleDetail, type ScheduleView } from './schedules.js';
import { checkScope, checkTokenId, checkTokenName, type TokenView } from './tokens.js';

const SPEC_KEYS = ['task', 'payload', 'workflow', 'input', 'queue', 'priority', 'maxAttempts', 'timeout', 'cron', 'every', 'at', 'tz', 'misfire', 'misfireLimit', 'overlap'] as const;

export class RemoteSchedules implements ScheduleClient {
  constructor(private readonly http: HttpCaller) {}

  async add(name: string, spec: ScheduleSpec): Promise<ScheduleDetail> {
    // Checked as the local client checks a schedule of a task it does not know: the same errors.
    resolveSchedule(name, spec, undefined, 'api');
    return (await this.http.call('schedules.create', { body: { name, ...specBody(spec) } })) as ScheduleDetail;
  }

  async update(name: string, change: Partial<ScheduleSpec>): Promise<ScheduleDetail> {
    return (await this.http.call('schedules.update', { params: { name: checkLookupName(name) }, body: specBody(change) })) as ScheduleDetail;
  }

  async get(name: string): Promise<ScheduleDetail> {
    return (await this.http.call('schedules.get', { params: { name: checkLookupName(name) } })) as ScheduleDetail;
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.http.call('schedules.list')).schedules as ScheduleView[];
  }

  async remove(name: string): Promise<void> {
    await this.http.call('schedules.delete', { params: { name: checkLookupName(name) } });
  }

  async pause(name: string): Promise<ScheduleView> {
    return (await this.http.call('schedules.pause', { params: { name: checkLookupName(name) } })) as ScheduleView;
  }

  async resume(name: string): Promise<ScheduleView> {
    return (await this.http.call('schedules.resume', { params: { name: checkLookupName(name) } })) as ScheduleView;
  }

  async run(name: string): Promise<ScheduleFire> {
    return (await this.http.call('schedules.run', { params: { name: checkLookupName(name) } })) as ScheduleFire;
  }

  async history(name: string, options: { limit?: number } = {}): Promise<ScheduleFire[]> {
    const limit = checkHistoryLimit(options.limit);
    return (await this.http.call('schedules.history', { params: { name: checkLookupName(name) }, query: { limit } })).fires as ScheduleFire[];
  }
}

export class RemoteTokens implements TokenClient {
  constructor(private readonly http: HttpCaller) {}

  async create(options: { scope: TokenScope; name?: string }): Promise<{ token: string; record: TokenView }> {
    const body = { scope: checkScope(options?.scope), ...(options.name === undefined ? {} : { name: checkTokenName(options.name) }) };
    return (await this.http.call('tokens.create', { body })) as { token: string; record: TokenView };
  }

  async list(): Promise<TokenView[]> {
    return (await this.http.call('tokens.list')).tokens as TokenView[];
  }

  async revoke(id: string): Promise<boolean> {
    return (await this.http.call('tokens.revoke', { params: { id: checkTokenId(id) } })).revoked;
  }
}

/** The fields of a spec the API takes, a Date sent as ISO text (an invalid one refused as the local client refuses it). */
function specBody(spec: Partial<ScheduleSpec>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of SPEC_KEYS) if (spec?.[key] !== undefined) body[key] = spec[key];
  if (spec?.at instanceof Date) body.at = parseTime(spec.at, 'at').toISOString();
  return body;
}
