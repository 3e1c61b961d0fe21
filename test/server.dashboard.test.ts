/**
 * The dashboard served by the server at `/`: its index.html for each of its pages (so a
 * page's URL can be reloaded), its static files, all with a content security policy that
 * allows this server only, and no token needed for any of them; the API's unknown routes stay
 * JSON problems. A missing bundle answers 503 saying how to build it, and the API still
 * serves. Last, the bundle `npm run build` makes is the one a server finds and serves.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_PATHS } from '../src/api/dashboard-paths.js';
import { DASHBOARD_CSP, locateDashboard } from '../src/server/dashboard.js';
import { dropCreatedSchemas, sqliteFixture } from './support/engines.js';
import { useServers } from './support/server.js';

afterAll(dropCreatedSchemas);

const INDEX = '<!doctype html><html><head><link rel="stylesheet" href="/app.css"></head><body><div id="app"></div><script type="module" src="/app.js"></script></body></html>';

/** A built dashboard in a temp folder: its index, script, style and a nested asset. */
function fixtureDashboard(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-dashboard-'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'app.js'), 'document.getElementById("app").textContent = "ordo";');
  writeFileSync(join(dir, 'app.css'), 'body { margin: 0 }');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

/** Each page path with its parameters filled in. */
const PAGES = DASHBOARD_PATHS.map((path) => path.replace(':id', '42').replace(':name', 'nightly'));

describe('the dashboard, served', () => {
  const serve = useServers(sqliteFixture);

  it("answers each page with its index.html, and serves its files, under a self-only policy and without a token", async () => {
    const dir = fixtureDashboard();
    const api = await serve({ options: { dashboard: dir } });
    expect(PAGES).toEqual(['/', '/jobs', '/jobs/42', '/enqueue', '/schedules', '/schedules/nightly', '/workflows', '/workflows/runs/42', '/queues', '/workers', '/audit']);
    for (const page of PAGES) {
      const response = await fetch(api.url + page, { headers: { accept: 'text/html' } });
      expect(response.status, page).toBe(200);
      expect(response.headers.get('content-type'), page).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy'), page).toBe(DASHBOARD_CSP);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text(), page).toBe(INDEX);
    }
    expect(DASHBOARD_CSP).toMatch(/^default-src 'self';/);
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
    expect(DASHBOARD_CSP).toContain("script-src 'self';");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*|https?:/);

    for (const [file, type] of [['/app.js', /^(application|text)\/javascript/], ['/app.css', /^text\/css/], ['/assets/logo.svg', /^image\/svg\+xml/]] as const) {
      const response = await fetch(api.url + file);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toMatch(type);
      expect(response.headers.get('content-security-policy'), file).toBe(DASHBOARD_CSP);
      expect(await response.text(), file).toBe(readFileSync(join(dir, file)).toString());
    }
    expect((await fetch(api.url + '/', { method: 'HEAD' })).status).toBe(200);

    // A rebuilt index is served without a restart.
    writeFileSync(join(dir, 'index.html'), INDEX.replace('<div id="app">', '<div id="app" data-build="2">'));
    expect(await (await fetch(`${api.url}/jobs`)).text()).toContain('data-build="2"');
  });

  it('leaves every other path to the API: unknown routes are JSON problems, traversals go nowhere', async () => {
    const api = await serve({ options: { dashboard: fixtureDashboard() } });
    const token = await api.token('read');
    for (const path of ['/api/v1/unknown', '/nothing', '/jobs/42/extra', '/index.html', '/app.js/x', '/..%2f..%2fpackage.json', '/assets/..%2f..%2fpackage.json']) {
      const answer = await api.call('GET', path, { token });
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.status, path).toBeLessThan(500);
      expect(answer.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
    expect((await api.call('GET', '/api/v1/unknown', { token })).body).toMatchObject({ status: 404, code: 'not_found', instance: '/api/v1/unknown' });
    expect((await api.call('POST', '/', { body: {} })).status).toBe(404);
    // The API beside it is unchanged: its own routes, its tokens.
    expect((await api.call('GET', '/api/v1/queues')).status).toBe(401);
    expect((await api.call('GET', '/api/v1/queues', { token })).status).toBe(200);
  });

  it('without a built dashboard, its pages answer 503 saying to run npm run build; the API still serves', async () => {
    const api = await serve({ options: { dashboard: mkdtempSync(join(tmpdir(), 'ordo-unbuilt-')) } });
    const problem = await api.call('GET', '/jobs/42');
    expect(problem.status).toBe(503);
    expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problem.body).toMatchObject({ status: 503, code: 'dashboard_not_built', instance: '/jobs/42' });
    expect(problem.body.detail).toContain('run `npm run build`');
    const page = await fetch(`${api.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<code>npm run build</code>');
    expect((await api.call('GET', '/healthz')).status).toBe(200);
    expect((await api.call('GET', '/api/v1/queues', { token: await api.token('read') })).status).toBe(200);

    const none = await serve({ options: { dashboard: false } });
    expect((await none.call('GET', '/')).body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('finds and serves the bundle `npm run build` makes, every file its index names included', async () => {
    const built = resolve('dist', 'dashboard');
    // The runtime tests may run without `npm run build`: bundle the dashboard as the build does.
    if (!existsSync(join(built, 'index.html'))) execFileSync(process.execPath, ['scripts/build-dashboard.mjs'], { stdio: 'pipe' });
    expect(resolve(locateDashboard()!)).toBe(built);
    const api = await serve();
    const html = readFileSync(join(built, 'index.html'), 'utf8');
    for (const page of ['/', '/jobs/42']) {
      const response = await fetch(api.url + page);
      expect(response.status, page).toBe(200);
      expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect(await response.text(), page).toBe(html);
    }
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      expect(asset, 'served by this server').toMatch(/^\/[^/]/);
      const response = await fetch(api.url + asset);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
  });
});
