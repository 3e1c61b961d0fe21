/**
 * Time zones for schedules: checks an IANA zone name, reads a zone's UTC offset at an
 * instant, and maps between instants and wall-clock times across DST transitions: the
 * wall time a zone has reached (a repeated hour counts once) and the first instant it
 * reaches a wall time (a skipped one is reached when the clock jumps past it).
 * Pure: `Intl` only, no clock.
 */
import { ValidationError } from './errors.js';

const HOUR_MS = 3_600_000;
/** Zones that are UTC all the time, answered without Intl. */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/Universal', 'Etc/Zulu']);
/** Formatters by zone; building one is far slower than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Returns the canonical spelling of an IANA zone (`europe/london` → `Europe/London`), or
 * throws a ValidationError naming `field`.
 */
export function checkZone(tz: unknown, field = 'tz'): string {
  if (typeof tz !== 'string' || tz.trim() === '') throw new ValidationError(field, 'an IANA time zone such as Europe/London or UTC', tz);
  try {
    const typed = tz.trim();
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: typed }).resolvedOptions().timeZone;
    // Only the spelling's case is corrected: ICU resolves some current names to older
    // aliases (Asia/Kolkata to Asia/Calcutta), and a user must see the zone they chose.
    return resolved.toLowerCase() === typed.toLowerCase() ? resolved : typed;
  } catch {
    throw new ValidationError(field, 'an IANA time zone such as Europe/London or UTC', tz);
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let format = formatters.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, format);
  }
  return format;
}

/** The zone's offset from UTC at instant `t` (ms since the epoch), in ms: +05:30 → 19 800 000. */
export function zoneOffsetMs(t: number, tz: string): number {
  if (UTC_NAMES.has(tz)) return 0;
  const parts: Record<string, string> = {};
  for (const { type, value } of formatter(tz).formatToParts(new Date(t))) parts[type] = value;
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are.
  const wall = new Date(0);
  wall.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(Number(parts.hour) % 24, Number(parts.minute), Number(parts.second));
  return wall.getTime() - Math.floor(t / 1000) * 1000;
}

/**
 * The wall-clock time a zone has reached by instant `t`, as a UTC-based ms count (so
 * 2026-11-01 01:30 in New York reads as Date.UTC(2026, 10, 1, 1, 30)). While a fall-back
 * repeats an hour, this stays at the latest wall time already shown: the repeated wall
 * times count as passed.
 */
export function reachedWall(t: number, tz: string): number {
  const wall = t + zoneOffsetMs(t, tz);
  const repeat = repeatedWindow(t, tz);
  return repeat ? Math.max(wall, repeat.start - 1 + zoneOffsetMs(repeat.start - 1, tz)) : wall;
}

/**
 * The first instant at which the zone reaches wall-clock time `wall` (UTC-based ms): the
 * instant it shows it, the first of two if a fall-back repeats it, and the end of the gap
 * (the first valid instant) if a spring-forward skips it.
 */
export function firstInstantOfWall(wall: number, tz: string): number {
  // Offsets lie within -12 h and +14 h: the instant lies within wall - 14 h and wall + 12 h.
  const before = zoneOffsetMs(wall - 14 * HOUR_MS, tz);
  const after = zoneOffsetMs(wall + 12 * HOUR_MS, tz);
  let first: number | null = null;
  for (const offset of new Set([before, zoneOffsetMs(wall - before, tz), after])) {
    const t = wall - offset;
    if (zoneOffsetMs(t, tz) === offset && (first === null || t < first)) first = t;
  }
  if (first !== null) return first;
  // A gap: the clock jumped from before `wall` to after it at the transition.
  return transition(wall - after, wall - before, tz, before);
}

/** A stretch of instants whose wall-clock times already happened once, just before it. */
interface RepeatedWindow {
  /** The fall-back transition: first instant of the repeat. */
  start: number;
  /** First instant after the repeat (start + the size of the shift). */
  end: number;
}

/**
 * If instant `t` shows a wall-clock time that the zone already showed earlier (the second
 * pass through the hour a fall-back repeats), the window of such instants; otherwise null.
 * Probes 3 h and 26 h back, so shifts of any size up to a day are seen.
 */
function repeatedWindow(t: number, tz: string): RepeatedWindow | null {
  const offset = zoneOffsetMs(t, tz);
  for (const back of [3 * HOUR_MS, 26 * HOUR_MS]) {
    const earlier = zoneOffsetMs(t - back, tz);
    if (earlier <= offset) continue;
    const shift = earlier - offset;
    // The same wall time under the earlier offset happened `shift` before t.
    if (zoneOffsetMs(t - shift, tz) !== earlier) continue;
    const start = transition(t - shift, t, tz, earlier);
    return { start, end: start + shift };
  }
  return null;
}

/**
 * The first instant in (from, to] whose offset is no longer `before`. Transitions fall on
 * whole seconds: the search runs on them, so the result is exact.
 */
function transition(from: number, to: number, tz: string, before: number): number {
  let lo = Math.floor(from / 1000) * 1000;
  let hi = Math.ceil(to / 1000) * 1000;
  while (hi - lo > 1000) {
    const mid = lo + Math.max(1, Math.floor((hi - lo) / 2000)) * 1000;
    if (zoneOffsetMs(mid, tz) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}
