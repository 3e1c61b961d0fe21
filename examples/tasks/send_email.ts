/**
 * A task declared with defineTask: its zod schema validates payloads at enqueue time.
 */
import { defineTask } from 'ordo';
import { z } from 'zod';

export const sendEmail = defineTask(
  'send_email',
  {
    description: 'pretends to send an email',
    schema: z.object({ email: z.email(), message: z.string().min(1) }),
    queue: 'default',
    timeout: '30s',
  },
  async ({ email, message }, ctx) => {
    ctx.log(`sending ${message.length} characters to ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { delivered: true, to: email };
  },
);
