/**
 * The operator pages in a real headless Chromium, against a real server over a real store on
 * both engines: queues with their counts following new jobs live, pause and resume, and clean
 * behind a confirmation that states the pending count and wants the queue's name; workers
 * from real worker runtimes, with heartbeat ages and coming and going live; the audit log
 * listing the actions just made under the token's name, filtered and paged. Read and write
 * tokens are offered no queue action, and the server refuses them anyway. No request leaves
 * the server's origin.
 */
import { hostname } from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { expectOnlyOrigin, screenshot, useBrowser, useDashboard } from './support/dashboard.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import type { TestServer } from './support/server.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

const noop = defineTask('noop', async () => null);
const TASKS = [noop];

/** A token of `scope` with a name, as an operator would make one. */
async function namedToken(api: TestServer, scope: 'read' | 'write' | 'admin', name: string): Promise<string> {
  return (await api.ordo.tokens.create({ scope, name })).token;
}

/** A queue row's count by column (`pending`, `due`, …), as a number. */
async function count(page: Page, queue: string, column: string): Promise<number> {
  const text = await page.locator(`tr[data-queue="${queue}"] td[data-count="${column}"]`).textContent();
  return Number(text!.replace(/[^\d]/g, ''));
}

async function pendingOf(api: TestServer, queue: string): Promise<number | undefined> {
  return (await api.ordo.stats()).find((q) => q.queue === queue)?.pending;
}

describe.each(engines)('operator pages on $name', (engine) => {
  // Servers without the shared worker: these tests start the workers they look at, or none.
  const dashboard = useDashboard(engine);
  const browser = useBrowser();
  const workers: Worker[] = [];
  // Registered after the dashboard's hooks, so it runs first: workers stop before their store closes.
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ graceMs: 0 })));
  });
  const startWorker = async (store: Store, name: string, queues: string[], concurrency = 2): Promise<Worker> => {
    const worker = createWorker({ store, tasks: TASKS, name, queues, concurrency, pollMs: 20, heartbeatMs: 200, leaseMs: 2_000, logger: createLogger({ level: 'silent' }) });
    workers.push(worker);
    await worker.start();
    return worker;
  };

  it('shows queue counts that follow new jobs live, pauses and resumes, and cleans after a typed confirmation', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    for (let i = 0; i < 3; i++) await api.ordo.enqueue('noop', {}, { queue: 'mail' });
    await api.ordo.enqueue('noop', {}, { queue: 'mail', delay: '1h' });
    await api.ordo.enqueue('noop', {}, { queue: 'reports' });
    const { page, requests, errors } = await browser.open(`${api.url}/queues`, { token: await namedToken(api, 'admin', 'ops-alice') });
    const row = page.locator('tr[data-queue="mail"]');
    await row.waitFor();
    expect([await count(page, 'mail', 'pending'), await count(page, 'mail', 'due'), await count(page, 'mail', 'delayed')]).toEqual([4, 3, 1]);
    // A job enqueued elsewhere shows up without a reload (the event stream, not polling).
    await api.ordo.enqueue('noop', {}, { queue: 'mail' });
    await waitFor(() => count(page, 'mail', 'pending'), (n) => n === 5, 'the new job in the pending count');

    await row.getByRole('button', { name: 'Pause mail' }).click();
    await row.getByRole('button', { name: 'Resume mail' }).waitFor();
    expect(await row.locator('.badge').textContent()).toBe('paused');
    expect((await api.ordo.stats()).find((q) => q.queue === 'mail')?.paused).toBe(true);
    await screenshot(page, 'queues');
    await row.getByRole('button', { name: 'Resume mail' }).click();
    await row.getByRole('button', { name: 'Pause mail' }).waitFor();
    expect((await api.ordo.stats()).find((q) => q.queue === 'mail')?.paused).toBe(false);

    await row.getByRole('button', { name: 'Clean… mail' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clean queue mail?' });
    expect(await dialog.getByTestId('clean-count').textContent()).toBe('5');
    const confirm = dialog.getByRole('button', { name: 'Delete pending jobs' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type mail to confirm').fill('mai');
    expect(await confirm.isDisabled()).toBe(true);
    expect(await pendingOf(api, 'mail')).toBe(5);
    await dialog.getByLabel('Type mail to confirm').fill('mail');
    await confirm.click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor(() => count(page, 'mail', 'pending'), (n) => n === 0, 'the cleaned queue to show no pending job');
    await page.getByRole('status').filter({ hasText: 'Deleted 5 pending jobs from queue mail.' }).waitFor();
    expect(await pendingOf(api, 'mail')).toBe(0);
    expect(await pendingOf(api, 'reports')).toBe(1); // only the queue named
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });

  it('lists real workers with host, queues, concurrency and a ticking heartbeat age, and follows them coming and going', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    await startWorker(api.store, 'worker-a', ['default', 'mail'], 3);
    const { page, requests, errors } = await browser.open(`${api.url}/workers`, { token: await api.token('read') });
    const row = page.locator('tr[data-worker="worker-a"]');
    await row.waitFor();
    const cells = await row.locator('th, td').allTextContents();
    expect(cells.slice(0, 6)).toEqual(['worker-a', hostname(), String(process.pid), 'default, mail', '3', '0']);
    expect(cells[8]).toBe('alive');
    const age = row.getByTestId('heartbeat-age');
    expect(await age.textContent()).toMatch(/^(now|\d+ s ago)$/);
    expect(await age.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Another worker comes up and goes away: the page hears both through the event stream.
    const other = await startWorker(api.store, 'worker-b', ['reports']);
    const otherRow = page.locator('tr[data-worker="worker-b"]');
    await otherRow.waitFor({ timeout: 15_000 });
    await other.stop({ graceMs: 0 });
    await otherRow.locator('.badge', { hasText: 'stopped' }).waitFor({ timeout: 15_000 });
    expect(await row.locator('.badge').textContent()).toBe('alive');
    await screenshot(page, 'workers');
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });

  it('lists the operator actions just made, newest first, under the token’s name; filters by action and pages on', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    await api.ordo.enqueue('noop', {}, { queue: 'mail' });
    await api.ordo.enqueue('noop', {}, { queue: 'mail' });
    const alice = await namedToken(api, 'admin', 'ops-alice');
    // Actions through the page…
    const { page, requests, errors } = await browser.open(`${api.url}/queues`, { token: alice });
    const row = page.locator('tr[data-queue="mail"]');
    await row.getByRole('button', { name: 'Pause mail' }).click();
    await row.getByRole('button', { name: 'Resume mail' }).click();
    await row.getByRole('button', { name: 'Clean… mail' }).click();
    await page.getByLabel('Type mail to confirm').fill('mail');
    await page.getByRole('button', { name: 'Delete pending jobs' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    // …and one by another operator through the API.
    const bob = await namedToken(api, 'write', 'ops-bob');
    const job = await api.ordo.enqueue('noop', {}, { queue: 'later', delay: '1h' });
    expect((await api.call('POST', `/api/v1/jobs/${job.id}/cancel`, { token: bob })).status).toBe(200);

    await page.getByRole('link', { name: 'Audit log' }).click();
    const rows = page.locator('table.audit tbody tr');
    await waitFor(() => rows.count(), (n) => n === 4, 'four audit entries');
    const seen = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 4).map((td) => td.textContent)));
    expect(seen).toEqual([
      ['ops-bob', 'job.cancel', job.id],
      ['ops-alice', 'queue.clean', 'mail'],
      ['ops-alice', 'queue.resume', 'mail'],
      ['ops-alice', 'queue.pause', 'mail'],
    ]);
    // Details open on demand.
    const clean = page.locator('tr[data-action="queue.clean"]');
    expect(await clean.locator('details').getAttribute('open')).toBeNull();
    await clean.getByText('Show').click();
    expect(JSON.parse((await clean.locator('pre').textContent())!)).toEqual({ deleted: 2 });
    await screenshot(page, 'audit');

    await page.getByLabel('Action').fill('queue.pause');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(`${api.url}/audit?action=queue.pause`);
    await waitFor(() => rows.count(), (n) => n === 1, 'only the pause entry');
    expect(await rows.first().getAttribute('data-action')).toBe('queue.pause');
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });

  it('pages the audit log with its cursor: "Load more" brings the older entries once each', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    const admin = await namedToken(api, 'admin', 'ops-carol');
    for (let i = 0; i < 27; i++) {
      for (const action of ['pause', 'resume']) expect((await api.call('POST', `/api/v1/queues/q${i}/${action}`, { token: admin })).status).toBe(200);
    }
    const { page } = await browser.open(`${api.url}/audit`, { token: admin });
    const rows = page.locator('table.audit tbody tr');
    await waitFor(() => rows.count(), (n) => n === 50, 'the first page of 50');
    expect(await rows.first().locator('td').nth(3).textContent()).toBe('q26'); // newest first
    await page.getByRole('button', { name: 'Load more' }).click();
    await waitFor(() => rows.count(), (n) => n === 54, 'all 54 entries');
    const targets = await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-action')} ${tr.querySelectorAll('td')[3]!.textContent}`));
    expect(new Set(targets).size).toBe(54);
    expect(targets.at(-1)).toBe('queue.pause q0');
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('offers read and write tokens no queue action, and the server refuses them anyway', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null });
    await api.ordo.enqueue('noop', {}, { queue: 'mail' });
    for (const scope of ['read', 'write'] as const) {
      const token = await api.token(scope);
      const { page } = await browser.open(`${api.url}/queues`, { token });
      await page.locator('tr[data-queue="mail"]').waitFor();
      expect(await page.getByRole('button', { name: /Pause|Resume|Clean/ }).count()).toBe(0);
      await page.getByText('needs an admin token').waitFor();
      expect((await api.call('POST', '/api/v1/queues/mail/clean', { token })).status).toBe(403);
      await page.close();
    }
    expect(await pendingOf(api, 'mail')).toBe(1);
  });
});
