/**
 * Times and numbers as people read them: local time with a relative age ("3 s ago",
 * "in 5 min") and the exact ISO time in a title; numbers with the browser's grouping.
 */
import { useEffect, useState } from 'preact/hooks';

const numbers = new Intl.NumberFormat();
const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatNumber(value: number): string {
  return numbers.format(value);
}

/** A span of time in its largest sensible unit: `850 ms`, `42 s`, `5 min`, `3 h`, `2 d`. */
export function formatAge(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${Math.floor(abs / 1_000)} s`;
  if (abs < 3_600_000) return `${Math.floor(abs / 60_000)} min`;
  if (abs < 86_400_000) return `${Math.floor(abs / 3_600_000)} h`;
  return `${formatNumber(Math.floor(abs / 86_400_000))} d`;
}

/** "3 s ago" for the past, "in 5 min" for the future, relative to `now`. */
export function relative(at: Date, now: number): string {
  const ms = at.getTime() - now;
  if (Math.abs(ms) < 1_000) return 'now';
  return ms < 0 ? `${formatAge(ms)} ago` : `in ${formatAge(ms)}`;
}

/** A time in a zone other than the browser's, with the zone's abbreviation: `5 Jan 2026, 09:00:00 EST`. */
export function formatInZone(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long', timeZone }).format(at);
}

export function formatLocal(at: Date): string {
  return localTime.format(at);
}

/**
 * The current time, re-rendering every `everyMs`, for ages that tick. One timer per page
 * that uses it, not one per row.
 */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A `<time>`: local time and its age, the ISO time in the title; a dash when there is none. */
export function Time({ at, now, ageOnly = false }: { at: string | null | undefined; now: number; ageOnly?: boolean }) {
  if (!at) return <span class="muted">—</span>;
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {ageOnly ? relative(date, now) : `${formatLocal(date)} (${relative(date, now)})`}
    </time>
  );
}
