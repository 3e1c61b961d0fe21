/**
 * Waiting for conditions in tests without fixed sleeps: the next matching event of a bus,
 * or poll until true, failing with a message saying what was awaited (and, for `waitFor`,
 * what was last seen).
 */
import type { EventBus } from '../../src/core/events.js';

export async function waitFor<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)?.slice(0, 500)}`);
}

/** Polls `check` every 10 ms until it returns true, failing after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves with the arguments of the first `event` published on `bus` that `accept` takes:
 * an awaitable condition instead of polling a store or sleeping. Subscribe before causing the
 * event; fails after `timeoutMs` naming the event.
 */
export function nextEvent<Events extends { [K in keyof Events]: unknown[] }, E extends keyof Events & string>(
  bus: EventBus<Events>,
  event: E,
  accept: (...args: Events[E]) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<Events[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${event}`));
    }, timeoutMs);
    const off = bus.on(event, (...args) => {
      if (!accept(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}
