/**
 * The app: asks the server who we are (`GET /session`); without an accepted token it shows
 * the token form, with one the pages. It owns the one live feed of the app (started when
 * signed in, stopped on sign out) and sends the user back to the form whenever the server
 * stops accepting the token.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import { api, ApiError, onUnauthorized, token, type SessionAnswer } from '../api.js';
import type { Session } from '../context.js';
import { PAGES } from '../pages/index.js';
import { Layout } from './layout.js';
import { BatchedFeed } from './live-feed.js';
import { NotFound } from './not-found.js';
import { TokenForm } from './token-form.js';

type Phase = { kind: 'loading' } | { kind: 'signin'; message?: string; busy?: boolean } | { kind: 'error'; message: string } | { kind: 'ready'; session: Session };

export function Shell() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const current = useRef(phase);
  current.current = phase;

  const check = async (refusedMessage?: string): Promise<void> => {
    try {
      const session = await api<SessionAnswer>('GET', '/session');
      setPhase({ kind: 'ready', session: session as Session });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        token.clear();
        setPhase({ kind: 'signin', ...(refusedMessage ? { message: refusedMessage } : {}) });
      } else {
        setPhase({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  useEffect(() => {
    void check(token.get() ? 'The server no longer accepts the stored token: enter one again.' : undefined);
    return onUnauthorized(() => {
      if (current.current.kind !== 'ready') return;
      token.clear();
      setPhase({ kind: 'signin', message: 'The server stopped accepting your token (revoked?): enter one again.' });
    });
  }, []);

  if (phase.kind === 'loading') return <p class="loading-screen">Loading…</p>;
  if (phase.kind === 'error') return <ServerError message={phase.message} onRetry={() => void check()} />;
  if (phase.kind === 'signin') {
    return (
      <TokenForm
        message={phase.message}
        busy={phase.busy ?? false}
        onSubmit={(value) => {
          token.set(value);
          setPhase({ kind: 'signin', busy: true });
          void check('The server refused this token: check it and try again.');
        }}
      />
    );
  }
  return (
    <SignedIn
      session={phase.session}
      onSignOut={() => {
        token.clear();
        setPhase({ kind: 'signin', message: 'Signed out.' });
      }}
    />
  );
}

function SignedIn({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const live = useMemo(() => new BatchedFeed(), []);
  useEffect(() => {
    live.start();
    return () => live.stop();
  }, [live]);
  return (
    <LocationProvider>
      <Layout session={session} live={live} onSignOut={onSignOut}>
        <Router>
          {[
            ...PAGES.map((page) => <Route key={page.path} path={page.path} component={page.component} session={session} live={live} />),
            <Route key="404" default component={NotFound} />,
          ]}
        </Router>
      </Layout>
    </LocationProvider>
  );
}

function ServerError({ message, onRetry }: { message: string; onRetry(): void }) {
  return (
    <main id="main" class="signin">
      <div class="card signin-card" role="alert">
        <h1>Ordo</h1>
        <p>The server did not answer as expected: {message}</p>
        <button type="button" class="primary" onClick={onRetry}>
          Try again
        </button>
      </div>
    </main>
  );
}
