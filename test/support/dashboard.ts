/**
 * The dashboard as its users meet it: a real server (serving the built bundle from
 * dist/dashboard, so `npm run build` must have run) over a real store, a real worker on the
 * same store running real tasks, and pages in a real headless Chromium. Pages record every
 * request, so a test can prove none left the server's origin.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import type { JobState } from '../../src/core/types.js';
import type { TaskDefinition } from '../../src/tasks/define.js';
import { createWorker, type Worker } from '../../src/worker/worker.js';
import { launchBrowser, recordingPage } from './browser.js';
import type { EngineFixture } from './engines.js';
import { useServers, type TestServer } from './server.js';
import { waitFor } from './wait.js';

export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'artifacts', 'screenshots');

export interface DashboardSetup {
  tasks: TaskDefinition[];
  /** Queues the worker serves; no worker at all when `null`. @defaultValue ['default'] */
  workerQueues?: string[] | null;
  concurrency?: number;
  /** `none`: the server runs without tokens, as `ordo dev` does. */
  auth?: 'none' | 'tokens';
}

export interface Dashboard {
  api: TestServer;
  worker: Worker | null;
}

/** Servers with a worker each, stopped (worker first) after each test. */
export function useDashboard(engine: EngineFixture): (setup: DashboardSetup) => Promise<Dashboard> {
  const serve = useServers(engine);
  const workers: Worker[] = [];
  // Registered after useServers' hook, so it runs before it: the worker stops before its store closes.
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop({ graceMs: 1_000 });
  });
  return async (setup) => {
    const api = await serve({ tasks: setup.tasks, ...(setup.auth ? { options: { auth: setup.auth } } : {}) });
    if (setup.workerQueues === null) return { api, worker: null };
    const worker = createWorker({
      store: api.store,
      tasks: setup.tasks,
      queues: setup.workerQueues ?? ['default'],
      concurrency: setup.concurrency ?? 10,
      name: 'dashboard-worker',
      pollMs: 20,
      heartbeatMs: 500,
      maintenance: false,
      logger: createLogger({ level: 'silent' }),
    });
    workers.push(worker);
    await worker.start();
    return { api, worker };
  };
}

/** One Chromium for the file; every page opened through `open` is closed after its test. */
export function useBrowser(): { open(url: string, options?: OpenOptions): Promise<OpenPage> } {
  let browser: Browser;
  const opened: Page[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 30_000);
  afterEach(async () => {
    for (const page of opened.splice(0)) await page.context().close();
  });
  afterAll(async () => browser?.close());
  return {
    async open(url, options = {}) {
      const recorded = await recordingPage(browser);
      opened.push(recorded.page);
      if (options.viewport) await recorded.page.setViewportSize(options.viewport);
      // Scripts as text: the project's types have no DOM (see the readers below).
      if (options.token) await recorded.page.addInitScript({ content: `sessionStorage.setItem('ordo.token', ${JSON.stringify(options.token)})` });
      if (options.theme) await recorded.page.addInitScript({ content: `localStorage.setItem('ordo.theme', ${JSON.stringify(options.theme)})` });
      await recorded.page.goto(url);
      return recorded;
    },
  };
}

export interface OpenOptions {
  /** Put in sessionStorage before the page's scripts run (as the token form would). */
  token?: string;
  theme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

export interface OpenPage {
  page: Page;
  requests: string[];
  errors: string[];
}

/** Fails unless every request the page made went to `origin` (or was data:/blob:). */
export function expectOnlyOrigin(requests: readonly string[], origin: string): void {
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
}

/** Saves a full-page screenshot as artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the store holds `count` jobs in `state` (of `task`, when given). */
export async function waitForJobs(api: TestServer, state: JobState, count: number, task?: string, timeoutMs = 30_000): Promise<string[]> {
  const page = await waitFor(
    () => api.ordo.listJobs({ state: [state], ...(task ? { task } : {}) }, { limit: 1000 }),
    (p) => p.jobs.length >= count,
    `${count} ${state} jobs${task ? ` of ${task}` : ''}`,
    timeoutMs,
  );
  return page.jobs.map((job) => job.id);
}

/*
 * Reading the page's own state. The expressions are text because the project's types do
 * not include the DOM (the code under test is Node's); Playwright evaluates them in the page.
 */

/** The token the page keeps for its session, or null. */
export async function sessionToken(page: Page): Promise<string | null> {
  return (await page.evaluate("sessionStorage.getItem('ordo.token')")) as string | null;
}

/** Everything in the page's localStorage, as JSON text. */
export async function localStorageText(page: Page): Promise<string> {
  return (await page.evaluate('JSON.stringify(localStorage)')) as string;
}

/** The id of the focused element ('' when it has none). */
export async function focusedId(page: Page): Promise<string> {
  return (await page.evaluate("document.activeElement ? document.activeElement.id : ''")) as string;
}

/** The text of the elements that describe an input (its hint and its error), joined by ' | '. */
export async function description(page: Page, inputId: string): Promise<string> {
  const script = `(document.getElementById(${JSON.stringify(inputId)})?.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean).map((ref) => document.getElementById(ref)?.textContent ?? '').join(' | ')`;
  return (await page.evaluate(script)) as string;
}

/** `data-theme` on <html> (undefined: the system's choice). */
export async function documentTheme(page: Page): Promise<string | undefined> {
  return ((await page.evaluate('document.documentElement.dataset.theme ?? null')) as string | null) ?? undefined;
}

/** The body's computed background colour. */
export async function backgroundColor(page: Page): Promise<string> {
  return (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
}

/** Navigates inside the app as a link would (history and popstate), without loading the page again. */
export async function navigateInApp(page: Page, path: string): Promise<void> {
  await page.evaluate(`history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`);
}

/**
 * Marks the loaded document, so a test can later prove the page was never reloaded (a
 * reload starts a new document without the mark).
 */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.__ordoTestMark = true');
}

export async function documentMarked(page: Page): Promise<boolean> {
  return (await page.evaluate('window.__ordoTestMark === true')) as boolean;
}
