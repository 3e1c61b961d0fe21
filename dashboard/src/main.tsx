import { render } from 'preact';
import { LocationProvider, Route, Router } from 'preact-iso';
import type { LiveFeed, Session } from './context.js';
import { PAGES } from './pages/index.js';

const session: Session = { auth: 'none', scope: 'admin', name: null };
const live: LiveFeed = { subscribe: () => () => {}, connected: false };

function App() {
  return (
    <LocationProvider>
      <Router>
        {PAGES.map((page) => (
          <Route path={page.path} component={(props: { params?: Record<string, string> }) => <page.component session={session} live={live} params={props.params ?? {}} />} />
        ))}
      </Router>
    </LocationProvider>
  );
}

render(<App />, document.getElementById('app')!);
