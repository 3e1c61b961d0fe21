/**
 * A time as people read it: its age ("3 s ago") with the local date and the ISO text in
 * the title. One shared clock re-renders every shown age every few seconds, instead of a
 * timer per row.
 */
import { useEffect, useState } from 'preact/hooks';
import { formatAge, formatLocal } from './format.js';

const TICK_MS = 5_000;
const clockListeners = new Set<(now: number) => void>();
let clock: ReturnType<typeof setInterval> | null = null;

function subscribeClock(listener: (now: number) => void): () => void {
  clockListeners.add(listener);
  clock ??= setInterval(() => {
    const now = Date.now();
    for (const l of clockListeners) l(now);
  }, TICK_MS);
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0 && clock) {
      clearInterval(clock);
      clock = null;
    }
  };
}

/** The current time, updated by the shared clock. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => subscribeClock(setNow), []);
  return now;
}

export interface TimeProps {
  /** ISO text (as the API sends times), or null for "never". */
  value: string | null | undefined;
  /** Show the local date and time rather than the age. */
  absolute?: boolean;
}

export function Time({ value, absolute }: TimeProps) {
  const now = useNow();
  if (!value) return <span class="muted">–</span>;
  const at = new Date(value);
  const local = formatLocal(at);
  return (
    <time dateTime={value} title={`${local} (${value})`}>
      {absolute ? local : formatAge(at, now)}
    </time>
  );
}
