/**
 * A task that fails its first two attempts and then succeeds: watch the retries and their
 * backoff in `ordo jobs show ID`.
 */
import { defineTask } from 'ordo';

export const flakySync = defineTask(
  'flaky_sync',
  { description: 'fails twice, then succeeds', queue: 'high', retry: { maxAttempts: 5, baseMs: 1000 } },
  async (payload: { source?: string }, ctx) => {
    if (ctx.attempt <= 2) throw new Error(`upstream ${payload.source ?? 'api'} unavailable (attempt ${ctx.attempt})`);
    ctx.log(`synced ${payload.source ?? 'api'} on attempt ${ctx.attempt}`);
    return { syncedOnAttempt: ctx.attempt };
  },
);
