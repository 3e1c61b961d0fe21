/**
 * Data hooks the pages share: a resource loaded from the API that can be reloaded without
 * flicker, and refreshes driven by the live feed at a bounded rate.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { StreamEvent } from '../api.js';
import type { LiveFeed } from '../context.js';

export interface Resource<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  /** Loads again, keeping the current data on screen meanwhile; calls during a load queue one more. */
  reload(): void;
}

/**
 * Loads `load()` now and whenever `deps` change. A reload asked for while one is in flight
 * runs once after it (a burst of events gives one extra load, not one per event), and an
 * answer that arrives after the deps changed is dropped.
 */
export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[]): Resource<T> {
  const [state, setState] = useState<{ data: T | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  const control = useRef({ generation: 0, inFlight: false, again: false, load });
  control.current.load = load;
  const run = useRef(() => {});
  run.current = () => {
    const c = control.current;
    if (c.inFlight) {
      c.again = true;
      return;
    }
    c.inFlight = true;
    const generation = c.generation;
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    c.load().then(
      (data) => generation === c.generation && setState({ data, error: null, loading: false }),
      (error: Error) => generation === c.generation && setState((s) => ({ data: s.data, error, loading: false })),
    ).finally(() => {
      if (generation !== c.generation) return; // a newer load owns the flags now
      c.inFlight = false;
      if (c.again) {
        c.again = false;
        run.current();
      }
    });
  };
  useEffect(() => {
    const c = control.current;
    c.generation++;
    c.inFlight = false;
    c.again = false;
    setState({ data: null, error: null, loading: true });
    run.current();
    // The caller names what the load depends on.
  }, deps);
  return { ...state, reload: () => run.current() };
}

/**
 * Calls `refresh` when a batch of live events holds one `relevant` says matters, at most
 * once per `minIntervalMs`; a batch inside that interval is served by one call at its end,
 * so the last change is always fetched.
 */
export function useLiveRefresh(live: LiveFeed, relevant: (events: StreamEvent[]) => boolean, refresh: () => void, minIntervalMs: number): void {
  const latest = useRef({ relevant, refresh });
  latest.current = { relevant, refresh };
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const fire = () => {
      timer = null;
      last = Date.now();
      latest.current.refresh();
    };
    const unsubscribe = live.subscribe((events) => {
      if (timer || !latest.current.relevant(events)) return;
      timer = setTimeout(fire, Math.max(0, last + minIntervalMs - Date.now()));
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [live, minIntervalMs]);
}

/** Calls `tick` every `ms` while mounted (a slow safety net, never the main source of updates). */
export function useInterval(tick: () => void, ms: number | null): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(() => latest.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

/** The live feed's connection state, re-rendering when it changes. */
export function useConnected(live: LiveFeed): boolean {
  const [connected, setConnected] = useState(live.connected);
  useEffect(() => {
    setConnected(live.connected);
    return live.onStatus(setConnected);
  }, [live]);
  return connected;
}

/** Sets the tab's title to "<title> · Ordo" (what a screen reader announces after navigating). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Ordo`;
  }, [title]);
}
