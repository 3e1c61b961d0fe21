/**
 * What the client adds for the HTTP API, over both engines: tokens (made, stored hashed,
 * verified in constant time, revoked), job pages with cursors and the new filters, the
 * execution history with its opaque cursor, and task info with payload JSON Schemas.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { ValidationError } from '../src/core/errors.js';
import type { JobRecord } from '../src/core/types.js';
import { defineTask } from '../src/tasks/define.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';
import { finishOf } from './support/jobs.js';

const email = defineTask(
  'send_email',
  { schema: z.object({ email: z.email(), message: z.string().default('hi') }), queue: 'mail', priority: 3, retry: { maxAttempts: 7 }, timeout: '45s', description: 'sends one email' },
  async () => 'sent',
);
const plain = defineTask('plain', async () => null);
// Not a zod schema at all: JSON Schema cannot be made of it, and the listing must not fail.
const opaque = defineTask('opaque', { schema: { safeParse: (value: unknown) => ({ success: true, data: value }) } as never }, async () => null);

afterAll(dropCreatedSchemas);

describe.each(engines)('client API additions on $name', (engine) => {
  let ordo: Ordo;

  beforeEach(async () => {
    ordo = await createOrdo({ store: await freshStore(engine), tasks: [email, plain, opaque] });
  });
  afterEach(async () => {
    await ordo.close();
    await ordo.store.close();
  });

  describe('tokens', () => {
    it('creates ordo_<id>_<secret>, shown once, storing only its SHA-256', async () => {
      const { token, record } = await ordo.tokens.create({ scope: 'write', name: 'ci' });
      expect(token).toMatch(/^ordo_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
      expect(token.slice(5, 15)).toBe(record.id);
      expect(record).toEqual({ id: record.id, name: 'ci', scope: 'write', createdAt: expect.any(Date), revokedAt: null });
      const stored = await ordo.store.tokenGet({ id: record.id });
      expect(stored!.hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(stored)).not.toContain(token.slice(16));
      expect(await ordo.tokens.list()).toEqual([record]);
    });

    it('verifies the token itself, and answers null, never throwing, for anything else', async () => {
      const { token, record } = await ordo.tokens.create({ scope: 'read' });
      expect(await ordo.tokens.verify(token)).toEqual(record);
      const wrongSecret = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      const otherId = `ordo_0000000000_${token.slice(16)}`;
      for (const bad of [wrongSecret, otherId, '', 'ordo_', token.slice(0, -1), `${token}x`, ` ${token}`, token.toUpperCase(), null, undefined, 42, {}]) {
        expect(await ordo.tokens.verify(bad as string)).toBeNull();
      }
    });

    it('a revoked token verifies no more; revoking again or an unknown id answers false', async () => {
      const { token, record } = await ordo.tokens.create({ scope: 'admin' });
      expect(await ordo.tokens.revoke(record.id)).toBe(true);
      expect(await ordo.tokens.verify(token)).toBeNull();
      expect(await ordo.tokens.revoke(record.id)).toBe(false);
      expect(await ordo.tokens.revoke('0123456789')).toBe(false);
      expect((await ordo.tokens.list())[0]!.revokedAt).toBeInstanceOf(Date);
    });

    it('refuses a bad scope, name or id, naming the field', async () => {
      await expect(ordo.tokens.create({ scope: 'root' as never })).rejects.toThrow(/^scope: expected one of read, write, admin, received string "root"/);
      await expect(ordo.tokens.create({ scope: 'read', name: '' })).rejects.toThrow(/^name: expected a label/);
      await expect(ordo.tokens.create({ scope: 'read', name: 'a\nb' })).rejects.toThrow(ValidationError);
      await expect(ordo.tokens.revoke('nope')).rejects.toThrow(/^id: expected a token id/);
      expect(await ordo.tokens.list()).toEqual([]);
    });
  });

  describe('job pages', () => {
    it('walks every job once by nextCursor, newest first, and says when it is the last page', async () => {
      const ids = (await ordo.enqueueMany(Array.from({ length: 5 }, (_, n) => ({ task: 'plain', payload: { n } })))).map((r) => r.id);
      const seen: string[] = [];
      let before: string | undefined;
      const pages: (string | null)[] = [];
      do {
        const page = await ordo.listJobs({}, { limit: 2, before });
        expect(page.total).toBe(5);
        seen.push(...page.jobs.map((j) => j.id));
        pages.push(page.nextCursor);
        before = page.nextCursor ?? undefined;
      } while (before);
      expect(seen).toEqual([...ids].reverse());
      expect(pages).toEqual([ids[3], ids[1], null]);
    });

    it('filters by creation time (Date, ISO text or epoch seconds) and by text in the payload', async () => {
      await ordo.enqueue('plain', { city: 'Lisbon' });
      const [job] = (await ordo.listJobs()).jobs as [JobRecord];
      const at = job.createdAt;
      await ordo.enqueue('plain', { city: 'Oslo', note: 'LISBON again' });
      expect((await ordo.listJobs({ payloadText: 'lisbon' })).total).toBe(2);
      expect((await ordo.listJobs({ payloadText: 'oslo' })).jobs.map((j) => (j.payload as { city: string }).city)).toEqual(['Oslo']);
      expect((await ordo.listJobs({ payloadText: '' })).total).toBe(2);
      const later = new Date(Date.now() + 3_600_000);
      expect((await ordo.listJobs({ createdFrom: later })).total).toBe(0);
      expect((await ordo.listJobs({ createdFrom: new Date(at.getTime() - 60_000).toISOString(), createdTo: later.toISOString() })).total).toBe(2);
      expect((await ordo.listJobs({ createdTo: Math.floor(at.getTime() / 1000) - 60 })).total).toBe(0);
    });

    it('refuses bad filters and pages, naming the field the caller gave', async () => {
      const cases: [() => Promise<unknown>, RegExp][] = [
        [() => ordo.listJobs({}, { before: 'abc' }), /^before: expected a job id/],
        [() => ordo.listJobs({}, { limit: 0 }), /^limit: expected a whole number from 1 to 1000/],
        [() => ordo.listJobs({ createdFrom: 'tomorrow' }), /^createdFrom: expected an ISO 8601 time/],
        [() => ordo.listJobs({ createdTo: 1_700_000_000_000 }), /^createdTo: expected epoch SECONDS/],
        [() => ordo.listJobs({ payloadText: 'x'.repeat(501) }), /^payloadText: expected a non-empty string of at most 500 characters/],
        [() => ordo.listJobs({ state: ['pending', 'done' as never] }), /^state: expected one of pending/],
        [() => ordo.listJobs({ task: 'bad name!' }), /^task: expected a task name/],
      ];
      for (const [call, message] of cases) {
        await expect(call()).rejects.toThrow(ValidationError);
        await expect(call()).rejects.toThrow(message);
      }
    });
  });

  describe('executions', () => {
    /** Runs each job's attempts through the store as a worker would: claim, then finish as told. */
    async function runAttempts(outcomes: ('succeeded' | 'failed')[][]): Promise<string[]> {
      const ids: string[] = [];
      for (const [n, attempts] of outcomes.entries()) {
        const { id } = await ordo.enqueue(n % 2 ? 'plain' : 'send_email', n % 2 ? {} : { email: 'a@b.com' }, { queue: 'q', maxAttempts: 5 });
        ids.push(id);
        for (const [i, outcome] of attempts.entries()) {
          const [running] = await ordo.store.jobClaim({ workerId: `w${n}`, queues: ['q'], limit: 1, leaseMs: 30_000 });
          const last = i === attempts.length - 1;
          const state = outcome === 'succeeded' ? 'succeeded' : last ? 'failed' : 'pending';
          await ordo.store.jobFinishMany({ finishes: [finishOf(running!, { state, outcome, error: outcome === 'failed' ? { message: `boom ${n}.${i}` } : undefined })] });
        }
      }
      return ids;
    }

    it('lists attempts newest first, pages them with an opaque cursor, and filters them', async () => {
      await runAttempts([['succeeded'], ['failed', 'succeeded'], ['failed', 'failed']]);
      const all = (await ordo.listExecutions()).executions;
      expect(all).toHaveLength(5);
      const keys = all.map((e) => e.finishedAt.getTime());
      expect([...keys].sort((a, b) => b - a)).toEqual(keys);

      const walked: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await ordo.listExecutions({}, { limit: 2, cursor });
        walked.push(...page.executions.map((e) => `${e.jobId}#${e.attempt}`));
        cursor = page.nextCursor ?? undefined;
        if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (cursor);
      expect(walked).toEqual(all.map((e) => `${e.jobId}#${e.attempt}`));

      const failed = (await ordo.listExecutions({ outcome: 'failed' })).executions;
      expect(failed.map((e) => e.error?.message).sort()).toEqual(['boom 1.0', 'boom 2.0', 'boom 2.1']);
      expect((await ordo.listExecutions({ task: 'plain' })).executions.map((e) => e.outcome).sort()).toEqual(['failed', 'succeeded']);
      expect((await ordo.listExecutions({ workerId: 'w2', outcome: ['failed', 'succeeded'] })).executions).toHaveLength(2);
      expect((await ordo.listExecutions({ from: new Date(Date.now() + 60_000) })).executions).toEqual([]);
    });

    it('refuses a cursor it did not make, and bad filters, naming the field', async () => {
      const cases: [() => Promise<unknown>, RegExp][] = [
        [() => ordo.listExecutions({}, { cursor: 'not-a-cursor' }), /^cursor: expected the nextCursor of an earlier page/],
        [() => ordo.listExecutions({}, { cursor: Buffer.from('1|0|1').toString('base64url') }), /^cursor: /],
        [() => ordo.listExecutions({}, { cursor: '' }), /^cursor: /],
        [() => ordo.listExecutions({}, { limit: 1001 }), /^limit: expected a whole number from 1 to 1000/],
        [() => ordo.listExecutions({ outcome: 'exploded' as never }), /^outcome: expected one of succeeded, failed/],
        [() => ordo.listExecutions({ to: 'soon' }), /^to: expected an ISO 8601 time/],
      ];
      for (const [call, message] of cases) {
        await expect(call()).rejects.toThrow(ValidationError);
        await expect(call()).rejects.toThrow(message);
      }
    });
  });

  it("describes tasks with their resolved options and the payload's JSON Schema as callers write it", async () => {
    const tasks = await ordo.taskInfo();
    expect(tasks.map((t) => t.name)).toEqual(['http', 'opaque', 'plain', 'send_email', 'workflow.start']);
    const byName = Object.fromEntries(tasks.map((t) => [t.name, t]));
    expect(byName.send_email).toMatchObject({ queue: 'mail', priority: 3, maxAttempts: 7, timeoutMs: 45_000, description: 'sends one email', hasSchema: true });
    const schema = byName.send_email!.payloadSchema as { type: string; properties: Record<string, unknown>; required: string[] };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(['email', 'message']);
    // Input form: a field with a default may be left out.
    expect(schema.required).toEqual(['email']);
    expect(byName.plain).toMatchObject({ queue: 'default', priority: 0, maxAttempts: 5, timeoutMs: null, hasSchema: false, payloadSchema: null });
    expect(byName.opaque).toMatchObject({ hasSchema: true, payloadSchema: null });
    expect(byName.http).toMatchObject({ source: 'built-in', hasSchema: true, payloadSchema: expect.objectContaining({ type: 'object' }) });
  });
});
