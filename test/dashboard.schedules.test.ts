/**
 * The schedule pages in a real headless Chromium, against a real server over a real store on
 * both engines: an invalid cron gets the server's reason next to the cron input and nothing
 * is created; a valid one previews its next fires in its own zone, and once saved is listed;
 * run now puts a fire with its job in the history, and the job's outcome arrives live from a
 * real worker; pause, resume, edit and delete; a read token is offered none of it. No
 * request leaves the server's origin.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { defineTask } from '../src/tasks/define.js';
import { description, expectOnlyOrigin, screenshot, useBrowser, useDashboard } from './support/dashboard.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

/** Jobs with `{ kind: 'held' }` wait for `release()`, so a test can watch them run and then end. */
let release: () => void = () => {};
let gate: Promise<void> = Promise.resolve();
function holdJobs(): void {
  gate = new Promise((resolve) => (release = resolve));
}

const report = defineTask('report', async (payload: { kind?: string }) => {
  if (payload.kind === 'held') await gate;
  return { made: payload.kind ?? 'daily' };
});
const TASKS = [report];
const ZONE = 'America/New_York';

describe.each(engines)('schedule pages on $name', (engine) => {
  const dashboard = useDashboard(engine);
  const browser = useBrowser();
  // Registered after the dashboard's hooks, so it runs first: a held job is let go before its worker stops.
  afterEach(() => release());

  it('shows the server’s reason for an invalid cron next to the cron input, and creates nothing', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    const { page, requests, errors } = await browser.open(`${api.url}/schedules/new`, { token: await api.token('write') });
    await page.getByLabel('Name').fill('nightly-report');
    await page.getByLabel('Cron expression').fill('61 * * * *');
    // The preview asks the server as the user types…
    await page.locator('#schedule-cron-error').waitFor();
    expect(await description(page, 'schedule-cron')).toMatch(/cron: expected .*61 \* \* \* \*/);
    expect(await page.getByTestId('next-fires').textContent()).toContain('not valid');
    // …and saving gets the same answer, in the same place.
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await waitFor(() => requests.filter((url) => url.endsWith('/api/v1/schedules')).length, (n) => n === 1, 'the save request');
    await page.locator('#schedule-cron-error').waitFor();
    expect(await page.getByLabel('Cron expression').getAttribute('aria-invalid')).toBe('true');
    expect(await api.ordo.schedules.list()).toEqual([]);
    expect(page.url()).toBe(`${api.url}/schedules/new`);
    expectOnlyOrigin(requests, api.url);
    expect(errors.filter((e) => !e.includes('400'))).toEqual([]);
  });

  it('previews the next fires in the schedule’s zone, creates it, and lists it', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    const { page, requests } = await browser.open(`${api.url}/schedules/new`, { token: await api.token('write') });
    await page.getByLabel('Name').fill('nightly-report');
    await page.getByLabel('Payload (JSON)').fill('{"kind": "nightly"}');
    await page.getByLabel('Time zone').fill(ZONE);
    await page.getByLabel('Cron expression').fill('0 9 * * *');
    const fires = page.getByTestId('next-fires').locator('li');
    await waitFor(() => fires.count(), (n) => n === 5, 'five previewed fires');
    const expected = (await api.ordo.previewTiming({ cron: '0 9 * * *', tz: ZONE, count: 5 })).map((d) => d.toISOString());
    const shown = await fires.locator('time').evaluateAll((times) => times.map((t) => new Date(t.getAttribute('datetime')!).toISOString()));
    expect(shown).toEqual(expected);
    // Each at 9:00 in New York, with the zone named.
    for (const text of await fires.allTextContents()) expect(text).toMatch(/9:00:00 AM E[SD]T \(America\/New_York\)/);

    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(`${api.url}/schedules/nightly-report`);
    await page.getByRole('heading', { name: 'Next fires', exact: true }).waitFor();
    const saved = await api.ordo.schedules.get('nightly-report');
    expect(saved).toMatchObject({ timing: { kind: 'cron', cron: '0 9 * * *', tz: ZONE }, job: { task: 'report', payload: { kind: 'nightly' } } });
    const detailFires = await page.locator('.card .fires time').evaluateAll((times) => times.map((t) => t.getAttribute('datetime')));
    expect(detailFires.map((iso) => new Date(iso!).toISOString())).toEqual(saved.nextFires.map((d) => d.toISOString()));

    await page.getByRole('link', { name: '← Schedules' }).click();
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'nightly-report' }) });
    await row.waitFor();
    expect(await row.textContent()).toContain('cron 0 9 * * *');
    expect(await row.textContent()).toContain(ZONE);
    expect(await row.locator('time').first().getAttribute('datetime')).toBe(saved.nextRunAt!.toISOString());
    await screenshot(page, 'schedules');
    expectOnlyOrigin(requests, api.url);
  });

  it('runs a schedule now: the fire appears in its history with a job link, and the job’s outcome arrives live', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    await api.ordo.schedules.add('hourly-report', { task: 'report', cron: '0 * * * *', tz: ZONE, payload: { kind: 'held' } });
    holdJobs();
    const { page, requests, errors } = await browser.open(`${api.url}/schedules/hourly-report`, { token: await api.token('write') });
    await page.getByText('It has not fired yet.').waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();

    const jobLink = page.locator('.fire-history').getByRole('link', { name: /^job \d+$/ });
    await jobLink.waitFor();
    const [fire] = await api.ordo.schedules.history('hourly-report');
    expect(fire).toMatchObject({ manual: true });
    expect(await jobLink.getAttribute('href')).toBe(`/jobs/${fire!.jobId}`);
    await page.getByRole('status').filter({ hasText: `fired: job ${fire!.jobId}` }).waitFor();
    const row = page.locator('.fire-history tbody tr').first();
    expect(await row.textContent()).toContain('run by hand');
    // The worker takes the job and, once let go, finishes it: the page hears both through the
    // event stream, without a reload.
    await row.locator('.badge', { hasText: 'running' }).waitFor({ timeout: 15_000 });
    release();
    await row.locator('.badge', { hasText: 'succeeded' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'schedule');
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });

  it('pauses and resumes from the list, edits the timing and deletes after a confirmation', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    await api.ordo.schedules.add('weekly', { task: 'report', cron: '0 6 * * 1', tz: 'UTC' });
    const { page } = await browser.open(`${api.url}/schedules`, { token: await api.token('write') });
    const row = page.locator('tr[data-schedule="weekly"]');
    await row.getByRole('button', { name: 'Pause weekly' }).click();
    await row.getByRole('button', { name: 'Resume weekly' }).waitFor();
    expect(await row.locator('.badge', { hasText: 'paused' }).count()).toBe(1);
    expect((await api.ordo.schedules.get('weekly')).paused).toBe(true);
    await row.getByRole('button', { name: 'Resume weekly' }).click();
    await row.getByRole('button', { name: 'Pause weekly' }).waitFor();
    expect((await api.ordo.schedules.get('weekly')).paused).toBe(false);

    await row.getByRole('link', { name: 'weekly' }).click();
    await page.getByRole('heading', { name: 'Edit schedule' }).waitFor();
    expect(await page.getByLabel('Cron expression').inputValue()).toBe('0 6 * * 1');
    await page.getByLabel('Every').check();
    await page.getByLabel('Interval').fill('90m');
    await page.getByTestId('next-fires').locator('li').first().waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.summary', { hasText: 'every 1h30m' }).waitFor();
    expect((await api.ordo.schedules.get('weekly')).timing).toMatchObject({ kind: 'every', everyMs: 90 * 60_000 });

    await page.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete schedule weekly?' });
    await dialog.getByRole('button', { name: 'Delete schedule' }).click();
    await page.waitForURL(`${api.url}/schedules`);
    await page.getByText('No schedules yet.').waitFor();
    expect(await api.ordo.schedules.list()).toEqual([]);
  });

  it('offers a read token no action, and the server refuses them anyway', async () => {
    const { api } = await dashboard({ tasks: TASKS });
    await api.ordo.schedules.add('daily', { task: 'report', cron: '0 7 * * *' });
    const read = await api.token('read');
    const { page } = await browser.open(`${api.url}/schedules`, { token: read });
    await page.getByRole('link', { name: 'daily' }).waitFor();
    expect(await page.getByRole('button').filter({ hasText: /Pause|Resume|Run now/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'New schedule' }).count()).toBe(0);

    await page.getByRole('link', { name: 'daily' }).click();
    await page.getByRole('heading', { name: 'Fire history' }).waitFor();
    expect(await page.getByRole('button', { name: /Run now|Pause|Delete/ }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Edit schedule' }).count()).toBe(0);
    expect((await api.call('POST', '/api/v1/schedules/daily/run', { token: read })).status).toBe(403);
    expect(await api.ordo.schedules.history('daily')).toEqual([]);
  });
});
