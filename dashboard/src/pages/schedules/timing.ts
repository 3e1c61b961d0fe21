/**
 * A schedule's timing for people, and the pieces of the timing inputs: the three kinds, the
 * browser's list of zones, and the request that previews or saves a timing.
 */
import type { ScheduleTiming } from '../../api.js';

export type TimingKind = 'cron' | 'every' | 'at';

/** What the timing inputs hold (text as typed; `at` as the datetime-local input's value). */
export interface TimingInput {
  kind: TimingKind;
  cron: string;
  every: string;
  at: string;
  tz: string;
}

/** The browser's zone: a new schedule reads its cron in the zone of the person writing it. */
export const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Every IANA zone the browser knows, for the zone input's suggestions. */
export function zoneNames(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

/** `cron 0 9 * * 1-5`, `every 5 min`, `once`: the timing without its zone. */
export function describeTiming(timing: ScheduleTiming): string {
  switch (timing.kind) {
    case 'cron':
      return `cron ${timing.cron}`;
    case 'every':
      return `every ${everyText(timing.everyMs)}`;
    case 'once':
      return 'once';
  }
}

/** The timing inputs filled from a stored timing (for editing). */
export function inputOf(timing: ScheduleTiming): TimingInput {
  const base = { cron: '', every: '', at: '', tz: timing.tz };
  if (timing.kind === 'cron') return { ...base, kind: 'cron', cron: timing.cron };
  if (timing.kind === 'every') return { ...base, kind: 'every', every: everyText(timing.everyMs) };
  return { ...base, kind: 'at', at: localInputValue(new Date(timing.at)) };
}

/** Milliseconds as duration text the server reads back exactly (`1h30m`, `45s`, `1500ms`). */
function everyText(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const units: [string, number][] = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  let left = ms / 1000;
  let text = '';
  for (const [unit, size] of units) {
    const count = Math.floor(left / size);
    if (count > 0) text += `${count}${unit}`;
    left -= count * size;
  }
  return text || '0s';
}

/** A time in a zone other than the browser's, with the zone's abbreviation: `5 Jan 2026, 09:00:00 EST`. */
export function formatInZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long', timeZone }).format(at);
}

/** A Date as a datetime-local input's value (local time, to the second). */
export function localInputValue(at: Date): string {
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

/** The timing fields of a request (preview, create, update), or null when the chosen input is still empty. */
export function timingBody(input: TimingInput): { cron?: string; every?: string; at?: string; tz: string } | null {
  const tz = input.tz.trim() || 'UTC';
  if (input.kind === 'cron') return input.cron.trim() ? { cron: input.cron.trim(), tz } : null;
  if (input.kind === 'every') return input.every.trim() ? { every: input.every.trim(), tz } : null;
  const at = new Date(input.at);
  return input.at && !Number.isNaN(at.getTime()) ? { at: at.toISOString(), tz } : null;
}
