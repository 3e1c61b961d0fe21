/**
 * Reading what a page shows: `useLoad` runs a request, keeps the last answer while the next
 * one is on its way (so a refresh does not blank the table), and drops answers that come back
 * after a newer request was made. `useLiveRefresh` re-reads when the live feed reports a
 * change the page cares about.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { StreamEvent } from '../../api.js';
import type { LiveFeed } from '../../context.js';

export interface Loaded<T> {
  data: T | null;
  error: Error | null;
  /** True until the first answer (or error) arrives. */
  loading: boolean;
  /** Reads again; a call while a read is in flight queues one more read after it. */
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  const run = useRef<{ seq: number; inFlight: boolean; again: boolean }>({ seq: 0, inFlight: false, again: false });
  const loadRef = useRef(load);
  loadRef.current = load;

  const read = (): void => {
    const r = run.current;
    if (r.inFlight) {
      r.again = true;
      return;
    }
    r.inFlight = true;
    const seq = ++r.seq;
    loadRef.current().then(
      (data) => seq === r.seq && setState({ data, error: null, loading: false }),
      (error: Error) => seq === r.seq && setState((s) => ({ data: s.data, error, loading: false })),
    ).finally(() => {
      if (seq !== r.seq) return;
      r.inFlight = false;
      if (r.again) {
        r.again = false;
        read();
      }
    });
  };

  useEffect(() => {
    // New deps: forget the old answer and any read still on its way.
    run.current = { seq: run.current.seq + 1, inFlight: false, again: false };
    setState({ data: null, error: null, loading: true });
    read();
    return () => {
      run.current.seq++;
    };
  }, deps);

  return { ...state, reload: read };
}

/**
 * Calls `reload` when a batch of live events holds one that `matters`, at most once per
 * `minGapMs`: a queue finishing 1,000 jobs a second must cost a couple of reads a second,
 * not a read per event. A change inside the gap is read when the gap ends.
 */
export function useLiveRefresh(live: LiveFeed, matters: (event: StreamEvent) => boolean, reload: () => void, minGapMs = 1_000): void {
  const latest = useRef({ matters, reload });
  latest.current = { matters, reload };
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const fire = (): void => {
      timer = null;
      last = Date.now();
      latest.current.reload();
    };
    const off = live.subscribe((events) => {
      if (timer || !events.some((event) => latest.current.matters(event))) return;
      const wait = last + minGapMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [live, minGapMs]);
}
