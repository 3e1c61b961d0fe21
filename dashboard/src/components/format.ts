/** How numbers, durations and times read on every page (the browser's locale, local time). */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export function formatCount(value: number): string {
  return integer.format(value);
}

/** A share such as 0.034 as "3.4%"; "–" when there is nothing to divide. */
export function formatRate(part: number, whole: number): string {
  return whole > 0 ? percent.format(part / whole) : '–';
}

/** A duration in the largest units that keep it short: "850 ms", "12.4 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 1_440) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.floor(minutes / 1_440)} d ${Math.floor((minutes % 1_440) / 60)} h`;
}

/** "3 s ago", "in 5 min": the distance from `now`, coarse enough to read at a glance. */
export function formatAge(at: Date, now: number): string {
  const diff = now - at.getTime();
  const past = diff >= 0;
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 1_000) return 'now';
  if (abs < 60_000) text = `${Math.floor(abs / 1_000)} s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)} h`;
  else text = `${Math.floor(abs / 86_400_000)} d`;
  return past ? `${text} ago` : `in ${text}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A time in the browser's zone, to the second. */
export function formatLocal(at: Date): string {
  return dateTime.format(at);
}

/** A value as indented JSON text (undefined as "–"). */
export function prettyJson(value: unknown): string {
  if (value === undefined) return '–';
  return JSON.stringify(value, null, 2);
}
