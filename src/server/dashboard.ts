/**
 * Serves the web dashboard at `/`: the static files `npm run build` bundles into
 * dist/dashboard (shipped in the package), and the dashboard's `index.html` for each of its
 * pages (`DASHBOARD_PATHS`), so a page's URL can be reloaded or shared. The files need no
 * token (they hold no data); every API call the page makes carries the session's token.
 *
 * A strict content security policy lets the page load and connect to this server only: no
 * inline script, no inline style element, no other origin, no framing. When the bundle is
 * missing (a checkout that was never built), each page answers 503 saying how to build it,
 * and the API is served as ever.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DASHBOARD_PATHS } from '../api/dashboard-paths.js';
import { PROBLEM_TYPE, problem } from './problems.js';

/** Only this server, for everything; inline styles set from script (CSSOM) are not inline style elements and stay allowed. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Where the built dashboard is: next to the compiled server (dist/server → dist/dashboard),
 * or, when the server runs from its TypeScript source (tsx, tests), in the checkout's dist.
 * Null when neither holds an index.html.
 */
export function locateDashboard(): string | null {
  const candidates = [new URL('../dashboard/', import.meta.url), new URL('../../dist/dashboard/', import.meta.url)].map((url) => fileURLToPath(url));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/** Serves the dashboard from `dir`, or (null, or a folder without index.html) a 503 on each of its pages saying how to build it. */
export async function registerDashboard(app: FastifyInstance, dir: string | null): Promise<void> {
  if (dir === null || !existsSync(join(dir, 'index.html'))) {
    for (const path of DASHBOARD_PATHS) app.get(path, async (request, reply) => notBuilt(request, reply));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    // One route per file found now, not a catch-all: any other path stays the API's 404 problem.
    wildcard: false,
    index: false,
    // index.html only through the page routes below, with their headers.
    globIgnore: ['index.html'],
    decorateReply: false,
    setHeaders: (reply) => {
      reply.headers(SECURITY_HEADERS);
    },
  });
  const index = join(dir, 'index.html');
  for (const path of DASHBOARD_PATHS) {
    app.get(path, async (_request, reply) => {
      // Read per request (a few hundred bytes): a rebuilt dashboard is served without a restart.
      const html = await readFile(index);
      return reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
    });
  }
}

const NOT_BUILT = 'the dashboard is not built: run `npm run build` (it bundles dashboard/ into dist/dashboard), then restart the server. The API is served as usual.';

/** A 503 that says how to build the dashboard: a page for a browser, a problem for anything else. */
function notBuilt(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.code(503);
  if (/\btext\/html\b/.test(request.headers.accept ?? '')) {
    const page = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Ordo: dashboard not built</title><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (it bundles dashboard/ into dist/dashboard), then restart the server. The API is served as usual: <a href="/docs">/docs</a>.</p></html>`;
    return reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(page);
  }
  return reply.type(PROBLEM_TYPE).send(problem(503, 'dashboard_not_built', NOT_BUILT, { instance: request.url.split('?')[0], requestId: request.id }));
}
