/**
 * The enqueue page in a real headless Chromium, against a real server over a real store on
 * both engines, with a real worker: a form generated from the task's payload schema sends a
 * typed payload, the server's field errors land next to their inputs, a task without a
 * schema is enqueued as raw JSON with a delay, and a read token is told why it has no form.
 * No request leaves the server's origin.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../src/tasks/define.js';
import { description, expectOnlyOrigin, screenshot, useBrowser, useDashboard } from './support/dashboard.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

const signup = defineTask(
  'signup',
  {
    schema: z.object({
      email: z.email().describe('Where the welcome mail goes'),
      plan: z.enum(['free', 'pro']),
      seats: z.number().int().min(1).default(1),
      newsletter: z.boolean().optional(),
      tags: z.array(z.string()).optional(),
    }),
  },
  async (payload) => ({ welcomed: payload.email }),
);
const freeform = defineTask('freeform', async (payload: Record<string, unknown>) => payload);
const TASKS = [signup, freeform];

describe.each(engines)('enqueue page on $name', (engine) => {
  const dashboard = useDashboard(engine);
  const browser = useBrowser();

  it('builds a form from the task schema and enqueues the typed payload, which a worker runs', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    const { page, requests, errors } = await browser.open(`${api.url}/enqueue?task=signup`, { token: await api.token('write') });

    await page.getByLabel('Task').waitFor();
    expect(await page.getByLabel('Task').inputValue()).toBe('signup');
    // One input per property, of the kind its schema says; the description is the hint.
    expect(await page.getByLabel('email').getAttribute('type')).toBe('text');
    expect(await description(page, 'payload-email')).toContain('Where the welcome mail goes');
    expect(await page.getByLabel('seats').getAttribute('type')).toBe('number');
    expect(await page.getByLabel('seats').inputValue()).toBe('1'); // the schema's default
    expect(await page.getByLabel('newsletter').getAttribute('type')).toBe('checkbox');
    // A required enum without a default starts unchosen: the form picks nothing for the user.
    expect(await page.locator('#payload-plan option').allTextContents()).toEqual(['Choose…', 'free', 'pro']);
    expect(await page.locator('#payload-tags').evaluate((el) => el.tagName)).toBe('TEXTAREA'); // an array: JSON

    await page.getByLabel('email').fill('ada@example.com');
    await page.getByLabel('plan').selectOption({ label: 'pro' });
    await page.getByLabel('seats').fill('3');
    await page.getByLabel('newsletter').check();
    await page.getByLabel('tags').fill('["beta"]');
    await page.getByLabel('Priority').fill('5');
    await screenshot(page, 'enqueue');
    await page.getByRole('button', { name: 'Enqueue' }).click();

    const link = page.getByRole('status').getByRole('link', { name: /^job \d+$/ });
    await link.waitFor();
    const id = (await link.getAttribute('href'))!.replace('/jobs/', '');
    const job = await api.ordo.getJob(id);
    expect(job).toMatchObject({ task: 'signup', priority: 5, payload: { email: 'ada@example.com', plan: 'pro', seats: 3, newsletter: true, tags: ['beta'] } });
    await waitFor(() => api.ordo.getJob(id), (j) => j?.state === 'succeeded', 'the enqueued job to run');
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });

  it('shows the server’s field errors next to their inputs and enqueues nothing', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    const { page, requests } = await browser.open(`${api.url}/enqueue?task=signup`, { token: await api.token('write') });
    await page.getByLabel('email').waitFor();
    // Not an email: only the task's schema on the server knows.
    await page.getByLabel('email').fill('not-an-email');
    await page.getByLabel('plan').selectOption({ label: 'free' });
    await page.getByRole('button', { name: 'Enqueue' }).click();
    await page.locator('#payload-email-error').waitFor();
    expect(await description(page, 'payload-email')).toMatch(/email/i);
    expect(await page.getByLabel('email').getAttribute('aria-invalid')).toBe('true');
    // A required field left empty is caught before sending; a bad duration by the server.
    await page.getByLabel('email').fill('ada@example.com');
    await page.getByLabel('After a delay').check();
    await page.getByLabel('Delay', { exact: true }).fill('soon');
    await page.getByRole('button', { name: 'Enqueue' }).click();
    await page.locator('#enqueue-delay-error').waitFor();
    expect(await page.locator('#enqueue-delay-error').textContent()).toMatch(/^delay: expected a duration/);
    expect(await page.locator('#payload-email-error').count()).toBe(0);
    expect((await api.ordo.listJobs()).jobs).toEqual([]);

    await page.getByLabel('Delay', { exact: true }).fill('10m');
    await page.getByRole('button', { name: 'Enqueue' }).click();
    await page.getByRole('status').getByRole('link').waitFor();
    const [job] = (await api.ordo.listJobs()).jobs;
    expect(job!.runAt.getTime() - job!.createdAt.getTime()).toBeGreaterThanOrEqual(10 * 60_000 - 1_000);
    expectOnlyOrigin(requests, api.url);
  });

  it('takes raw JSON for a task without a schema, and a run-at time in local time', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    const { page } = await browser.open(`${api.url}/enqueue`, { token: await api.token('write') });
    await page.getByLabel('Task').selectOption('freeform');
    const json = page.getByLabel('Payload (JSON)');
    await json.fill('{"anything": [1, 2, {"deep": true}]}');
    await page.getByLabel('At a time').check();
    const at = new Date(Date.now() + 3_600_000);
    at.setMilliseconds(0);
    // The datetime-local input takes the page's local time.
    const local = (await page.evaluate(`new Date(${at.getTime()} - new Date(${at.getTime()}).getTimezoneOffset() * 60000).toISOString().slice(0, 19)`)) as string;
    await page.getByLabel('Run at').fill(local);
    await page.getByLabel('Queue').fill('bulk');
    await page.getByRole('button', { name: 'Enqueue' }).click();
    await page.getByRole('status').getByRole('link').waitFor();
    const [job] = (await api.ordo.listJobs()).jobs;
    expect(job).toMatchObject({ task: 'freeform', queue: 'bulk', payload: { anything: [1, 2, { deep: true }] } });
    expect(job!.runAt.getTime()).toBe(at.getTime());

    // Bad JSON is named before anything is sent.
    await json.fill('{"oops"');
    await page.getByRole('button', { name: 'Enqueue' }).click();
    await page.locator('#payload-json-error').waitFor();
    expect(await page.locator('#payload-json-error').textContent()).toMatch(/^payload: expected JSON/);
    expect((await api.ordo.listJobs()).jobs).toHaveLength(1);
  });

  it('switches between the form and raw JSON keeping what was typed', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    const { page } = await browser.open(`${api.url}/enqueue?task=signup`, { token: await api.token('write') });
    await page.getByLabel('email').fill('grace@example.com');
    await page.getByLabel('plan').selectOption({ label: 'free' });
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    expect(JSON.parse(await page.getByLabel('Payload (JSON)').inputValue())).toEqual({ email: 'grace@example.com', plan: 'free', seats: 1, newsletter: false });
    await page.getByLabel('Payload (JSON)').fill('{"email": "hopper@example.com", "plan": "pro", "seats": 7}');
    await page.getByRole('button', { name: 'Edit as form' }).click();
    expect(await page.getByLabel('email').inputValue()).toBe('hopper@example.com');
    expect(await page.getByLabel('seats').inputValue()).toBe('7');
    expect(await page.locator('#payload-plan option:checked').textContent()).toBe('pro');
  });

  it('explains to a read token that enqueueing needs write, and the server refuses it anyway', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    const read = await api.token('read');
    const { page } = await browser.open(`${api.url}/enqueue`, { token: read });
    await page.getByText('needs a token with the write scope').waitFor();
    expect(await page.getByRole('button', { name: 'Enqueue' }).count()).toBe(0);
    expect(await page.locator('form.enqueue-form').count()).toBe(0);
    const refused = await api.call('POST', '/api/v1/jobs', { token: read, body: { task: 'freeform' } });
    expect(refused.status).toBe(403);
  });
});
