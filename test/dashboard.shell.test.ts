/**
 * The dashboard's shell in a real Chromium: the token form (by keyboard), sign out, a
 * revoked token sending the page back to the form, the server without tokens, navigation
 * with the current page marked, the theme remembered, the phone layout, the 404 page, and
 * one event stream for the whole app. The shell touches no job, so one engine is enough.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defineTask } from '../src/tasks/define.js';
import { dropCreatedSchemas, sqliteFixture } from './support/engines.js';
import { backgroundColor, documentTheme, expectOnlyOrigin, focusedId, localStorageText, navigateInApp, sessionToken, useBrowser, useDashboard } from './support/dashboard.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

const noop = defineTask('noop', async () => null);
/** Refused requests log "Failed to load resource: … 401" in the console: expected where a token is refused. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 401/.test(e));

describe('dashboard shell', () => {
  const dashboard = useDashboard(sqliteFixture);
  const browser = useBrowser();

  it('asks for a token by keyboard, refuses a wrong one, signs in, keeps the session on reload, and signs out', async () => {
    const { api } = await dashboard({ tasks: [noop], workerQueues: null });
    const token = await api.token('write');
    const { page, requests, errors } = await browser.open(`${api.url}/`);

    const input = page.getByLabel('API token');
    await expect.poll(() => focusedId(page)).toBe('token-input');
    await page.keyboard.type('not-a-token');
    await page.keyboard.press('Enter');
    await page.getByText('The server refused this token').waitFor();
    expect(await sessionToken(page)).toBeNull();

    await input.fill('');
    await input.focus();
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByTestId('session').textContent()).toContain('test-write');
    expect(await page.getByTestId('session').textContent()).toContain('write');
    // Kept for the session only: sessionStorage, never localStorage or the URL.
    expect(await sessionToken(page)).toBe(token);
    expect(await localStorageText(page)).not.toContain(token);
    expect(page.url()).not.toContain(token);

    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await sessionToken(page)).toBeNull();
    expectOnlyOrigin(requests, api.url);
    expect(unexpected(errors)).toEqual([]);
  }, 60_000);

  it('goes back to the token form when the server stops accepting the token', async () => {
    const { api } = await dashboard({ tasks: [noop], workerQueues: null });
    const admin = await api.token('admin');
    const reader = await api.token('read');
    const { page, errors } = await browser.open(`${api.url}/jobs`, { token: reader });
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();

    const id = (await api.ordo.tokens.list()).find((t) => t.name === 'test-read')!.id;
    expect((await api.call('DELETE', `/api/v1/tokens/${id}`, { token: admin })).status).toBe(200);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByText('The server stopped accepting your token').waitFor();
    expect(await page.getByLabel('API token').isVisible()).toBe(true);
    expect(unexpected(errors)).toEqual([]);
  }, 60_000);

  it('says no token is needed when the server runs without tokens', async () => {
    const { api } = await dashboard({ tasks: [noop], workerQueues: null, auth: 'none' });
    const { page, requests, errors } = await browser.open(`${api.url}/`);
    await page.getByText('No token needed (local development)').waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expectOnlyOrigin(requests, api.url);
    expect(errors).toEqual([]);
  }, 60_000);

  it('marks the current page in the navigation, shows the live connection, and keeps one event stream across pages', async () => {
    const { api } = await dashboard({ tasks: [noop], workerQueues: null });
    const { page, requests, errors } = await browser.open(`${api.url}/`, { token: await api.token('read') });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe('page');
    await page.getByTestId('connection').getByText('Live').waitFor();

    for (const [name, heading] of [['Jobs', 'Jobs'], ['Overview', 'Overview'], ['Jobs', 'Jobs']]) {
      await nav.getByRole('link', { name }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    }
    expect(new URL(page.url()).pathname).toBe('/jobs');
    expect(await nav.getByRole('link', { name: 'Jobs' }).getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBeNull();
    // A job's page is under Jobs too.
    await navigateInApp(page, '/jobs/1');
    await page.getByRole('heading', { name: /^Job 1/ }).waitFor();
    expect(await nav.getByRole('link', { name: 'Jobs' }).getAttribute('aria-current')).toBe('page');
    expect(await page.title()).toBe('Job 1 · Ordo');

    expect(requests.filter((url) => url.startsWith(`${api.url}/api/v1/events`))).toHaveLength(1);
    expectOnlyOrigin(requests, api.url);
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]); // job 1 does not exist: its 404 is expected
  }, 60_000);

  it('shows a not-found page for a path no page has', async () => {
    const { api } = await dashboard({ tasks: [noop], workerQueues: null });
    const { page } = await browser.open(`${api.url}/`, { token: await api.token('read') });
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await navigateInApp(page, '/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('link', { name: 'Go to the overview' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  }, 60_000);

  it('switches light, dark and system themes and remembers the choice', async () => {
    const { api } = await dashboard({ tasks: [noop], workerQueues: null });
    const { page } = await browser.open(`${api.url}/`, { token: await api.token('read') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const background = () => backgroundColor(page);
    const light = await background();

    await page.getByLabel('Theme').selectOption('dark');
    expect(await documentTheme(page)).toBe('dark');
    const dark = await background();
    expect(dark).not.toBe(light);
    await page.reload();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await background()).toBe(dark);
    expect(await page.getByLabel('Theme').inputValue()).toBe('dark');

    await page.getByLabel('Theme').selectOption('system');
    expect(await documentTheme(page)).toBeUndefined();
    expect(await background()).toBe(light);
    await page.emulateMedia({ colorScheme: 'dark' });
    await waitFor(background, (value) => value === dark, 'the system dark theme');
  }, 60_000);

  it('folds the navigation behind a Menu button on a phone', async () => {
    const { api } = await dashboard({ tasks: [noop], workerQueues: null });
    const { page } = await browser.open(`${api.url}/`, { token: await api.token('read'), viewport: { width: 390, height: 800 } });
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const menu = page.getByRole('button', { name: 'Menu' });
    const jobsLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' });
    expect(await jobsLink.isVisible()).toBe(false);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await jobsLink.click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    expect(await jobsLink.isVisible()).toBe(false);
    // Nothing wider than the screen: tables scroll inside their own box.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  }, 60_000);
});
