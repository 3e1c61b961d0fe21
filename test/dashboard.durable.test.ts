/**
 * A durable function's run page in a real headless Chromium, against a real server over a real
 * store on both engines: the checkpoints listed in order (kind, name, state, attempts, result
 * or error, what a wait waits for), the current wait named above them, the spawned child
 * linked to its run, and the child's page linking back to its parent. No request leaves the
 * server's origin. The run's state is built as its worker would write it, through the store.
 */
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { DAY, HOUR, checkpoint, claimMain, functionDef, release, writeAs } from './store-contract/durable-support.js';
import { expectOnlyOrigin, screenshot, useBrowser, useDashboard } from './support/dashboard.js';
import { dropCreatedSchemas, engines } from './support/engines.js';

afterAll(dropCreatedSchemas);

async function waitingRun(store: Store): Promise<{ runId: string; childRunId: string }> {
  const { runId } = await store.workflowStart({ definition: functionDef('onboard', 'onboard-q'), input: { user: 7 } });
  const main = await claimMain(store, 'onboard-q');
  await writeAs(store, main, checkpoint(0, { name: 'charge', attempts: 2, result: { charged: 42 } }));
  await writeAs(store, main, checkpoint(1, { name: 'mail', state: 'failed', attempts: 3, error: { message: 'smtp down\n    at send', name: 'Error' } }));
  const child = await store.workflowStart({ definition: functionDef('resize', 'resize-q'), input: null, parentRunId: runId });
  await writeAs(store, main, checkpoint(2, { name: 'resize', kind: 'spawn', state: 'succeeded', attempts: 0, childRunId: child.runId, result: { w: 10 } }));
  await writeAs(store, main, checkpoint(3, { name: 'confirm:7', kind: 'event', state: 'waiting', attempts: 0, eventKey: 'confirm:7', waitUntil: new Date(Date.now() + HOUR) }));
  await release(store, main, DAY);
  return { runId, childRunId: child.runId };
}

/** The checkpoint table's rows as their cells' text. */
async function checkpointRows(page: Page): Promise<string[][]> {
  const rows = await page.locator('table.wf-checkpoints tbody tr').all();
  return Promise.all(rows.map(async (row) => (await row.locator('td, th').allTextContents()).map((text) => text.trim())));
}

describe.each(engines)('a durable function’s run page on $name', (engine) => {
  const dashboard = useDashboard(engine);
  const browser = useBrowser();

  it('lists the checkpoints and the current wait; the child and the parent link to each other', async () => {
    const { api } = await dashboard({ tasks: [], workerQueues: null });
    const { runId, childRunId } = await waitingRun(api.store);
    const { page, requests, errors } = await browser.open(`${api.url}/workflows/runs/${runId}`, { token: await api.token('read') });

    await expect.poll(() => page.locator('table.wf-checkpoints tbody tr').count(), { timeout: 15_000 }).toBe(4);
    const rows = await checkpointRows(page);
    expect(rows.map((cells) => cells.slice(0, 5))).toEqual([
      ['0', 'step', 'charge', 'succeeded', '2'],
      ['1', 'step', 'mail', 'failed', '3'],
      ['2', 'spawn', 'resize', 'succeeded', '0'],
      ['3', 'event', 'confirm:7', 'waiting', '0'],
    ]);
    expect(rows[0]![7]).toBe('{"charged":42}');
    expect(rows[1]![7]).toBe('smtp down');
    expect(rows[2]![6]).toBe(`child run ${childRunId}`);
    expect(rows[3]![6]).toMatch(/^event confirm:7 until /);
    expect(await page.getByTestId('current-wait').textContent()).toMatch(/^Waiting for event confirm:7 until /);
    // A function's one step is no graph to draw.
    expect(await page.locator('svg.wf-graph').count()).toBe(0);
    await screenshot(page, `durable-run-${engine.name}`);

    await page.getByRole('link', { name: `child run ${childRunId}` }).click();
    await page.waitForURL(`**/workflows/runs/${childRunId}`);
    const parent = page.getByRole('link', { name: `run ${runId}`, exact: true });
    await parent.waitFor({ timeout: 15_000 });
    expect(await page.getByText('None yet: the function has not reached a step or a wait.').count()).toBe(1);
    await parent.click();
    await page.waitForURL(`**/workflows/runs/${runId}`);
    await expect.poll(() => page.locator('table.wf-checkpoints tbody tr').count(), { timeout: 15_000 }).toBe(4);

    expect(errors).toEqual([]);
    expectOnlyOrigin(requests, api.url);
  });
});
