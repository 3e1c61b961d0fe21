/**
 * A real headless Chromium for pages Ordo serves (the API docs, the dashboard), driven by
 * playwright-core with the system's browser: `apt-get install chromium` (CI does), or
 * `ORDO_CHROMIUM` naming another binary. Every request the page makes is recorded, so a
 * test can prove nothing left the machine.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export function chromiumPath(): string {
  const path = [process.env.ORDO_CHROMIUM, ...CANDIDATES].find((candidate) => candidate && existsSync(candidate));
  if (!path) throw new Error(`no Chromium found (looked at ${CANDIDATES.join(', ')}): install it with "apt-get install chromium", or set ORDO_CHROMIUM to a Chromium binary`);
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: FLAGS });
}

/** A new page that records the URL of every request it makes and every error it logs. */
export async function recordingPage(browser: Browser): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, requests, errors };
}
