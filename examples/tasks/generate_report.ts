/**
 * A longer task that reports progress and honours cancellation through ctx.signal.
 */
import { defineTask } from 'ordo';
import { z } from 'zod';

export const generateReport = defineTask(
  'generate_report',
  {
    description: 'builds a report row by row, reporting progress',
    schema: z.object({ title: z.string().default('report'), rows: z.number().int().min(1).max(10_000).default(20) }),
    queue: 'low',
    retry: { maxAttempts: 3 },
  },
  async (payload, ctx) => {
    const rows = payload.rows ?? 20;
    for (let row = 1; row <= rows; row++) {
      ctx.signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 100));
      ctx.progress(Math.round((row / rows) * 100));
    }
    ctx.log(`report ${payload.title ?? 'report'}: ${rows} rows`);
    return { title: payload.title ?? 'report', rows };
  },
);
