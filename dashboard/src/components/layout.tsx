/**
 * The frame around every page: the brand, the navigation built from PAGES (the current
 * page marked with aria-current), who is signed in, the live connection, the theme choice
 * and sign out. On a narrow screen the navigation folds behind a Menu button.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { LiveFeed, Session } from '../context.js';
import { PAGES } from '../pages/index.js';
import { ConnectionIndicator } from './connection.js';
import { ThemeToggle } from './theme.js';
import { Toasts } from './toasts.js';

/** The nav entry a path belongs to: `/jobs/42` is under Jobs; `/` only matches itself. */
export function isCurrent(entryPath: string, path: string): boolean {
  if (entryPath === '/') return path === '/';
  return path === entryPath || path.startsWith(`${entryPath}/`);
}

export interface LayoutProps {
  session: Session;
  live: LiveFeed;
  onSignOut(): void;
  children: ComponentChildren;
}

export function Layout({ session, live, onSignOut, children }: LayoutProps) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div class="layout">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          Ordo
        </a>
        <button type="button" class="menu-button" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" class={menuOpen ? 'open' : ''}>
          <ul>
            {PAGES.filter((page) => page.nav).map((page) => (
              <li key={page.path}>
                <a href={page.path} aria-current={isCurrent(page.path, path) ? 'page' : undefined}>
                  {page.nav}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class={`session-bar ${menuOpen ? 'open' : ''}`}>
          <ConnectionIndicator live={live} />
          <SessionInfo session={session} onSignOut={onSignOut} />
          <ThemeToggle />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <Toasts />
    </div>
  );
}

function SessionInfo({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  if (session.auth === 'none') return <span class="session-name">No token needed (local development)</span>;
  return (
    <>
      <span class="session-name" data-testid="session">
        {session.name ?? 'token'} · <span class="scope">{session.scope}</span>
      </span>
      <button type="button" class="link-button" onClick={onSignOut}>
        Sign out
      </button>
    </>
  );
}
