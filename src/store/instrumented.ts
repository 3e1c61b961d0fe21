/**
 * The store observed at its boundary: one wrapper that times and counts every call a store
 * receives, per method (calls, errors, total and longest duration), and reports each call to
 * an optional listener. It sits between the store and whoever uses it, so neither engine nor
 * caller needs a line of instrumentation, and a new store method is covered the day it is
 * added: the wrapper is a Proxy over whatever the store exposes, so the wrapped store has the
 * very same shape (engine-specific extras such as `listening()` included).
 *
 * A call's duration runs until its promise settles; methods that return no promise
 * (`onJobsAvailable`) count at once. A listener that throws is ignored: observing a store must
 * never change what its callers see.
 */
import type { Store } from './contract.js';

/** One finished call, as the listener receives it. */
export interface StoreCall {
  method: string;
  durationMs: number;
  /** What the call threw or rejected with; absent when it succeeded. */
  error?: unknown;
  /** The error's class: its `code` (`store_unavailable`, `conflict`, …), or `unknown`. */
  errorCode?: string;
}

/** Totals of one method since the wrapper was made. */
export interface StoreMethodStats {
  calls: number;
  errors: number;
  totalMs: number;
  maxMs: number;
}

export interface InstrumentOptions {
  /** Called after every call, with its method, duration and error. */
  onCall?: (call: StoreCall) => void;
}

/** A wrapped store and its counters. */
export interface Instrumented<S extends Store> {
  /** The store to use instead of the original: same shape, every call observed. */
  readonly store: S;
  /** Per-method totals so far, by method name (methods never called are absent). */
  stats(): Record<string, StoreMethodStats>;
}

/**
 * Wraps `store` so every call is timed, counted and reported.
 * @example
 * const { store, stats } = instrumentStore(await openStore(db), { onCall: (c) => log(c) });
 */
export function instrumentStore<S extends Store>(inner: S, options: InstrumentOptions = {}): Instrumented<S> {
  const totals = new Map<string, StoreMethodStats>();
  const record = (method: string, started: number, error?: unknown, failed = false): void => {
    const durationMs = performance.now() - started;
    const entry = totals.get(method) ?? { calls: 0, errors: 0, totalMs: 0, maxMs: 0 };
    entry.calls += 1;
    if (failed) entry.errors += 1;
    entry.totalMs += durationMs;
    entry.maxMs = Math.max(entry.maxMs, durationMs);
    totals.set(method, entry);
    try {
      options.onCall?.(failed ? { method, durationMs, error, errorCode: codeOf(error) } : { method, durationMs });
    } catch {
      // The listener's failure is its own; the caller gets the store's answer.
    }
  };
  const wrappers = new Map<PropertyKey, unknown>();
  const store = new Proxy(inner, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      if (!wrappers.has(key)) wrappers.set(key, timed(key, value as (...args: unknown[]) => unknown, target, record));
      return wrappers.get(key);
    },
  });
  return { store, stats: () => Object.fromEntries([...totals].map(([method, entry]) => [method, { ...entry }])) };
}

type Recorder = (method: string, started: number, error?: unknown, failed?: boolean) => void;

function timed(method: string, fn: (...args: unknown[]) => unknown, target: object, record: Recorder): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const started = performance.now();
    let result: unknown;
    try {
      result = fn.apply(target, args);
    } catch (err) {
      record(method, started, err, true);
      throw err;
    }
    if (!isPromise(result)) {
      record(method, started);
      return result;
    }
    return result.then(
      (value) => {
        record(method, started);
        return value;
      },
      (err: unknown) => {
        record(method, started, err, true);
        throw err;
      },
    );
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
