/**
 * The workflow pages in a real headless Chromium, against a real server over a real store on
 * both engines, with a worker in the test process running the runs: a diamond run drawn as
 * its graph (four succeeded steps in three layers, its four edges), a step's details and its
 * job one click away; a failed run opening on its failed step's error, retried after a
 * confirmation until it succeeds; a waiting run cancelled; the runs list filtered by state;
 * a map step with its elements done and its fan-out edge, and a step skipped by its
 * condition showing the reason (in the dark theme); the runs paged by cursor.
 * Read tokens are offered neither action. No request leaves the server's origin.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/core/logger.js';
import { workflow } from '../src/workflows/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { expectOnlyOrigin, navigateInApp, screenshot, useBrowser, useDashboard } from './support/dashboard.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import type { TestServer } from './support/server.js';
import { waitFor } from './support/wait.js';
import { releaseHeld, runInState, switches, workflowWorker } from './support/workflow-fixtures.js';

afterAll(dropCreatedSchemas);

/** A fan-out over `n` elements, their sum, and a step whose condition is false for small sums. */
const fan = workflow('fan')
  .step('list', async (input: { n: number }) => Array.from({ length: input.n }, (_, i) => i))
  .map('double', async (element: number) => element * 2, { over: 'list' })
  .step('sum', async (_input, ctx) => ctx.parents.double.reduce((a, b) => a + b, 0), { dependsOn: ['double'] })
  .step('alert', async () => 'sent', { dependsOn: ['sum'], when: (parents) => parents.sum > 1_000, whenText: 'the sum is over 1,000' });

let worker: Worker | null = null;
afterEach(async () => {
  releaseHeld();
  switches.failB = false;
  await worker?.stop({ graceMs: 1_000 });
  worker = null;
});

/** The graph's boxes as `step:state`, in drawing order. */
async function nodes(page: Page): Promise<string[]> {
  return page.locator('svg.wf-graph g.wf-node').evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-step')}:${g.getAttribute('data-state')}`));
}

/** The graph's arrows as `from->to`, sorted. */
async function edges(page: Page): Promise<string[]> {
  const drawn = await page.locator('svg.wf-graph g.wf-edge').evaluateAll((gs) =>
    gs.filter((g) => (g.querySelector('path')?.getAttribute('d') ?? '').startsWith('M ')).map((g) => `${g.getAttribute('data-from')}->${g.getAttribute('data-to')}`),
  );
  return drawn.sort();
}

/** The x offset of a step's box (its layer, left to right). */
async function columnOf(page: Page, step: string): Promise<number> {
  const transform = await page.locator(`svg.wf-graph g.wf-node[data-step="${step}"]`).getAttribute('transform');
  return Number(/translate\(([\d.]+)/.exec(transform ?? '')?.[1]);
}

async function runState(page: Page): Promise<string | null> {
  return page.getByTestId('run-state').textContent();
}

describe.each(engines)('workflow pages on $name', (engine) => {
  const dashboard = useDashboard(engine);
  const browser = useBrowser();

  async function setup(): Promise<TestServer> {
    const { api } = await dashboard({ tasks: [], workerQueues: null });
    worker = await workflowWorker(api.store, 'dashboard-flows');
    return api;
  }

  it('draws a finished diamond: four succeeded steps in three layers and its four edges; a step shows its result and opens its job', async () => {
    const api = await setup();
    const { runId } = await api.ordo.workflows.start('diamond', { n: 3 });
    const run = await runInState((id) => api.ordo.workflows.getRun(id), runId, 'succeeded');
    const { page, requests, errors } = await browser.open(`${api.url}/`, { token: await api.token('write') });

    await page.getByRole('link', { name: 'Workflows' }).click();
    const row = page.locator(`tr[data-run="${runId}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('succeeded');
    expect(await row.locator('.wf-count').allTextContents()).toEqual(['4 succeeded']);
    await row.getByRole('link', { name: `Run ${runId}` }).click();

    await page.locator('svg.wf-graph g.wf-node').first().waitFor();
    expect(await runState(page)).toBe('succeeded');
    expect(await nodes(page)).toEqual(['a:succeeded', 'b:succeeded', 'c:succeeded', 'd:succeeded']);
    expect(await edges(page)).toEqual(['a->b', 'a->c', 'b->d', 'c->d']);
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((step) => columnOf(page, step)));
    expect(a).toBeLessThan(b!);
    expect(b).toBe(c);
    expect(c).toBeLessThan(d!);
    // Nothing failed, so no step is picked for the visitor; the run's output is shown.
    expect(await page.getByTestId('step-details').count()).toBe(0);
    expect(JSON.parse((await page.locator('pre[aria-label="Output"]').textContent())!)).toEqual({ d: { b: 4, c: 6 } });
    expect(await page.getByRole('button', { name: /Cancel run|Retry run/ }).count()).toBe(0);

    await page.getByRole('button', { name: 'Step d: succeeded' }).click();
    await page.waitForURL(`${api.url}/workflows/runs/${runId}?step=d`);
    const details = page.getByTestId('step-details');
    expect(JSON.parse((await details.getByLabel('Result of step d').textContent())!)).toEqual({ b: 4, c: 6 });
    expect(await details.textContent()).toContain('b (fail), c (fail)');
    await screenshot(page, 'workflow-run');

    // The box's job link opens the step's job inside the app.
    const dJob = run.steps.find((step) => step.step === 'd')!.jobId!;
    await page.locator('svg.wf-graph g.wf-node[data-step="d"] a').click();
    await page.waitForURL(`${api.url}/jobs/${dJob}`);
    await page.getByTestId('job-state').getByText('succeeded').waitFor();
    // …and the job leads back to its run, on its step.
    await page.getByRole('link', { name: `run ${runId}, step d` }).click();
    await page.waitForURL(`${api.url}/workflows/runs/${runId}?step=d`);
    await page.getByTestId('step-details').getByRole('heading', { name: 'Step d' }).waitFor();
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });

  it('opens a failed run on its failed step’s error, and Retry after confirming runs it to success', async () => {
    const api = await setup();
    switches.failB = true;
    const { runId } = await api.ordo.workflows.start('diamond', { n: 5 });
    await runInState((id) => api.ordo.workflows.getRun(id), runId, 'failed');

    // A read token sees the failure but is offered no action.
    const reader = await browser.open(`${api.url}/`, { token: await api.token('read') });
    await navigateInApp(reader.page, `/workflows/runs/${runId}`);
    await reader.page.getByTestId('step-error').waitFor();
    expect(await reader.page.getByRole('button', { name: 'Retry run' }).count()).toBe(0);

    const { page, requests, errors } = await browser.open(`${api.url}/`, { token: await api.token('write') });
    await navigateInApp(page, `/workflows/runs/${runId}`);
    const details = page.getByTestId('step-details');
    await details.waitFor();
    expect(await runState(page)).toBe('failed');
    expect(await page.getByTestId('run-error').textContent()).toContain('b');
    expect(await details.getByRole('heading').first().textContent()).toBe('Step b');
    expect(await details.getByTestId('step-error').textContent()).toContain('b is broken');
    const drawn = await nodes(page);
    expect(drawn).toContain('b:failed');
    expect(drawn).toContain('d:cancelled'); // policy `fail`: the run failed and d never ran
    await screenshot(page, 'workflow-run-failed');

    switches.failB = false;
    await page.getByRole('button', { name: 'Retry run' }).click();
    const dialog = page.getByRole('dialog', { name: `Retry run ${runId}?` });
    await dialog.getByRole('button', { name: 'Retry run' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor(() => runState(page), (state) => state === 'succeeded', 'the retried run to show succeeded', 20_000);
    await waitFor(() => nodes(page), (n) => n.every((node) => node.endsWith(':succeeded')), 'every step succeeded in the graph');
    const stored = await api.ordo.workflows.getRun(runId);
    expect(stored.state).toBe('succeeded');
    expect(stored.steps.find((step) => step.step === 'd')!.result).toEqual({ b: 6, c: 10 });
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });

  it('cancels a waiting run after confirming, and filters the runs by state', async () => {
    const api = await setup();
    const parked = await api.ordo.workflows.start('parked', {});
    const done = await api.ordo.workflows.start('diamond', { n: 1 });
    await runInState((id) => api.ordo.workflows.getRun(id), done.runId, 'succeeded');
    const { page, errors } = await browser.open(`${api.url}/`, { token: await api.token('write') });
    await navigateInApp(page, `/workflows/runs/${parked.runId}`);
    await page.locator('svg.wf-graph g.wf-node[data-step="wait"][data-state="active"]').waitFor();
    expect(await runState(page)).toBe('running');

    await page.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel run ${parked.runId}?` });
    await dialog.getByRole('button', { name: 'Cancel run' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitFor(() => runState(page), (state) => state === 'cancelled', 'the run to show cancelled');
    expect((await api.ordo.workflows.getRun(parked.runId)).state).toBe('cancelled');

    await page.getByRole('link', { name: 'Workflows' }).click();
    const rows = page.locator('table.runs tbody tr');
    await waitFor(() => rows.count(), (n) => n === 2, 'both runs listed');
    await screenshot(page, 'workflows');
    await page.getByRole('combobox', { name: 'State' }).selectOption('cancelled');
    await page.waitForURL(`${api.url}/workflows?state=cancelled`);
    await waitFor(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run'))), (ids) => ids.length === 1 && ids[0] === parked.runId, 'only the cancelled run');
    await page.getByRole('combobox', { name: 'Workflow' }).selectOption('diamond');
    await page.waitForURL(`${api.url}/workflows?workflow=diamond&state=cancelled`);
    await page.getByText('No run matches this filter.').waitFor();
    expect(errors).toEqual([]);
  });
  it('draws a map step with its elements done and its fan-out edge, and a step skipped by its condition with the reason', async () => {
    const { api } = await dashboard({ tasks: [], workerQueues: null });
    worker = createWorker({ store: api.store, tasks: [], workflows: [fan], queues: ['default'], name: 'dashboard-fan', pollMs: 20, logger: createLogger({ level: 'silent' }) });
    await worker.start();
    const { runId } = await api.ordo.workflows.start(fan, { n: 5 });
    await runInState((id) => api.ordo.workflows.getRun(id), runId, 'succeeded');
    const { page, requests, errors } = await browser.open(`${api.url}/`, { token: await api.token('read'), theme: 'dark' });
    await navigateInApp(page, `/workflows/runs/${runId}`);
    await page.locator('svg.wf-graph g.wf-node').first().waitFor();
    expect(await nodes(page)).toEqual(['list:succeeded', 'double:succeeded', 'sum:succeeded', 'alert:skipped']);
    expect(await page.locator('svg.wf-graph g.wf-node[data-step="double"]').textContent()).toContain('5/5 done');
    const fanOut = page.locator('svg.wf-graph g.wf-edge[data-from="list"][data-to="double"]');
    expect(await fanOut.getAttribute('class')).toContain('wf-edge-map');
    expect(await fanOut.locator('text').textContent()).toBe('map');

    await page.getByRole('button', { name: 'Step double: succeeded' }).click();
    const details = page.getByTestId('step-details');
    expect(JSON.parse((await details.getByLabel('Result of step double').textContent())!)).toEqual([0, 2, 4, 6, 8]);
    expect(await details.textContent()).toContain('5 of 5 elements done');
    expect(await details.getByRole('link', { name: 'jobs of task fan.double' }).getAttribute('href')).toMatch(/^\/jobs\?task=fan\.double&createdFrom=/);

    await page.getByRole('button', { name: 'Step alert: skipped' }).click();
    expect(await details.getByTestId('step-reason').textContent()).toContain('the sum is over 1,000');
    await screenshot(page, 'workflow-run-map-dark');
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  });
  it('pages the runs with the server’s cursor: Next brings the older runs, Previous goes back', async () => {
    const api = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 52; i++) ids.push((await api.ordo.workflows.start('parked', {})).runId);
    const { page, errors } = await browser.open(`${api.url}/`, { token: await api.token('read') });
    await page.getByRole('link', { name: 'Workflows' }).click();
    const rows = page.locator('table.runs tbody tr');
    const listed = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')));
    await waitFor(listed, (shown) => shown.length === 50 && shown[0] === ids[51], 'the 50 newest runs');
    expect(await page.getByTestId('runs-total').textContent()).toBe('52 matching');
    await page.getByRole('button', { name: 'Next' }).click();
    await waitFor(listed, (shown) => shown.join() === [ids[1], ids[0]].join(), 'the two oldest runs');
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await waitFor(listed, (shown) => shown.length === 50 && shown[0] === ids[51], 'the first page again');
    expect(errors).toEqual([]);
  });
});
