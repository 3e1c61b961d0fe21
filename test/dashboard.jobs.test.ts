/**
 * The jobs list and a job's page in a real Chromium, on both engines, with a real worker:
 * filter the failed jobs of a task (by keyboard) and see exactly those, with the filter in
 * the URL across a reload; open one, see its attempt and error, retry it and watch it
 * succeed without a reload; JSON containment filters and their field errors; cursor paging
 * both ways; cancel and delete from a job's page; a running job's progress, trace id and
 * logs; bulk retry by filter whose preview count matches what was retried; a read-only
 * token offered no action, and refused by the server anyway.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../src/core/errors.js';
import { defineTask } from '../src/tasks/define.js';
import { documentMarked, expectOnlyOrigin, focusedId, markDocument, screenshot, useBrowser, useDashboard, waitForJobs } from './support/dashboard.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { sleep, waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

/** Whether report.build jobs asked to fail have been "fixed" (the retry then succeeds). */
let healed = false;
const report = defineTask('report.build', async (payload: { n: number; fail?: boolean }) => {
  if (payload.fail && !healed) throw new PermanentError('printer on fire');
  // A healed run takes a while, so the page that asked for it sees it running first and
  // must follow the live events to see it succeed (its own fetch after the click is too early).
  if (payload.fail) await sleep(1_500);
  return { pages: payload.n };
});
const sms = defineTask('sms.send', async () => {
  throw new PermanentError('no signal');
});
/** Opened by a test to let the running pdf.render jobs finish. */
let releasePdf: () => void = () => {};
let pdfGate = Promise.resolve();
const pdf = defineTask('pdf.render', async (payload: { pages: number }, ctx) => {
  ctx.progress(40);
  ctx.log('page 1 rendered');
  await pdfGate;
  ctx.log(`all ${payload.pages} pages rendered`);
  return { bytes: 1234 };
});
const TASKS = [report, sms, pdf];

/** The ids of the rows the jobs table shows now, sorted. */
async function shownIds(page: Page): Promise<string[]> {
  const ids = await page.locator('[data-testid="jobs-table"] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-id') ?? ''));
  return ids.sort();
}

async function waitForRows(page: Page, expected: string[]): Promise<void> {
  const sorted = [...expected].sort();
  await waitFor(() => shownIds(page), (ids) => JSON.stringify(ids) === JSON.stringify(sorted), `the table to show jobs ${sorted.join(', ')}`);
}

describe.each(engines)('dashboard jobs on $name', (engine) => {
  const dashboard = useDashboard(engine);
  const browser = useBrowser();
  beforeEach(() => {
    healed = false;
    pdfGate = new Promise((resolve) => (releasePdf = resolve));
  });
  afterEach(() => releasePdf());

  it('filters the failed jobs of a task by keyboard, keeps the filter over a reload, and retries one that then succeeds live', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    const failing: string[] = [];
    for (let n = 1; n <= 3; n++) failing.push((await api.ordo.enqueue('report.build', { n, fail: true })).id);
    for (let n = 4; n <= 5; n++) await api.ordo.enqueue('report.build', { n });
    for (let n = 1; n <= 2; n++) await api.ordo.enqueue('sms.send', { n });
    await waitForJobs(api, 'failed', 5);
    await waitForJobs(api, 'succeeded', 2);

    const { page, requests, errors } = await browser.open(`${api.url}/jobs`, { token: await api.token('write') });
    await page.getByTestId('jobs-total').getByText('7 matching').waitFor();
    await page.getByLabel('failed', { exact: true }).focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Task', { exact: true }).focus();
    await page.keyboard.type('report.build');
    await page.keyboard.press('Enter');

    await waitForRows(page, failing);
    const url = new URL(page.url());
    expect(url.pathname).toBe('/jobs');
    expect(url.searchParams.get('state')).toBe('failed');
    expect(url.searchParams.get('task')).toBe('report.build');
    expect(await page.getByTestId('jobs-total').textContent()).toBe('3 matching');
    await screenshot(page, 'jobs');

    await page.reload();
    await waitForRows(page, failing);
    expect(await page.getByLabel('Task', { exact: true }).inputValue()).toBe('report.build');
    expect(await page.getByLabel('failed', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('succeeded', { exact: true }).isChecked()).toBe(false);

    const id = failing[0]!;
    await markDocument(page);
    await page.getByRole('link', { name: `Job ${id}` }).click();
    const attempt = page.getByTestId('attempt-1');
    await attempt.waitFor();
    expect(await attempt.textContent()).toContain('failed');
    expect(await attempt.textContent()).toContain('printer on fire');
    await attempt.getByText('Stack trace').click();
    expect(await attempt.locator('pre').textContent()).toMatch(/PermanentError|printer on fire/);
    expect(await page.getByTestId('job-state').textContent()).toBe('failed');

    healed = true;
    await page.getByRole('button', { name: 'Retry job' }).click();
    await page.getByRole('status').getByText(`Job ${id} will run again.`).waitFor();
    await page.getByTestId('job-state').getByText(/pending|running/).waitFor();
    // The run takes 1.5 s; live events show its end within about a second more. (The page's
    // 5 s refresh of a running job would come too late for this wait: it must be the events.)
    await page.getByTestId('job-state').getByText('succeeded').waitFor({ timeout: 4_000 });
    await page.getByTestId('attempt-2').getByText('succeeded').waitFor();
    expect(await page.getByRole('region', { name: 'Result' }).textContent()).toContain('"pages": 1');
    expect(await documentMarked(page)).toBe(true); // followed live, never reloaded
    // Folded for the picture: a stack names the folders of the machine the tests ran on.
    await attempt.getByText('Stack trace').click();
    await screenshot(page, 'job');

    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  }, 90_000);

  it('filters by JSON containment and text, and names a malformed JSON filter under its field', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push((await api.ordo.enqueue('report.build', { n, tag: n % 2 ? 'odd' : 'even' })).id);
    await waitForJobs(api, 'succeeded', 4);
    const { page, errors } = await browser.open(`${api.url}/jobs`, { token: await api.token('read') });
    await waitForRows(page, ids);

    const payload = page.getByLabel('Payload contains (JSON)');
    await payload.fill('{"n": 2');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Not valid JSON').waitFor();
    expect(await payload.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId(page)).toBe('filter-payloadContains');
    expect(new URL(page.url()).search).toBe('');

    await payload.fill('[1]');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Expected a JSON object').waitFor();

    await payload.fill('{"n": 2}');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitForRows(page, [ids[1]!]);
    expect(new URL(page.url()).searchParams.get('payloadContains')).toBe('{"n": 2}');
    expect(await payload.getAttribute('aria-invalid')).toBeNull();

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForRows(page, ids);
    await page.getByLabel('Text in payload').fill('odd');
    await page.getByLabel('Result contains (JSON)').fill('{"pages": 3}');
    await page.getByLabel('Result contains (JSON)').press('Tab');
    await page.keyboard.press('Enter'); // focus is on Apply filters
    await waitForRows(page, [ids[2]!]);
    expect(errors).toEqual([]);
  }, 90_000);

  it('bulk-retries the failed jobs of a task after a confirmation whose count matches what was retried', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    const smsIds: string[] = [];
    for (let n = 1; n <= 4; n++) smsIds.push((await api.ordo.enqueue('sms.send', { n })).id);
    const reportIds = [(await api.ordo.enqueue('report.build', { n: 1, fail: true })).id, (await api.ordo.enqueue('report.build', { n: 2, fail: true })).id];
    await waitForJobs(api, 'failed', 6);

    const { page, requests, errors } = await browser.open(`${api.url}/jobs?task=sms.send`, { token: await api.token('write') });
    await waitForRows(page, smsIds);
    const open = page.getByRole('button', { name: 'Retry failed…' });
    await open.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('bulk-preview').textContent()).toBe('This will retry 4 jobs.');
    // Focus stays inside the dialog, and Escape leaves without retrying anything.
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((el) => el.contains(el.ownerDocument.activeElement))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    for (const id of smsIds) expect((await api.ordo.job(id)).attempt).toBe(1);

    await open.click();
    await dialog.getByRole('button', { name: 'Retry 4 jobs' }).click();
    await page.getByRole('status').getByText('Retried 4 jobs.').waitFor();
    // Exactly the four previewed ran again (and failed again: sms.send always does); the other task's did not.
    await waitFor(() => Promise.all(smsIds.map((id) => api.ordo.job(id))), (jobs) => jobs.every((j) => j.state === 'failed' && j.attempt === 2), 'the retried jobs to fail a second time');
    for (const id of reportIds) expect((await api.ordo.job(id)).attempt).toBe(1);
    const audit = await api.call('GET', '/api/v1/audit', { token: await api.token('read') });
    expect(audit.body.entries.some((e: { action: string; details: unknown }) => e.action.includes('bulk') && JSON.stringify(e.details).includes('4'))).toBe(true);

    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  }, 90_000);

  it('pages through the jobs with a cursor, and cancels and deletes a job from its page', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: null }); // no worker: every job stays pending
    const inserted = await api.ordo.enqueueMany(Array.from({ length: 120 }, (_, n) => ({ task: 'report.build', payload: { n } })));
    const newestFirst = inserted.map((r) => r.id).sort((a, b) => Number(b) - Number(a));
    const { page, requests, errors } = await browser.open(`${api.url}/jobs?state=pending`, { token: await api.token('write') });
    const next = page.getByRole('button', { name: 'Next' });
    const previous = page.getByRole('button', { name: 'Previous' });
    await waitForRows(page, newestFirst.slice(0, 50));
    expect(await previous.isDisabled()).toBe(true);
    await next.click();
    await waitForRows(page, newestFirst.slice(50, 100));
    await next.click();
    await waitForRows(page, newestFirst.slice(100));
    expect(await next.isDisabled()).toBe(true);
    expect(await page.getByText('Page 3').count()).toBe(1);
    await previous.click();
    await waitForRows(page, newestFirst.slice(50, 100));
    await previous.click();
    await waitForRows(page, newestFirst.slice(0, 50));
    expect(await previous.isDisabled()).toBe(true);

    const id = newestFirst[0]!;
    await page.getByRole('link', { name: `Job ${id}` }).click();
    await page.getByTestId('job-state').getByText('pending').waitFor();
    expect(await page.getByRole('button', { name: 'Retry job' }).count()).toBe(0); // a pending job cannot be retried
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('status').getByText(`Cancelled job ${id}.`).waitFor();
    await page.getByTestId('job-state').getByText('cancelled').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Retry job' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Delete job' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete job ${id}?` });
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api.ordo.job(id)).state).toBe('cancelled');
    await page.getByRole('button', { name: 'Delete job' }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    await page.getByRole('status').getByText(`Deleted job ${id}.`).waitFor();
    expect(await api.ordo.getJob(id)).toBeNull();
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  }, 90_000);

  it("shows a running job's progress, trace id and logs, and its end live", async () => {
    const { api } = await dashboard({ tasks: TASKS });
    const writer = await api.token('write');
    const created = await api.call('POST', '/api/v1/jobs', { token: writer, body: { task: 'pdf.render', payload: { pages: 3 } } });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const traceId = (await api.ordo.job(id)).traceId!;
    expect(traceId).toBeTruthy(); // the request's id
    await waitFor(() => api.ordo.job(id), (job) => job.progress === 40, 'the job to report 40% progress');

    const { page, requests, errors } = await browser.open(`${api.url}/jobs/${id}`, { token: writer });
    await page.getByTestId('job-state').getByText('running').waitFor();
    expect(await page.getByRole('progressbar', { name: 'Progress' }).getAttribute('value')).toBe('40');
    expect(await page.getByTestId('attempt-1').textContent()).toContain('running');
    expect(await page.getByText(traceId).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Delete job' }).count()).toBe(0); // not while it runs

    releasePdf();
    await page.getByTestId('job-state').getByText('succeeded').waitFor({ timeout: 4_000 });
    const logs = page.getByRole('region', { name: 'Logs of attempt 1' });
    expect(await logs.locator('li').allTextContents()).toEqual([expect.stringContaining('page 1 rendered'), expect.stringContaining('all 3 pages rendered')]);
    expect(await page.getByRole('region', { name: 'Result' }).textContent()).toContain('"bytes": 1234');
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  }, 60_000);

  it('offers a read-only token no action, and the server refuses one anyway', async () => {
    const { api } = await dashboard({ tasks: TASKS, workerQueues: ['default'] });
    const { id } = await api.ordo.enqueue('report.build', { n: 1 }, { queue: 'idle' }); // no worker serves it: it stays pending
    const reader = await api.token('read');
    const { page, requests, errors } = await browser.open(`${api.url}/jobs/${id}`, { token: reader });
    await page.getByTestId('job-state').getByText('pending').waitFor();
    for (const name of ['Cancel job', 'Retry job', 'Delete job']) expect(await page.getByRole('button', { name }).count()).toBe(0);

    await page.getByRole('link', { name: '← Jobs' }).click();
    await waitForRows(page, [id]);
    expect(await page.getByRole('group', { name: 'Bulk actions on every matching job' }).count()).toBe(0);

    const refused = await api.call('POST', `/api/v1/jobs/${id}/cancel`, { token: reader });
    expect(refused.status).toBe(403);
    expect((await api.ordo.job(id)).state).toBe('pending');
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  }, 60_000);
});
