/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Node's timers overflow past this many milliseconds (about 24.8 days) and fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;
