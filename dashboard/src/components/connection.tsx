/** Whether the live event stream is connected: a dot and a word, announced when it changes. */
import type { LiveFeed } from '../context.js';
import { useConnected } from './hooks.js';

export function ConnectionIndicator({ live }: { live: LiveFeed }) {
  const connected = useConnected(live);
  return (
    <span class={`connection ${connected ? 'is-live' : 'is-offline'}`} role="status" data-testid="connection" title={connected ? 'Receiving live updates from the server' : 'Not receiving live updates; reconnecting'}>
      <span class="dot" aria-hidden="true" />
      {connected ? 'Live' : 'Reconnecting…'}
    </span>
  );
}
