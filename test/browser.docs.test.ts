/**
 * The interactive API docs in a real headless Chromium: /docs renders every operation of the
 * route table from assets Ordo serves itself, and no request leaves the machine (users run
 * Ordo on closed networks).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/api/routes.js';
import { engines } from './support/engines.js';
import { launchBrowser, recordingPage } from './support/browser.js';
import { useServers } from './support/server.js';

const sqlite = engines.find((engine) => engine.name === 'sqlite')!;

describe('API docs in a browser', () => {
  const serve = useServers(sqlite);
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 30_000);
  afterAll(async () => browser?.close());

  it('renders every operation from local assets, with no request leaving the machine', async () => {
    const api = await serve();
    const { page, requests, errors } = await recordingPage(browser);
    await page.goto(`${api.url}/docs`);
    await page.waitForSelector('.swagger-ui .opblock', { timeout: 20_000 });
    const operations = await page.locator('.swagger-ui .opblock').count();
    expect(operations).toBeGreaterThanOrEqual(Object.keys(ROUTES).length);
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    expect(paths.map((p) => p.replace(/\u200b/g, ''))).toContain('/api/v1/jobs/{id}');
    // Opening an operation shows its parameters: the document is read, not only listed.
    await page.locator('.opblock-summary-path', { hasText: '/api/v1/jobs/{id}' }).first().click();
    await page.waitForSelector('.parameters-container', { timeout: 10_000 });
    expect(requests.length).toBeGreaterThan(2);
    const outside = requests.filter((url) => !url.startsWith(api.url) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
