/**
 * The overview in a real Chromium, on both engines, with real workers: counts per state
 * and queue, throughput charts, queue lag, live workers, the warning for a queue with due
 * jobs and no live worker (gone once a worker serves it), live updates without a reload;
 * and a burst of 5,000 jobs enqueued at over 1,000 a second while the overview and the jobs
 * list are open: both pages stay responsive and their counts converge to the store's.
 */
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.js';
import { PermanentError } from '../src/core/errors.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker } from '../src/worker/worker.js';
import { documentMarked, expectOnlyOrigin, markDocument, screenshot, useBrowser, useDashboard, waitForJobs } from './support/dashboard.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

const mail = defineTask('mail.send', async (payload: { to: string }) => ({ sent: payload.to }));
const broken = defineTask('report.build', async () => {
  throw new PermanentError('printer on fire');
});
const tick = defineTask('tick', async () => null);

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent()) ?? '';
const waitForText = (page: Page, testId: string, expected: string, timeoutMs = 15_000) =>
  waitFor(() => text(page, testId), (value) => value === expected, `${testId} to read ${expected}`, timeoutMs);

/**
 * Measures responsiveness inside the page, where the test process's own load cannot blur
 * it: the longest task that blocked the main thread (Long Tasks API), and the longest
 * click from input to the next paint (Event Timing API, what browsers call interaction
 * latency).
 */
const RESPONSIVENESS = `window.__longestTask = 0; window.__slowestClick = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longestTask = Math.max(window.__longestTask, e.duration); }).observe({ type: 'longtask' });
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.name === 'click') window.__slowestClick = Math.max(window.__slowestClick, e.duration); }).observe({ type: 'event', durationThreshold: 16 });`;

describe.each(engines)('dashboard overview on $name', (engine) => {
  const dashboard = useDashboard(engine);
  const browser = useBrowser();

  it('shows counts per state and queue, throughput, lag and workers, warns about an unserved queue, and follows changes live', async () => {
    const { api } = await dashboard({ tasks: [mail, broken, tick] });
    for (let i = 0; i < 6; i++) await api.ordo.enqueue('mail.send', { to: `u${i}@example.com` });
    for (let i = 0; i < 2; i++) await api.ordo.enqueue('report.build', { n: i });
    for (let i = 0; i < 3; i++) await api.ordo.enqueue('tick', {}, { queue: 'idle' });
    await waitForJobs(api, 'succeeded', 6);
    await waitForJobs(api, 'failed', 2);

    const { page, requests, errors } = await browser.open(`${api.url}/`, { token: await api.token('read'), theme: 'light' });
    await waitForText(page, 'count-succeeded', '6');
    expect(await text(page, 'count-failed')).toBe('2');
    expect(await text(page, 'count-pending')).toBe('3');
    expect(await text(page, 'count-due')).toBe('3');
    await waitForText(page, 'count-workers', '1');
    const idleRow = (await page.getByTestId('queue-idle').locator('td').allTextContents()).map((cell) => cell.trim());
    expect(idleRow.slice(0, 3)).toEqual(['3', '3', '0']); // pending, due, delayed
    expect(idleRow[8]).toMatch(/\d+(\.\d+)? s|ms/); // the oldest due job's wait
    const warning = page.getByTestId('unserved-warning');
    expect(await warning.textContent()).toContain('idle');
    expect(await warning.textContent()).not.toContain('default');
    const hourChart = page.getByRole('img', { name: /over the last hour/ });
    expect(await hourChart.getAttribute('aria-label')).toContain('6 succeeded, 2 failed');
    expect(await page.getByRole('img', { name: /over the last 24 hours/ }).getAttribute('aria-label')).toContain('6 succeeded, 2 failed');
    expect(await hourChart.locator('canvas').count()).toBe(1);
    expect(await page.getByRole('region', { name: 'Throughput, the last hour' }).textContent()).toMatch(/Failure rate\s*25%/);
    await screenshot(page, 'overview');
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByRole('img', { name: /over the last hour/ }).locator('canvas').waitFor();
    await screenshot(page, 'overview-dark');

    // Live: new jobs and a new worker show without a reload (well before the 30 s fallback refresh).
    await markDocument(page);
    for (let i = 0; i < 4; i++) await api.ordo.enqueue('mail.send', { to: `late${i}@example.com` });
    await waitForText(page, 'count-succeeded', '10', 10_000);
    const idleWorker = createWorker({ store: api.store, tasks: [tick], queues: ['idle'], name: 'idle-worker', pollMs: 20, heartbeatMs: 500, maintenance: false, logger: createLogger({ level: 'silent' }) });
    await idleWorker.start();
    try {
      await waitForText(page, 'count-workers', '2', 10_000);
      await warning.waitFor({ state: 'detached', timeout: 10_000 });
      await waitForText(page, 'count-pending', '0', 10_000);
    } finally {
      await idleWorker.stop({ graceMs: 1_000 });
    }
    expect(await documentMarked(page)).toBe(true);
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  }, 90_000);

  it('keeps up with a burst of 5,000 jobs at over 1,000 a second: responsive pages whose counts converge to the truth', async () => {
    const total = 5_000;
    const { api } = await dashboard({ tasks: [tick], concurrency: 100 });
    const token = await api.token('read');
    const overview = await browser.open(`${api.url}/`, { token });
    const jobs = await browser.open(`${api.url}/jobs`, { token });
    for (const { page } of [overview, jobs]) {
      await page.addInitScript({ content: RESPONSIVENESS });
      await page.reload();
      await page.getByTestId('connection').getByText('Live').waitFor();
      expect(await page.evaluate('PerformanceObserver.supportedEntryTypes')).toEqual(expect.arrayContaining(['longtask', 'event']));
    }
    await waitForText(overview.page, 'count-succeeded', '0');

    // While the jobs are enqueued and run, each page is probed with a script and a click.
    let slowest = 0;
    let probes = 0;
    let done = false;
    const probing = (async () => {
      while (!done) {
        for (const { page } of [overview, jobs]) {
          const before = Date.now();
          await page.evaluate('1 + 1');
          await page.getByRole('heading', { level: 1 }).click();
          slowest = Math.max(slowest, Date.now() - before);
          probes++;
        }
      }
    })();
    const started = Date.now();
    // In batches of 100: SQLite writes block this process (which also runs the server and the
    // worker) while they last, and a probe measures the page, not a stalled test process.
    for (let i = 0; i < total; i += 100) {
      await api.ordo.enqueueMany(Array.from({ length: 100 }, (_, j) => ({ task: 'tick', payload: { n: i + j } })));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const enqueueRate = total / ((Date.now() - started) / 1_000);
    expect(enqueueRate).toBeGreaterThan(1_000);
    await waitFor(() => api.ordo.stats(), (stats) => stats.reduce((sum, q) => sum + q.succeeded, 0) >= total, `${total} jobs to succeed`, 60_000);
    done = true;
    await probing;
    const runRate = total / ((Date.now() - started) / 1_000);
    const load = `at ${Math.round(enqueueRate)} enqueued/s and ${Math.round(runRate)} run/s`;
    expect(probes).toBeGreaterThan(2);
    for (const { page } of [overview, jobs]) {
      // Inside the page: no task blocked it for long, and every click was answered well within a second.
      expect((await page.evaluate('window.__longestTask')) as number, `longest main-thread task (ms) ${load}`).toBeLessThan(500);
      expect((await page.evaluate('window.__slowestClick')) as number, `slowest click to paint (ms) ${load}`).toBeLessThan(1_000);
    }
    // Seen from here, a probe also waits for this process, which runs the server, the worker
    // and (SQLite) their synchronous writes: measured at 0.2 to 1 s alone and past 2 s beside
    // other test files, so this bound only tells a frozen page, which would not answer at all.
    expect(slowest, `slowest probe round trip (ms) ${load}`).toBeLessThan(5_000);

    // Without a reload, the numbers reach the store's.
    await waitForText(overview.page, 'count-succeeded', '5,000', 15_000);
    expect(await text(overview.page, 'count-pending')).toBe('0');
    expect(await text(overview.page, 'count-running')).toBe('0');
    await waitFor(() => text(jobs.page, 'jobs-total'), (value) => value === '5,000 matching', 'the jobs list to count 5,000', 15_000);
    expect(await jobs.page.locator('[data-testid="jobs-table"] tbody tr').count()).toBe(50); // one page of rows, never the whole burst
    for (const { requests, errors } of [overview, jobs]) {
      expectOnlyOrigin(requests, api.url);
      expect(errors).toEqual([]);
    }
  }, 180_000);
});
